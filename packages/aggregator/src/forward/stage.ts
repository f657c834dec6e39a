/**
 * Processor mode: the aggregator forwards every request it acknowledges to a
 * downstream OTLP endpoint, as a Collector processor passes data on, and its
 * own signals go there too. The durable ingest log is the sending queue
 * (like the Collector's `file_storage`-backed sending queue): a request is
 * acknowledged once it is in the log, and forwarded from there, in log
 * order, by this stage; a durable cursor (cursor.ts) says how far the
 * downstream has taken it, and the log keeps every segment file that holds a
 * record after the cursor, checkpoints or not (`IngestLogOptions.retainAfter`).
 *
 * Backpressure both ways: the downstream's `Retry-After`/`RetryInfo` and its
 * failures pause forwarding (retry.ts); what waits is bounded by
 * `forward.maxQueueBytes`, past which new requests are refused with 503 /
 * UNAVAILABLE and a retry delay, so the senders upstream keep their data in
 * their own queues instead. Nothing acknowledged is dropped: a request
 * leaves the queue only when the downstream has taken it, or has refused it
 * for good (partial success, or invalid), which is counted and logged.
 *
 * Delivery is at least once: a crash between the downstream's answer and the
 * cursor's save sends those requests again after the restart.
 *
 * @module
 */
import {
  ATTR_ML_AGGREGATOR_COMPONENT,
  ATTR_ML_SIGNAL,
  METRIC_ML_AGGREGATOR_DEGRADED,
  METRIC_ML_AGGREGATOR_FORWARD_QUEUE_SIZE,
  METRIC_ML_AGGREGATOR_FORWARD_REJECTED,
  METRIC_ML_AGGREGATOR_FORWARD_SENT,
} from '@modelwatch/semconv';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { AggregatorConfig } from '../config/schema.js';
import type { OutputSignal } from '../export/telemetry.js';
import type { IngestLog, LoggedRequest, ReadPosition } from '../store/ingest-log.js';
import { OverloadedError } from '../receiver/sink.js';
import { countDataPoints, countLogRecords } from '../receiver/otlp/types.js';
import { decodeLogsRequest, decodeMetricsRequest } from '../receiver/otlp/decode-protobuf.js';
import { decodeLogsJson, decodeMetricsJson } from '../receiver/otlp/decode-json.js';
import { ForwardCursor, discardForwardCursor } from './cursor.js';
import { RetrySchedule } from './retry.js';
import { SendWindow } from './window.js';
import { createSender, type ForwardKind, type Sender } from './sender.js';
import type { SendOutcome } from './outcome.js';
import { ownSignalsExporter } from './own-signals.js';

/** The `forward` section of the configuration. */
export type ForwardConfig = NonNullable<AggregatorConfig['forward']>;

type Signal = 'metrics' | 'logs';
type Record_ = LoggedRequest & { next: ReadPosition };

/** What `/readyz` shows of processor mode. */
export interface ForwardReadiness {
  endpoint: string;
  protocol: ForwardConfig['protocol'];
  /** Bytes of acknowledged requests not yet forwarded, and their bound. */
  queueBytes: number;
  maxQueueBytes: number;
  /** Whether new OTLP requests are refused because the queue is full. */
  refusing: boolean;
  /** Whether the latest attempt failed (forwarding is being retried). */
  failing: boolean;
  lastError: string | null;
  lastSuccess: string | null;
  /** Log sequence number up to which everything was forwarded, and the last one logged. */
  forwardedSeq: number;
  loggedSeq: number;
  sent: Record<Signal, number>;
  /** Items the downstream refused for good. */
  rejected: Record<Signal, number>;
  refusedRequests: number;
}

/** Processor mode before the ingest log is open: the cursor, which the log must know of. */
export interface Forwarding {
  /** For `IngestLogOptions.retainAfter`: the log keeps every record after this. */
  retainAfter(): number;
  /** Starts forwarding from the open log. */
  start(deps: ForwardDeps): ForwardStage;
}

/** What the stage needs of the service. */
export interface ForwardDeps {
  ingestLog: IngestLog;
  /** Counts a request refused because the queue is full (the admission stage's `ml.aggregator.refused`). */
  countRefusal(signal: Signal, reason: 'forward_queue'): void;
  log?: (message: string) => void;
  /** Clock, in epoch ms. @default Date.now */
  now?: () => number;
}

