/**
 * The admission stage: in front of the OTLP sink, it refuses new requests
 * while the process's resident memory is near `limits.maxResidentMemory`
 * (HTTP 503 / gRPC UNAVAILABLE with a retry delay, asked before the body is
 * read), counts every request refused for load (its own and the receivers'),
 * and reports the process's memory and event-loop delay on `/readyz` and as
 * metrics. The rule itself is pure (memory-admission.ts); this is its I/O.
 *
 * While it refuses, it asks V8 for a full garbage collection at most once a
 * second. Most of what a burst of requests leaves in resident memory is
 * garbage that V8 would collect only when the heap fills or, with no requests
 * coming in, tens of seconds later: until then the heap grows instead (past
 * the limit), and after the burst the refusal would last that long.
 */
import { measureMemory } from 'node:vm';
import {
  ATTR_ML_REFUSAL_REASON,
  ATTR_ML_SIGNAL,
  METRIC_ML_AGGREGATOR_EVENTLOOP_DELAY_MAX,
  METRIC_ML_AGGREGATOR_EVENTLOOP_DELAY_P99,
  METRIC_ML_AGGREGATOR_MEMORY_LIMIT,
  METRIC_ML_AGGREGATOR_MEMORY_RSS,
  METRIC_ML_AGGREGATOR_REFUSED,
} from '@modelwatch/semconv';
import { OverloadedError, type OtlpSink } from '../receiver/sink.js';
import type { OutputSignal } from '../export/telemetry.js';
import { ADMIT_BELOW, ADMITTING, memoryAdmission, REFUSE_FROM, SETTLE_MS } from './memory-admission.js';
import { startProcessSampler, type ProcessSamplerOptions } from './process-sampler.js';

/** Why a whole request was refused (`ml.refusal.reason`); `forward_queue` is counted by processor mode (src/forward/). */
export type RefusalReason = 'memory' | 'in_flight' | 'forward_queue';

type Signal = 'metrics' | 'logs';

/** Options of {@link createAdmissionStage}. */
export interface AdmissionStageOptions {
  /** `limits.maxResidentMemory` in bytes; `undefined`: no limit. */
  maxResidentMemory: number | undefined;
  /** Retry delay suggested to senders refused for memory, in ms. @default 5000 */
  retryAfterMs?: number;
  /** Where a change between admitting and refusing is told. @default nothing */
  log?: (message: string) => void;
  /** Sampling settings (tests replace the reading of resident memory). */
  sampler?: ProcessSamplerOptions;
  /** Clock, in ms (tests replace it). @default performance.now */
  now?: () => number;
  /**
   * Runs a full garbage collection (tests replace it). @default an eager
   * `vm.measureMemory()`, which collects at once (the one API for it without
   * `--expose-gc`; Node prints an ExperimentalWarning the first time)
   */
  collectGarbage?: () => Promise<unknown>;
}

/** What `/readyz` shows of the process's memory. */
export interface MemoryReadiness {
  residentBytes: number;
  /** `null` when no limit is configured. */
  limitBytes: number | null;
  /** Whether new OTLP requests are being refused for memory. */
  refusing: boolean;
  /** Requests refused for memory since the start. */
  refusedRequests: number;
}

/** The running stage. */
export interface AdmissionStage {
  /** `sink` behind the memory check, which the receivers ask through `admit` (see {@link OtlpSink.admit}). */
  guard(sink: OtlpSink): OtlpSink;
  /** Counts a request refused elsewhere (the receivers' in-flight bounds). */
  countRefusal(signal: Signal, reason: RefusalReason): void;
  /** Reads resident memory now and applies the rule, as the 250-ms timer does; returns whether requests are refused. */
  sample(): boolean;
  /** For `/readyz`. */
  readiness(): MemoryReadiness;
  /** Memory, its limit, event-loop delay and refusals, as the aggregator's own signals. */
  outputs(): OutputSignal[];
  shutdown(): void;
}

const SIGNALS: readonly Signal[] = ['metrics', 'logs'];
const REASONS: readonly RefusalReason[] = ['memory', 'in_flight', 'forward_queue'];

const mib = (bytes: number): string => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/** Least time between two collections asked for while refusing, in ms: a full collection of a large heap stops the loop for tens of ms. */
const COLLECT_EVERY_MS = 1000;

const eagerCollection = (): Promise<unknown> => measureMemory({ mode: 'summary', execution: 'eager' });

