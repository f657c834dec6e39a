/**
 * The scale-out proof of issue 15, on a real OpenTelemetry Collector: three
 * `modelwatch serve` aggregators behind the gateway (collector-config/gateway.yaml,
 * load_balancing by ml.model.name over OTLP/gRPC), traffic with ground truth for
 * 30 models from the OpenTelemetry SDK, and a fourth aggregator fed the very
 * same exports by a second exporter of the same SDK:
 * - every model's state lives on exactly one of the three;
 * - their union's drift (every feature's counts, KS, PSI and severity, the
 *   predictions' drift) and accuracy (correct/count, confusion matrix, segments,
 *   the join's coverage) equal the single aggregator's;
 * - ground truth follows its predictions: every label joins its prediction on
 *   the aggregator that holds the model;
 * - one of the three is killed with SIGKILL while the traffic runs, and started
 *   again on the same data directory and ports: the gateway's persistent queue and
 *   its per-aggregator retry cover the gap, and the union's accepted points and
 *   records equal the single aggregator's exactly (nothing acknowledged is lost).
 * The kill falls in the pause between two of the SDK's exports, when no request to that
 * aggregator is in doubt: one killed between its durable write and its answer is sent again
 * by the gateway and counted twice (delivery is at least once; crash.test.ts measures that).
 */
