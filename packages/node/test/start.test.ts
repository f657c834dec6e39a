import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader, DataPointType } from '@opentelemetry/sdk-metrics';
import { ModelMonitor } from '@modelwatch/instrumentation';
import { modelwatchViews, startModelwatch, type ModelwatchHandle } from '../src/index.js';
import { decodeLogsRequest, decodeMetricsRequest, startReceiver, type Receiver } from './helpers/otlp-receiver.js';

class PullReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  cleanups.push(() => r.close());
  return r;
}
function started(handle: ModelwatchHandle): ModelwatchHandle {
  cleanups.push(() => handle.shutdown());
  return handle;
}
function withEnv(vars: Record<string, string>): void {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  cleanups.push(() => {
    for (const [k, v] of Object.entries(before)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

const QUIET = { hostMetrics: false, runtimeMetrics: false, setGlobal: false } as const;

describe('startModelwatch', () => {
  describe('OTLP export', () => {
    it('sends ML metrics and events as OTLP/HTTP protobuf that decodes, with delta temporality and exponential feature histograms', async () => {
      const rx = await receiver();
      const handle = started(startModelwatch({ ...QUIET, otlpEndpoint: rx.url, serviceName: 'churn-api', model: { name: 'churn', version: 'v3' } }));
      const monitor = new ModelMonitor({
        model: { name: 'churn', version: 'v3' },
        task: 'classification',
        modelIdentity: 'resource',
        features: { age: 'numeric', country: 'categorical' },
        featureSampling: { rate: 1 },
        groundTruthSampleRate: 1,
        meterProvider: handle.meterProvider,
        loggerProvider: handle.loggerProvider,
      });
      monitor.record({ durationSeconds: 0.02, label: 'churn', confidence: 0.9, features: { age: -3, country: 'FR' }, predictionId: 'req-1', segment: 'web' });
      monitor.record({ durationSeconds: 0.04, label: 'stay', confidence: 0.6, features: { age: 41, country: null } });
      await handle.forceFlush();
      await rx.waitFor((reqs) => reqs.some((r) => r.path === '/v1/metrics') && reqs.some((r) => r.path === '/v1/logs'));

      const metricsReq = rx.requests.find((r) => r.path === '/v1/metrics')!;
      assert.equal(metricsReq.contentType, 'application/x-protobuf');
      const [scope] = decodeMetricsRequest(metricsReq.body);
      assert.ok(scope);
      assert.equal(scope.scope, '@modelwatch/instrumentation');
      assert.equal(scope.resource['service.name'], 'churn-api');
      assert.equal(scope.resource['ml.model.name'], 'churn');
      assert.equal(scope.resource['ml.model.version'], 'v3');
      const byName = new Map(scope.metrics.map((m) => [m.name, m]));
      const DELTA = 1;
      const CUMULATIVE = 2;
      assert.deepEqual(
        [...byName.keys()].sort(),
        ['ml.feature.missing', 'ml.feature.observations', 'ml.feature.value', 'ml.inference.active_requests', 'ml.inference.duration', 'ml.prediction.confidence', 'ml.predictions'],
      );
      assert.deepEqual([byName.get('ml.inference.duration')!.kind, byName.get('ml.inference.duration')!.temporality, byName.get('ml.inference.duration')!.unit], [9, DELTA, 's']);
      assert.deepEqual([byName.get('ml.predictions')!.kind, byName.get('ml.predictions')!.temporality], [7, DELTA]);
      assert.deepEqual([byName.get('ml.inference.active_requests')!.kind, byName.get('ml.inference.active_requests')!.temporality], [7, CUMULATIVE]);
      const features = byName.get('ml.feature.value')!;
      assert.equal(features.kind, 10, 'exponential histogram');
      assert.deepEqual(
        features.points.map((p) => p.attributes).sort((a, b) => Object.keys(a).length - Object.keys(b).length),
        [{ 'ml.feature.name': 'age' }, { 'ml.feature.name': 'age', 'ml.feature.sign': 'negative' }],
      );
      assert.deepEqual(byName.get('ml.predictions')!.points.map((p) => p.attributes['ml.prediction.label']).sort(), ['churn', 'stay']);

      const logsReq = rx.requests.find((r) => r.path === '/v1/logs')!;
      assert.equal(logsReq.contentType, 'application/x-protobuf');
      const events = decodeLogsRequest(logsReq.body);
      assert.equal(events.length, 2);
      const first = events.find((e) => e.attributes['ml.prediction.id'] === 'req-1')!;
      assert.equal(first.eventName, 'ml.prediction');
      assert.equal(first.resource['service.name'], 'churn-api');
      assert.deepEqual(first.attributes, {
        'ml.model.name': 'churn', 'ml.model.version': 'v3', 'ml.prediction.id': 'req-1',
        'ml.prediction.label': 'churn', 'ml.prediction.confidence': 0.9, 'ml.segment': 'web',
      });
    });

    it('honours the standard OTEL_* variables when options leave them out', async () => {
      const rx = await receiver();
      withEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
        OTEL_SERVICE_NAME: 'from-env',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging',
        OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'cumulative',
      });
      const handle = started(startModelwatch({ ...QUIET }));
      const monitor = new ModelMonitor({ model: { name: 'm' }, task: 'regression', meterProvider: handle.meterProvider, loggerProvider: handle.loggerProvider });
      monitor.record({ durationSeconds: 0.1, value: 3 });
      await handle.forceFlush();
      await rx.waitFor((reqs) => reqs.some((r) => r.path === '/v1/metrics'));
      const [scope] = decodeMetricsRequest(rx.requests.find((r) => r.path === '/v1/metrics')!.body);
      assert.equal(scope?.resource['service.name'], 'from-env');
      assert.equal(scope?.resource['deployment.environment.name'], 'staging');
      assert.equal(scope?.metrics.find((m) => m.name === 'ml.inference.duration')?.temporality, 2);
    });

    it('lets options in code win over the environment', async () => {
      const rx = await receiver();
      withEnv({ OTEL_SERVICE_NAME: 'from-env', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' });
      const handle = started(startModelwatch({ ...QUIET, serviceName: 'from-code', otlpEndpoint: rx.url }));
      new ModelMonitor({ model: { name: 'm' }, task: 'regression', meterProvider: handle.meterProvider }).record({ value: 1 });
      await handle.forceFlush();
      await rx.waitFor((reqs) => reqs.some((r) => r.path === '/v1/metrics'));
      assert.equal(decodeMetricsRequest(rx.requests[0]!.body)[0]?.resource['service.name'], 'from-code');
    });
  });

  describe('options', () => {
    it('throws one error naming each bad option', () => {
      assert.throws(
        () => startModelwatch({ otlpEndpoint: 'localhost:4318', temporality: 'weekly' as never, prometheus: { port: 70000 }, exportIntervalMillis: 0 }),
        (err: Error) => {
          for (const part of [
            'otlpEndpoint: received "localhost:4318", expected an http(s) URL or false',
            'temporality: received "weekly", expected "delta" or "cumulative"',
            'prometheus.port: received 70000, expected an integer 0..65535',
            'exportIntervalMillis: received 0, expected a number > 0',
          ]) assert.ok(err.message.includes(part), `missing "${part}" in ${err.message}`);
          return true;
        },
      );
    });

    it('turns on host and Node runtime metrics by default', async () => {
      const reader = new PullReader();
      started(startModelwatch({ otlpEndpoint: false, setGlobal: false, metricReaders: [reader] }));
      await new Promise((r) => setTimeout(r, 50)); // the runtime instrumentation samples the event loop
      const { resourceMetrics } = await reader.collect();
      const names = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
      assert.ok(names.some((n) => n.startsWith('process.cpu') || n.startsWith('system.cpu')), names.join(','));
      assert.ok(names.some((n) => n.startsWith('nodejs.') || n.startsWith('v8js.')), names.join(','));
    });

    it('registers the global providers when asked and unregisters them on shutdown', async () => {
      const handle = startModelwatch({ otlpEndpoint: false, hostMetrics: false, runtimeMetrics: false });
      assert.equal(metrics.getMeterProvider(), handle.meterProvider);
      await handle.shutdown();
      assert.notEqual(metrics.getMeterProvider(), handle.meterProvider);
    });

    it('serves Prometheus /metrics on loopback when enabled', async () => {
      const port = await freePort();
      const handle = started(startModelwatch({ ...QUIET, otlpEndpoint: false, prometheus: { port } }));
      new ModelMonitor({ model: { name: 'm' }, task: 'classification', meterProvider: handle.meterProvider }).record({ label: 'a' });
      const text = await (await fetchWithRetry(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(text, /^ml_predictions_total\{.*ml_prediction_label="a".*\} 1/m);
    });

    it('labels every Prometheus series with the model identity of the resource, so rules can select by model', async () => {
      const port = await freePort();
      const handle = started(startModelwatch({ ...QUIET, otlpEndpoint: false, prometheus: { port }, model: { name: 'churn', version: 'v3' } }));
      handle.monitor({ task: 'classification' }).record({ label: 'a', durationSeconds: 0.01 });
      const text = await (await fetchWithRetry(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(text, /^ml_predictions_total\{[^}]*ml_model_name="churn"[^}]*ml_model_version="v3"[^}]*\} 1/m);
      assert.match(text, /^ml_inference_duration_count\{[^}]*ml_model_name="churn"[^}]*\} 1/m);
    });
  });
});

describe('ModelwatchHandle', () => {
  describe('monitor', () => {
    it("puts the start model's identity on the resource only, and another model's on its points", async () => {
      const reader = new PullReader();
      const handle = started(startModelwatch({ ...QUIET, otlpEndpoint: false, metricReaders: [reader], model: { name: 'churn', version: 'v3' } }));
      handle.monitor({ task: 'classification' }).record({ label: 'a' });
      handle.monitor({ task: 'classification', model: { name: 'fraud' } }).record({ label: 'b' });
      const { resourceMetrics } = await reader.collect();
      assert.equal(resourceMetrics.resource.attributes['ml.model.name'], 'churn');
      const predictions = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'ml.predictions');
      assert.deepEqual(
        predictions?.dataPoints.map((p) => p.attributes).sort((x, y) => String(x['ml.prediction.label']).localeCompare(String(y['ml.prediction.label']))),
        [{ 'ml.prediction.label': 'a' }, { 'ml.model.name': 'fraud', 'ml.prediction.label': 'b' }],
      );
    });
    it('requires a model when startModelwatch had none', () => {
      const handle = started(startModelwatch({ ...QUIET, otlpEndpoint: false }));
      assert.throws(() => handle.monitor({ task: 'regression' }), /model: received undefined/);
    });
  });
});

describe('modelwatchViews', () => {
  it('gives ml.feature.value an exponential histogram on a MeterProvider the user owns', async () => {
    const reader = new PullReader();
    const provider = new MeterProvider({ readers: [reader], views: modelwatchViews() });
    const monitor = new ModelMonitor({ model: { name: 'm' }, task: 'classification', meterProvider: provider, features: { x: 'numeric' }, featureSampling: { rate: 1 } });
    for (const x of [1, 2, 4, 8]) monitor.record({ features: { x } });
    const { resourceMetrics } = await reader.collect();
    const feature = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'ml.feature.value');
    assert.equal(feature?.dataPointType, DataPointType.EXPONENTIAL_HISTOGRAM);
    await provider.shutdown();
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function fetchWithRetry(url: string): Promise<Response> {
  for (let i = 0; ; i++) {
    try {
      return await fetch(url);
    } catch (err) {
      if (i >= 50) throw err; // the exporter starts its server asynchronously
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