/** The running stage. */
export interface ForwardStage {
  /** Throws {@link OverloadedError} (counted) when the queue is full; called for every OTLP request before it is taken. */
  admit(signal: Signal): void;
  /** The exporter of the aggregator's own signals to the same endpoint (for telemetry.ts's push). */
  readonly ownSignals: { exporter: PushMetricExporter; endpoint: string };
  readiness(): ForwardReadiness;
  outputs(): OutputSignal[];
  /** Stops forwarding (answers of requests still in flight are not waited for long), saves the cursor. */
  close(): Promise<void>;
}

/** Longest wait for requests in flight at close; later answers are dropped and the requests resent after the restart. */
const CLOSE_WAIT_MS = 2000;
/** The cursor is saved at most this often while it moves (and at once when forwarding catches up). */
const SAVE_EVERY_MS = 200;

const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/**
 * Processor mode of `config`, or undefined when `forward` is not set (a
 * cursor left by an earlier run is then deleted; see cursor.ts).
 * @throws Error when the cursor file cannot be read.
 */
export function openForwarding(config: AggregatorConfig): Forwarding | undefined {
  if (config.forward === undefined) {
    discardForwardCursor(config.dataDir);
    return undefined;
  }
  const fc = config.forward;
  const cursor = ForwardCursor.open(config.dataDir);
  let live: (() => number) | undefined;
  return {
    // Before the stage starts: the saved cursor; with none yet, nothing older needs keeping (forwarding starts at the log's end).
    retainAfter: () => live?.() ?? cursor.seq ?? Number.MAX_SAFE_INTEGER,
    start(deps) {
      const stage = startStage(fc, cursor, deps);
      live = stage.cursor;
      return stage.stage;
    },
  };
}