import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { BatchLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, PeriodicExportingMetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { startModelwatch } from '@modelwatch/node';
import { METRIC_ML_INFERENCE_ACTIVE_REQUESTS } from '@modelwatch/semconv';
import { MODELWATCH_BIN, getJson, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { COLLECTOR_CONFIG_DIR, startCollector, tierListeners, type RunningCollector } from '../helpers/collector.js';
import { seeded } from '../helpers/random.js';

const MODELS = Array.from({ length: 30 }, (_, i) => `scale-m${String(i).padStart(2, '0')}`);
const FEATURES = { x: 'numeric', lang: 'categorical' } as const;
const LANGS = ['en', 'es', 'de'] as const;
const LABELS = ['a', 'b'] as const;
/** Traffic: ROUNDS rounds, one every ROUND_MS, of PER_ROUND predictions per model (each round one SDK export). */
const ROUNDS = 24;
const ROUND_MS = 1000;
const PER_ROUND = 20;
/** Ground truth comes one round later, for every other prediction. */
const LABELED_PER_ROUND = PER_ROUND / 2;
/** The kill falls in the pause after this round's export; the aggregator stays down DOWN_MS before it is started again. */
const KILL_AFTER_ROUND = 6;
const DOWN_MS = 8000;
/** x's shift (in units of its baseline mean's 20% sd) by model: no drift up to critical drift. */
const SHIFTS = [0, 4, 8, 14, 22] as const;

interface Row { x: number; lang: string; label: string; confidence: number; truth: string; segment: string }

/** One round of one model: seeded, so each run and each path sends the same predictions. */
function roundRows(model: number, round: number): Row[] {
  const r = seeded(1000 + model * 100 + round);
  const shift = SHIFTS[model % SHIFTS.length] ?? 0;
  const hitRate = 0.6 + (0.35 * model) / (MODELS.length - 1);
  return Array.from({ length: PER_ROUND }, () => {
    const label = LABELS[r.uniform() < 0.5 ? 0 : 1] ?? 'a';
    const langSkew = model % 3 === 0 ? 0.3 : 0;
    const u = r.uniform();
    const lang = (u < 1 / 3 + langSkew ? LANGS[0] : u < 2 / 3 + langSkew / 2 ? LANGS[1] : LANGS[2]) ?? 'en';
    const right = r.uniform() < hitRate;
    return {
      x: r.normal(100 + shift, 20),
      lang,
      label,
      confidence: 0.5 + 0.49 * r.uniform(),
      truth: right ? label : label === 'a' ? 'b' : 'a',
      segment: r.uniform() < 0.5 ? 'eu' : 'us',
    };
  });
}

const predictionId = (model: string, round: number, i: number): string => `${model}-r${round}-${i}`;

/** host:port of an aggregator URL (the gateway's static resolver takes host:port). */
function hostPort(url: string | null): string {
  assert.ok(url, 'the aggregator has a gRPC receiver');
  return new URL(url).host;
}

/**
 * The aggregators' shared config: every model with the same file baseline (built once by
 * `modelwatch baseline` from a reference sample, then copied under each model's name); the
 * configured window only, so that the verdicts do not depend on when each aggregator's last
 * tick fell within the minute; and a false-alert budget of a day instead of a year, so that
 * windows of a few hundred predictions judge (see docs/drift-windows.md).
 */
function aggregatorConfig(): string {
  const dir = tempDir();
  const r = seeded(7);
  const rows = Array.from({ length: 5000 }, () => {
    const u = r.uniform();
    return `${r.normal(100, 20)},${LANGS[Math.floor(u * 3)] ?? 'en'},${u < 0.5 ? 'a' : 'b'},${0.5 + 0.49 * r.uniform()}`;
  });
  const csv = join(dir, 'reference.csv');
  writeFileSync(csv, `x,lang,label,confidence\n${rows.join('\n')}\n`);
  const features = '{ x: numeric, lang: categorical }';
  writeFileSync(join(dir, 'reference.yaml'), `models:\n  - { name: reference, task: classification, features: ${features} }\n`);
  const out = join(dir, 'reference.json');
  const b = spawnSync(process.execPath, [MODELWATCH_BIN, 'baseline', '--model', 'reference', '--input', csv, '--out', out, '--config', join(dir, 'reference.yaml')], { encoding: 'utf8' });
  assert.equal(b.status, 0, `modelwatch baseline failed: ${b.stderr}`);
  const reference = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
  for (const m of MODELS) writeFileSync(join(dir, `${m}.json`), JSON.stringify({ ...reference, model: m }));
  return `
evaluation: { interval: 1s }
defaults: { driftWindows: [], falseAlertInterval: 1d }
models:
${MODELS.map((m) => `  - { name: ${m}, task: classification, baseline: ${join(dir, `${m}.json`)}, features: ${features} }`).join('\n')}
`;
}

/** What one path's SDK exporters had acknowledged (export result SUCCESS), per model. */
interface Acks {
  /** Points of the metrics an aggregator keeps per model (not the active-requests gauge, which it passes on uncounted). */
  dataPoints: Map<string, number>;
  logRecords: Map<string, number>;
  failedExports: number;
}

const newAcks = (): Acks => ({ dataPoints: new Map(), logRecords: new Map(), failedExports: 0 });
const add = (m: Map<string, number>, key: string, n: number): void => void m.set(key, (m.get(key) ?? 0) + n);

/**
 * An OTLP/HTTP protobuf path of the SDK (delta metrics, batched logs) to `base`, as
 * `startModelwatch({ otlpEndpoint })` wires it, counting what the receiver acknowledged.
 */
function otlpPath(base: string, acks: Acks): { reader: PeriodicExportingMetricReader; processor: BatchLogRecordProcessor } {
  class CountingMetricExporter extends OTLPMetricExporter {
    override export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
      super.export(metrics, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) acks.failedExports++;
        else {
          for (const sm of metrics.scopeMetrics) {
            for (const metric of sm.metrics) {
              if (metric.descriptor.name === METRIC_ML_INFERENCE_ACTIVE_REQUESTS) continue;
              for (const p of metric.dataPoints) add(acks.dataPoints, String(p.attributes['ml.model.name']), 1);
            }
          }
        }
        done(result);
      });
    }
  }
  class CountingLogExporter extends OTLPLogExporter {
    override export(logs: ReadableLogRecord[], done: (result: ExportResult) => void): void {
      super.export(logs, (result) => {
        if (result.code !== ExportResultCode.SUCCESS) acks.failedExports++;
        else for (const l of logs) add(acks.logRecords, String(l.attributes['ml.model.name']), 1);
        done(result);
      });
    }
  }
  const exporter = new CountingMetricExporter({ url: `${base}/v1/metrics`, temporalityPreference: AggregationTemporality.DELTA });
  // Exports happen at forceFlush only (one per round): the interval is longer than the test.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 600_000, exportTimeoutMillis: 30_000 });
  // The queue holds a round's records (30 models x 30 records) with room to spare.
  const processor = new BatchLogRecordProcessor({ exporter: new CountingLogExporter({ url: `${base}/v1/logs` }), maxQueueSize: 8192, maxExportBatchSize: 1024 });
  return { reader, processor };
}