/** Starts sampling the process and returns the stage. */
export function createAdmissionStage(options: AdmissionStageOptions): AdmissionStage {
  const limit = options.maxResidentMemory;
  const retryAfterMs = options.retryAfterMs ?? 5000;
  const log = options.log ?? (() => {});
  const now = options.now ?? (() => performance.now());
  const collectGarbage = options.collectGarbage ?? eagerCollection;
  let state = ADMITTING;
  let collecting = false;
  let lastCollection = Number.NEGATIVE_INFINITY;
  const refused = new Map<string, number>(SIGNALS.flatMap((s) => REASONS.map((r) => [`${s}/${r}`, 0] as const)));
  const countRefusal = (signal: Signal, reason: RefusalReason): void => {
    const key = `${signal}/${reason}`;
    refused.set(key, (refused.get(key) ?? 0) + 1);
  };

  const decide = (rss: number): void => {
    const next = memoryAdmission(rss, limit, state, now());
    if (next.refusing !== state.refusing && limit !== undefined) {
      const of = `of limits.maxResidentMemory (${mib(limit)})`;
      if (next.refusing) log(`resident memory ${mib(rss)} reached ${REFUSE_FROM * 100}% ${of}: refusing new OTLP requests`);
      else if (rss < ADMIT_BELOW * limit) log(`resident memory ${mib(rss)} is under ${ADMIT_BELOW * 100}% ${of}: admitting OTLP requests again`);
      else log(`resident memory ${mib(rss)} stayed under ${REFUSE_FROM * 100}% ${of} for ${SETTLE_MS / 1000} s: admitting OTLP requests again`);
    }
    state = next;
    if (state.refusing && !collecting && now() - lastCollection >= COLLECT_EVERY_MS) {
      collecting = true;
      lastCollection = now();
      void collectGarbage()
        .catch(() => undefined)
        .finally(() => {
          collecting = false;
          // What the collection gave back may end the refusal at once.
          sampler.sample();
        });
    }
  };
  const sampler = startProcessSampler({ ...options.sampler, onRss: decide });

  /**
   * Throws the refusal when memory is near the limit. With a limit, memory is
   * read afresh (a few microseconds): requests that arrive between two timer
   * samples would otherwise be admitted on a reading up to 250 ms old, while
   * each of them adds its body and its decoding to the memory.
   */
  const admit = (signal: Signal): void => {
    if (limit === undefined) return;
    sampler.sample();
    if (!state.refusing) return;
    countRefusal(signal, 'memory');
    throw new OverloadedError(
      `the aggregator's resident memory is ${mib(sampler.residentBytes)}, past ${REFUSE_FROM * 100}% of its limit limits.maxResidentMemory = ${mib(limit)}; retry later`,
      { kind: 'unavailable', retryAfterMs },
    );
  };

  return {
    guard: (sink) => ({
      admit(signal, transport) {
        admit(signal);
        sink.admit?.(signal, transport);
      },
      consumeMetrics: (req, ctx) => sink.consumeMetrics(req, ctx),
      consumeLogs: (req, ctx) => sink.consumeLogs(req, ctx),
    }),
    countRefusal,
    sample() {
      sampler.sample();
      return state.refusing;
    },
    readiness: () => ({
      residentBytes: sampler.residentBytes,
      limitBytes: limit ?? null,
      refusing: state.refusing,
      refusedRequests: (refused.get('metrics/memory') ?? 0) + (refused.get('logs/memory') ?? 0),
    }),
    outputs() {
      const out: OutputSignal[] = [{ name: METRIC_ML_AGGREGATOR_MEMORY_RSS, value: sampler.residentBytes, attributes: {} }];
      if (limit !== undefined) out.push({ name: METRIC_ML_AGGREGATOR_MEMORY_LIMIT, value: limit, attributes: {} });
      const delay = sampler.eventLoopDelay;
      if (delay !== undefined) {
        out.push({ name: METRIC_ML_AGGREGATOR_EVENTLOOP_DELAY_P99, value: delay.p99Seconds, attributes: {} });
        out.push({ name: METRIC_ML_AGGREGATOR_EVENTLOOP_DELAY_MAX, value: delay.maxSeconds, attributes: {} });
      }
      for (const signal of SIGNALS) {
        for (const reason of REASONS) {
          out.push({ name: METRIC_ML_AGGREGATOR_REFUSED, value: refused.get(`${signal}/${reason}`) ?? 0, attributes: { [ATTR_ML_SIGNAL]: signal, [ATTR_ML_REFUSAL_REASON]: reason } });
        }
      }
      return out;
    },
    shutdown: () => sampler.shutdown(),
  };
}