function startStage(fc: ForwardConfig, cursor: ForwardCursor, deps: ForwardDeps): { stage: ForwardStage; cursor: () => number } {
  const { ingestLog } = deps;
  const log = deps.log ?? (() => {});
  const now = deps.now ?? Date.now;
  const sender: Sender = createSender({
    endpoint: fc.endpoint,
    protocol: fc.protocol,
    headers: fc.headers,
    timeoutMs: fc.timeout,
    compression: fc.compression,
    ...(fc.tls !== undefined ? { caFile: fc.tls.ca } : {}),
  });
  // No cursor yet: processor mode starts now, at the end of the log (what was logged before is not forwarded).
  if (cursor.seq === undefined) cursor.save(ingestLog.lastSeq);
  else if (cursor.seq > ingestLog.lastSeq) {
    // A cursor beyond the log belongs to another log (the directory was emptied but for it): new records would hide behind it.
    log(`processor mode: the cursor (${cursor.seq}) is beyond the ingest log's last record (${ingestLog.lastSeq}); forwarding starts at the log's end`);
    cursor.save(ingestLog.lastSeq);
  }
  const window = new SendWindow(cursor.seq ?? 0, fc.concurrency);
  const schedule = new RetrySchedule({ initialMs: fc.retry.initialInterval, maxMs: fc.retry.maxInterval });

  // What waits: the backlog found on disk at start, plus everything appended since, minus what the cursor moved over.
  let backlog = 0;
  let backlogRequests = 0;
  for (const r of ingestLog.readAfter(window.cursor)) {
    backlog += r.payload.byteLength;
    backlogRequests++;
  }
  const appendedAtStart = ingestLog.appendedBytes;
  let forwardedBytes = 0;
  const queueBytes = (): number => Math.max(0, backlog + (ingestLog.appendedBytes - appendedAtStart) - forwardedBytes);
  if (backlogRequests > 0) log(`processor mode: ${backlogRequests} logged requests (${mib(backlog)}) wait to be forwarded to ${fc.endpoint}`);

  const sent: Record<Signal, number> = { metrics: 0, logs: 0 };
  const rejected: Record<Signal, number> = { metrics: 0, logs: 0 };
  let refusedRequests = 0;
  let refusing = false;
  let failing = false;
  let lastError: string | null = null;
  let lastSuccess: string | null = null;
  let closed = false;
  /** Set by close: answers still move the cursor, nothing new is sent. */
  let stopping = false;

  // Reading the log: a live reader resumes where the last record read ended.
  let reader: Iterator<Record_> | undefined;
  let position: ReadPosition | undefined;
  const nextRecord = (): Record_ | undefined => {
    for (let attempt = 0; attempt < 2; attempt++) {
      reader ??= ingestLog.readAfter(window.last, position)[Symbol.iterator]() as Iterator<Record_>;
      const n = reader.next();
      if (n.done !== true) {
        position = n.value.next;
        return n.value;
      }
      // Exhausted: a fresh reader sees what was committed since this one started; at most one more try.
      reader = undefined;
      if (ingestLog.committedSeq <= window.last) return undefined;
    }
    return undefined;
  };

  /** Records that failed and wait for the pause to end, in seq order (all in the window). */
  const retries: Record_[] = [];
  let sending = 0;
  let idle: (() => void) | undefined;
  let pumpTimer: NodeJS.Timeout | undefined;
  let pumpQueued = false;
  let saveTimer: NodeJS.Timeout | undefined;

  const save = (): void => {
    if (saveTimer !== undefined) clearTimeout(saveTimer);
    saveTimer = undefined;
    try {
      cursor.save(window.cursor);
    } catch (err) {
      // Only a resend after a restart is at stake: the log keeps what the in-memory cursor has not passed.
      log(`processor mode: cannot save the cursor: ${(err as Error).message}`);
      return;
    }
    ingestLog.removeCovered();
  };
  const saveSoon = (): void => {
    if (window.last === window.cursor && ingestLog.committedSeq <= window.cursor) save();
    else saveTimer ??= setTimeout(save, SAVE_EVERY_MS).unref();
  };

  const countItems = (r: Record_): number => {
    try {
      if (r.kind === 'metrics') return countDataPoints(r.encoding === 'json' ? decodeMetricsJson(r.payload) : decodeMetricsRequest(r.payload));
      return countLogRecords(r.encoding === 'json' ? decodeLogsJson(r.payload) : decodeLogsRequest(r.payload));
    } catch {
      return 0;
    }
  };

  const finish = (r: Record_): void => {
    forwardedBytes += window.finish(r.seq);
    saveSoon();
  };

  const onOutcome = (r: Record_, o: SendOutcome): void => {
    sending--;
    if (sending === 0) idle?.();
    if (closed) return;
    const kind = r.kind as Signal;
    switch (o.kind) {
      case 'ok':
        schedule.succeeded();
        lastSuccess = new Date(now()).toISOString();
        if (failing) log(`processor mode: forwarding to ${fc.endpoint} works again`);
        failing = false;
        sent[kind]++;
        if (o.rejected > 0) {
          rejected[kind] += o.rejected;
          log(`processor mode: ${fc.endpoint} refused ${o.rejected} ${kind === 'metrics' ? 'data points' : 'log records'} of request ${r.seq} for good (partial success), not retried: ${o.message ?? 'no message'}`);
        }
        finish(r);
        break;
      case 'permanent': {
        const n = countItems(r);
        rejected[kind] += n;
        log(`processor mode: ${fc.endpoint} refused request ${r.seq} (${n} ${kind === 'metrics' ? 'data points' : 'log records'}) for good, not retried: ${o.reason}`);
        finish(r);
        break;
      }
      case 'retry': {
        lastError = `${new Date(now()).toISOString()} ${o.reason}`;
        const at = schedule.failed(now(), o.retryAfterMs);
        if (!failing) log(`processor mode: forwarding to ${fc.endpoint} failed, retrying from ${new Date(at).toISOString()}: ${o.reason}`);
        failing = true;
        const i = retries.findIndex((x) => x.seq > r.seq);
        retries.splice(i < 0 ? retries.length : i, 0, r);
        break;
      }
      default: {
        const never: never = o;
        throw new Error(`unknown outcome ${JSON.stringify(never)}`);
      }
    }
    pump();
  };

  const send = (r: Record_): void => {
    sending++;
    void sender.send(r.kind as ForwardKind, r.payload, r.encoding).then((o) => onOutcome(r, o), (err: unknown) => onOutcome(r, { kind: 'retry', reason: String(err) }));
  };

  function pump(): void {
    if (closed || stopping) return;
    const wait = schedule.nextAttemptAt - now();
    if (wait > 0) {
      if (pumpTimer === undefined) pumpTimer = setTimeout(() => ((pumpTimer = undefined), pump()), wait).unref();
      return;
    }
    try {
      // The failed ones first, in order: they are the head of the window.
      for (let r = retries.shift(); r !== undefined; r = retries.shift()) send(r);
      while (window.canTake) {
        const r = nextRecord();
        if (r === undefined) break;
        window.take(r.seq, r.payload.byteLength);
        send(r);
      }
    } catch (err) {
      // A damaged record: the log cannot be forwarded past it (nor replayed); said loudly, tried again later.
      reader = undefined;
      lastError = `${new Date(now()).toISOString()} ${(err as Error).message}`;
      failing = true;
      log(`processor mode: cannot read the ingest log: ${(err as Error).message}`);
      schedule.failed(now());
      pumpTimer ??= setTimeout(() => ((pumpTimer = undefined), pump()), schedule.upstreamRetryMs(now())).unref();
    }
  }
  const pumpSoon = (): void => {
    if (pumpQueued || closed) return;
    pumpQueued = true;
    setImmediate(() => {
      pumpQueued = false;
      pump();
    });
  };
  ingestLog.onCommitted(pumpSoon);
  pumpSoon();

  const stage: ForwardStage = {
    admit(signal) {
      const queued = queueBytes();
      const full = queued >= fc.maxQueueBytes;
      if (full !== refusing) {
        refusing = full;
        log(full
          ? `processor mode: ${mib(queued)} wait to be forwarded to ${fc.endpoint}, at forward.maxQueueBytes (${mib(fc.maxQueueBytes)}): refusing new OTLP requests`
          : `processor mode: the forward queue is below forward.maxQueueBytes again: taking OTLP requests`);
      }
      if (!full) return;
      refusedRequests++;
      deps.countRefusal(signal, 'forward_queue');
      throw new OverloadedError(
        `processor mode: ${mib(queued)} of requests wait to be forwarded to ${fc.endpoint}, at forward.maxQueueBytes = ${mib(fc.maxQueueBytes)}` +
          `${failing && lastError !== null ? ` (the downstream fails: ${lastError})` : ''}; retry later`,
        { kind: 'unavailable', retryAfterMs: schedule.upstreamRetryMs(now()) },
      );
    },
    ownSignals: {
      endpoint: fc.endpoint,
      exporter: ownSignalsExporter((body) => sender.send('metrics', body, 'protobuf'), log),
    },
    readiness: () => ({
      endpoint: fc.endpoint,
      protocol: fc.protocol,
      queueBytes: queueBytes(),
      maxQueueBytes: fc.maxQueueBytes,
      refusing: queueBytes() >= fc.maxQueueBytes,
      failing,
      lastError,
      lastSuccess,
      forwardedSeq: window.cursor,
      loggedSeq: ingestLog.committedSeq,
      sent: { ...sent },
      rejected: { ...rejected },
      refusedRequests,
    }),
    outputs: () => [
      { name: METRIC_ML_AGGREGATOR_DEGRADED, value: failing ? 1 : 0, attributes: { [ATTR_ML_AGGREGATOR_COMPONENT]: 'forward' } },
      { name: METRIC_ML_AGGREGATOR_FORWARD_QUEUE_SIZE, value: queueBytes(), attributes: {} },
      ...(['metrics', 'logs'] as const).flatMap((s) => [
        { name: METRIC_ML_AGGREGATOR_FORWARD_SENT, value: sent[s], attributes: { [ATTR_ML_SIGNAL]: s } },
        { name: METRIC_ML_AGGREGATOR_FORWARD_REJECTED, value: rejected[s], attributes: { [ATTR_ML_SIGNAL]: s } },
      ]),
    ],
    async close() {
      if (closed || stopping) return;
      stopping = true;
      if (pumpTimer !== undefined) clearTimeout(pumpTimer);
      pumpTimer = undefined;
      // Answers of what is in flight still move the cursor for a moment; then give up on them.
      if (sending > 0) {
        await new Promise<void>((resolve) => {
          idle = resolve;
          setTimeout(resolve, CLOSE_WAIT_MS).unref();
        });
      }
      closed = true;
      reader?.return?.();
      reader = undefined;
      save();
      sender.close();
    },
  };
  return { stage, cursor: () => window.cursor };
}