/** What is compared between the union of the shards and the single aggregator, for one model. */
interface ModelView {
  accepted: { dataPoints: number; logRecords: number };
  drift: unknown;
  quality: unknown;
}

interface DriftBody { severity: string; features: Array<{ name: string }>; prediction: unknown }
interface QualityBody {
  accuracy?: Record<string, unknown>;
  confusionMatrix?: unknown;
  classes?: unknown;
  estimatedAccuracy?: unknown;
  calibration?: unknown;
  coverage: { predictions: number; labels: number; labeled: number; unmatched: number; waitingLabels: number; duplicatePredictions: number };
}

/**
 * A model's view on one aggregator. Left out: times (evaluatedAt, the window's bounds) and
 * ADWIN's change detection, whose state depends on the order in which labels arrived (the
 * gateway's queue consumers deliver concurrently); every count and statistic is kept.
 */
async function modelView(base: string, model: string): Promise<ModelView> {
  const [status, drift, quality] = await Promise.all([
    getJson<{ accepted: ModelView['accepted'] }>(`${base}/api/v1/models/${model}`),
    getJson<DriftBody>(`${base}/api/v1/models/${model}/drift`),
    getJson<QualityBody>(`${base}/api/v1/models/${model}/quality`),
  ]);
  return {
    accepted: status.accepted,
    drift: { severity: drift.severity, features: [...drift.features].sort((a, b) => a.name.localeCompare(b.name)), prediction: drift.prediction },
    quality: {
      accuracy: quality.accuracy,
      confusionMatrix: quality.confusionMatrix,
      classes: quality.classes,
      estimatedAccuracy: quality.estimatedAccuracy,
      calibration: quality.calibration,
      coverage: quality.coverage,
    },
  };
}

/** The models an aggregator holds state of: those it has data of (every aggregator lists every configured model). */
async function holding(base: string): Promise<string[]> {
  const { models } = await getJson<{ models: Array<{ name: string; lastSeen: string | null }> }>(`${base}/api/v1/models`);
  return models.filter((m) => m.lastSeen !== null).map((m) => m.name).sort();
}

/** The gateway's load_balancing queue size (its own Prometheus metrics), summed over signals. */
async function gatewayQueueSize(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('otelcol_exporter_queue_size{') && line.includes('exporter="load_balancing/modelwatch"')) sum += Number(line.split(' ').pop());
  }
  return sum;
}

/** Lines of the gateway's log that report data given up (a full queue, a share past its time limit, a refusal). */
function losses(log: string): string[] {
  return log.split('\n').filter((l) => /Dropping data|Rejecting data/.test(l) && !/interrupted due to shutdown/.test(l));
}

const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/**
 * Deep equality, with fractions equal to 1e-9 relative (or 1e-12 absolute, near 0): sums over labels (calibration, the
 * uncalibrated estimate) run in the order the labels arrived, which the gateway's concurrent
 * queue consumers change, so they may differ in their last bits. Counts, strings and integers are exact.
 */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isInteger(a) && Number.isInteger(b)) return a === b;
    return a === b || Math.abs(a - b) <= Math.max(1e-9 * Math.max(Math.abs(a), Math.abs(b)), 1e-12);
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const ka = Object.keys(a).sort();
    const kb = Object.keys(b).sort();
    return same(ka, kb) && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

describe('scale-out: 30 models over 3 aggregators behind the gateway, with ground truth and a kill -9', () => {
  const shards: RunningAggregator[] = [];
  const shardDirs = [tempDir(), tempDir(), tempDir()];
  let direct: RunningAggregator;
  let gateway: RunningCollector;
  let gatewayHttp = '';
  let gatewayMetrics = '';
  let config = '';

  before(async () => {
    config = aggregatorConfig();
    const started = await Promise.all([...shardDirs.map((dataDir) => startAggregator(config, { dataDir })), startAggregator(config)]);
    direct = started.pop() as RunningAggregator;
    shards.push(...started);
    const own = await tierListeners('gateway');
    gatewayHttp = own.http;
    gatewayMetrics = own.metrics;
    gateway = await startCollector({
      // The Collector samples its log (10 identical messages per 10 s): off, to count every retry.
      configs: [join(COLLECTOR_CONFIG_DIR, 'gateway.yaml'), 'yaml:service::telemetry::logs::sampling::enabled: false'],
      env: {
        MODELWATCH_AGGREGATORS: `[${shards.map((s) => hostPort(s.addresses.otlpGrpc)).join(', ')}]`,
        MODELWATCH_OTLP_INSECURE: 'true',
        ...own.env,
      },
      health: own.health,
    });
  });

  after(async () => {
    await gateway?.stop();
    await Promise.all([direct?.stop(), ...shards.map((s) => s.stop())]);
  });

  it('keeps each model whole on one aggregator, their union equal to one aggregator, and loses nothing across a kill -9', async (t: TestContext) => {
    const viaGateway = newAcks();
    const viaDirect = newAcks();
    const gatewayPath = otlpPath(gatewayHttp, viaGateway);
    const directPath = otlpPath(direct.addresses.otlpHttp, viaDirect);
    // One SDK, two exporters: the gateway and the single aggregator get the same exports.
    const sdk = startModelwatch({
      serviceName: 'e2e-collector-scale',
      otlpEndpoint: false,
      hostMetrics: false,
      runtimeMetrics: false,
      setGlobal: false,
      metricReaders: [gatewayPath.reader, directPath.reader],
      logRecordProcessors: [gatewayPath.processor, directPath.processor],
    });
    const monitors = MODELS.map((name) =>
      sdk.monitor({ model: { name }, task: 'classification', features: FEATURES, featureSampling: { rate: 1 }, groundTruthSampleRate: 1 }),
    );

    // The outage: in the pause after a round's export, SIGKILL the aggregator holding the most
    // models, keep it down while rounds go on, then start it on the same data directory and ports.
    const outage = { victim: -1, endpoint: '', models: [] as string[], killedAt: 0, upAt: 0, queuePeak: 0, othersBehind: 0, othersAcked: 0 };
    const runOutage = async (): Promise<void> => {
      await sleep(ROUND_MS / 2);
      const held = await Promise.all(shards.map((s) => holding(s.addresses.http)));
      outage.victim = held.reduce((best, h, i) => (h.length > (held[best]?.length ?? 0) ? i : best), 0);
      outage.models = held[outage.victim] ?? [];
      const victim = shards[outage.victim] as RunningAggregator;
      outage.endpoint = hostPort(victim.addresses.otlpGrpc);
      const ports = ['--otlp-grpc', outage.endpoint, '--otlp', new URL(victim.addresses.otlpHttp).host, '--http', new URL(victim.addresses.http).host];
      outage.killedAt = Date.now();
      assert.equal(await victim.stop('SIGKILL'), null, 'killed by the signal');
      // The gateway's queue meanwhile (bounded: DOWN_MS / 250 samples).
      while (Date.now() - outage.killedAt < DOWN_MS) {
        outage.queuePeak = Math.max(outage.queuePeak, await gatewayQueueSize(gatewayMetrics).catch(() => 0));
        await sleep(250);
      }
      // How far the other two are behind what the gateway acknowledged for their models, at the end of the outage.
      const others = await Promise.all(shards.filter((_, i) => i !== outage.victim).map(async (s, i) => {
        const models = held.filter((_, j) => j !== outage.victim)[i] ?? [];
        return Promise.all(models.map(async (m) => [viaGateway.dataPoints.get(m) ?? 0, (await modelView(s.addresses.http, m)).accepted.dataPoints] as const));
      }));
      for (const [acked, accepted] of others.flat()) {
        outage.othersAcked += acked;
        outage.othersBehind += acked - accepted;
      }
      shards[outage.victim] = await startAggregator(config, { dataDir: shardDirs[outage.victim], args: ports });
      outage.upAt = Date.now();
    };

    const started = Date.now();
    let outageDone: Promise<void> | undefined;
    try {
      for (let round = 0; round <= ROUNDS; round++) {
        const tick = started + round * ROUND_MS;
        if (Date.now() < tick) await sleep(tick - Date.now());
        MODELS.forEach((model, m) => {
          const monitor = monitors[m];
          assert.ok(monitor);
          // Ground truth for the previous round's predictions, after they were exported.
          if (round > 0) roundRows(m, round - 1).forEach((row, i) => void (i % 2 === 0 && monitor.feedback(predictionId(model, round - 1, i), row.truth)));
          // The last round carries the last ground truth only.
          if (round === ROUNDS) return;
          roundRows(m, round).forEach((row, i) => {
            monitor.record({
              predictionId: predictionId(model, round, i),
              durationSeconds: 0.01,
              label: row.label,
              confidence: row.confidence,
              segment: row.segment,
              features: { x: row.x, lang: row.lang },
            });
          });
        });
        await sdk.forceFlush();
        if (round === KILL_AFTER_ROUND) {
          outageDone = runOutage();
          // Awaited after the traffic; handled here so that an early failure is not reported as unhandled.
          outageDone.catch(() => {});
        }
      }
      await outageDone;
    } finally {
      await sdk.shutdown();
    }
    const trafficEnded = Date.now();
    assert.deepEqual([viaGateway.failedExports, viaDirect.failedExports], [0, 0], 'every export of the SDK was acknowledged');
    assert.ok(outage.upAt > 0, 'the killed aggregator was started again');

    // The single aggregator has everything the SDK exported to it.
    const predictions = ROUNDS * PER_ROUND;
    const labels = ROUNDS * LABELED_PER_ROUND;
    for (const m of MODELS) {
      assert.equal(viaDirect.logRecords.get(m), predictions + labels, `${m}: records exported`);
      assert.equal(viaGateway.dataPoints.get(m), viaDirect.dataPoints.get(m), `${m}: both paths exported the same points`);
    }
    let behind = '';
    const want = await waitFor('the single aggregator to hold every exported point and record', async () => {
      const views = await Promise.all(MODELS.map((m) => modelView(direct.addresses.http, m)));
      const incomplete = views.flatMap((v, i) => {
        const m = MODELS[i] ?? '';
        const q = v.quality as { coverage: QualityBody['coverage'] };
        const have = { dataPoints: v.accepted.dataPoints, logRecords: v.accepted.logRecords, labeled: q.coverage.labeled };
        const need = { dataPoints: viaDirect.dataPoints.get(m), logRecords: predictions + labels, labeled: labels };
        return JSON.stringify(have) === JSON.stringify(need) ? [] : [`${m}: has ${JSON.stringify(have)}, exported ${JSON.stringify(need)}`];
      });
      behind = incomplete.slice(0, 3).join('; ');
      return incomplete.length === 0 ? new Map(MODELS.map((m, i) => [m, views[i] as ModelView])) : undefined;
    }, 30_000, 250).catch((e: Error) => {
      throw new Error(`${e.message}: ${behind}`, { cause: e });
    });

    // The union of the three: each model on exactly one, and that one's view equals the single aggregator's.
    let last: Array<Map<string, ModelView>> = [];
    let placement: Map<string, number[]> = new Map();
    try {
      await waitFor('the union of the three aggregators to equal the single one', async () => {
        placement = new Map(MODELS.map((m) => [m, []]));
        const held = await Promise.all(shards.map((s) => holding(s.addresses.http)));
        held.forEach((names, i) => names.forEach((n) => placement.get(n)?.push(i)));
        last = await Promise.all(
          shards.map(async (s, i) => new Map(await Promise.all((held[i] ?? []).map(async (m) => [m, await modelView(s.addresses.http, m)] as const)))),
        );
        for (const m of MODELS) {
          const where = placement.get(m) ?? [];
          if (where.length !== 1) return undefined;
          if (!same(last[where[0] ?? 0]?.get(m), want.get(m))) return undefined;
        }
        return true;
      }, 90_000, 500);
    } catch (e) {
      const diff = MODELS.flatMap((m) => {
        const where = placement.get(m) ?? [];
        const got = where.map((i) => last[i]?.get(m));
        return same(got, [want.get(m)]) ? [] : [`${m} on ${JSON.stringify(where)}\n  single ${JSON.stringify(want.get(m))}\n  union  ${JSON.stringify(got)}`];
      });
      throw new Error(`${(e as Error).message}\n${diff.slice(0, 3).join('\n')}\nthe gateway's losses:\n${losses(gateway.stderr()).slice(0, 5).join('\n')}`, { cause: e });
    }
    const caughtUp = Date.now();

    // Exactly one aggregator each, spread over all three.
    const perShard = [0, 1, 2].map((i) => MODELS.filter((m) => placement.get(m)?.[0] === i).length);
    assert.ok(perShard.every((n) => n > 0), `models per aggregator ${JSON.stringify(perShard)}`);
    // Ground truth met its predictions: every label joined, none waiting or unmatched, no prediction twice.
    for (const m of MODELS) {
      const c = (want.get(m)?.quality as { coverage: QualityBody['coverage'] }).coverage;
      assert.deepEqual(
        { predictions: c.predictions, labels: c.labels, labeled: c.labeled, unmatched: c.unmatched, waitingLabels: c.waitingLabels, duplicatePredictions: c.duplicatePredictions },
        { predictions, labels, labeled: labels, unmatched: 0, waitingLabels: 0, duplicatePredictions: 0 },
        m,
      );
    }
    // Drift is there to compare: the shifted models drift, the others do not.
    const severities = new Set(MODELS.map((m) => (want.get(m)?.drift as { features: Array<{ name: string; severity: string }> }).features.find((f) => f.name === 'x')?.severity));
    assert.ok(severities.has('none') && severities.has('critical'), `x's severities ${JSON.stringify([...severities])}`);

    // Nothing acknowledged was lost, nothing counted twice: the union's totals are the single aggregator's.
    const union = { dataPoints: 0, logRecords: 0 };
    for (const m of MODELS) {
      const v = last[placement.get(m)?.[0] ?? 0]?.get(m);
      union.dataPoints += v?.accepted.dataPoints ?? 0;
      union.logRecords += v?.accepted.logRecords ?? 0;
    }
    const single = { dataPoints: sum(viaDirect.dataPoints), logRecords: sum(viaDirect.logRecords) };
    assert.deepEqual(union, single);
    assert.deepEqual(union, { dataPoints: sum(viaGateway.dataPoints), logRecords: sum(viaGateway.logRecords) });
    assert.deepEqual(losses(gateway.stderr()), [], 'the gateway logged a loss');

    // The gateway kept routing the victim's models to it and retried them until it was back.
    const retries = gateway.stderr().split('\n').filter((l) => l.includes('Will retry the request') && l.includes(outage.endpoint)).length;
    assert.ok(retries > 0, `no retry towards ${outage.endpoint} in the gateway's log`);
    const victimModels = MODELS.filter((m) => placement.get(m)?.[0] === outage.victim);
    assert.deepEqual(victimModels, outage.models, 'the killed aggregator holds the same models after its restart');
    const victimPoints = victimModels.reduce((n, m) => n + (viaGateway.dataPoints.get(m) ?? 0), 0);
    t.diagnostic(
      `models per aggregator ${JSON.stringify(perShard)}; points per model ${Math.min(...viaDirect.dataPoints.values())}-${Math.max(...viaDirect.dataPoints.values())}, ` +
        `records per model ${predictions + labels} (${predictions} predictions, ${labels} labels); union ${JSON.stringify(union)} = single ${JSON.stringify(single)}: ` +
        `lost ${single.dataPoints - union.dataPoints} points, ${single.logRecords - union.logRecords} records`,
    );
    t.diagnostic(
      `aggregator #${outage.victim} (${outage.endpoint}, ${victimModels.length} models, ${victimPoints} points) killed ${outage.killedAt - started} ms into the traffic, ` +
        `down ${outage.upAt - outage.killedAt} ms; gateway queue peak ${outage.queuePeak} requests; ${retries} retries towards it logged; ` +
        `the other two ${outage.othersBehind} of ${outage.othersAcked} acknowledged points behind at its restart; ` +
        `traffic ${trafficEnded - started} ms, caught up ${caughtUp - trafficEnded} ms after it`,
    );
  });
});
