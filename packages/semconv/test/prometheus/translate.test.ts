import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { prometheusLabelName, translateMetricName, type PrometheusMetricInput } from '../../src/prometheus/translate.js';
import { METRICS } from '../../src/generated/registry.js';
import type { Instrument } from '../../src/types.js';

/**
 * Runs the real OTel JS Prometheus serializer over the given metrics (one
 * measurement each, attribute `ml.model.name`) and returns the exposition text.
 */
async function serializeWithOtelJs(metrics: readonly PrometheusMetricInput[]): Promise<string> {
  const exporter = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true, withoutTargetInfo: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const meter = provider.getMeter('semconv-test');
  const attributes = { 'ml.model.name': 'm' };
  for (const m of metrics) {
    const options = { unit: m.unit, description: 'd' };
    switch (m.instrument) {
      case 'counter':
        meter.createCounter(m.name, options).add(1, attributes);
        break;
      case 'updowncounter':
        meter.createUpDownCounter(m.name, options).add(1, attributes);
        break;
      case 'histogram':
        meter.createHistogram(m.name, options).record(1, attributes);
        break;
      case 'gauge':
        meter.createGauge(m.name, options).record(1, attributes);
        break;
    }
  }
  const { resourceMetrics } = await exporter.collect();
  const text = new PrometheusSerializer().serialize(resourceMetrics);
  await provider.shutdown();
  return text;
}

function families(text: string): Set<string> {
  // target_info carries the resource, not one of our metrics.
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string).filter((n) => n !== 'target_info'));
}

const collector = (name: string, unit: string, instrument: Instrument): string => translateMetricName({ name, unit, instrument }, 'collector');
const otelJs = (name: string, unit: string, instrument: Instrument): string => translateMetricName({ name, unit, instrument }, 'otel-js');

describe('translate', () => {
  describe('translateMetricName (otel-js)', () => {
    it('matches the real OTel JS Prometheus serializer for every registry metric', async () => {
      const metrics = Object.values(METRICS);
      const text = await serializeWithOtelJs(metrics);
      const seen = families(text);
      for (const m of metrics) {
        const name = translateMetricName(m, 'otel-js');
        assert.ok(seen.has(name), `serializer has no family ${name} for ${m.name}; it has ${[...seen].join(', ')}`);
        if (m.instrument === 'histogram') assert.match(text, new RegExp(`^${name}_bucket\\{`, 'm'));
      }
      assert.equal(seen.size, metrics.length);
      // Labels: the serializer writes ml_model_name, as prometheusLabelName says.
      assert.match(text, new RegExp(`\\{${prometheusLabelName('ml.model.name', 'otel-js')}="m"`));
    });

    it('matches the real serializer for arbitrary valid OTel names', async () => {
      const otelName = fc.stringMatching(/^[a-z][a-z0-9_.-]{0,30}$/);
      const instrument = fc.constantFrom<Instrument>('counter', 'updowncounter', 'histogram', 'gauge');
      await fc.assert(
        fc.asyncProperty(otelName, instrument, fc.constantFrom('1', 's', '{request}'), async (name, kind, unit) => {
          const metric = { name, unit, instrument: kind };
          const seen = families(await serializeWithOtelJs([metric]));
          assert.deepEqual([...seen], [translateMetricName(metric, 'otel-js')]);
        }),
        { numRuns: 60 },
      );
    });

    it('adds _total to counters only, and no unit suffix', () => {
      assert.equal(otelJs('ml.predictions', '{prediction}', 'counter'), 'ml_predictions_total');
      assert.equal(otelJs('ml.inference.duration', 's', 'histogram'), 'ml_inference_duration');
      assert.equal(otelJs('ml.inference.active_requests', '{request}', 'updowncounter'), 'ml_inference_active_requests');
    });
  });

  describe('translateMetricName (collector)', () => {
    // Cases from the Collector's documented translation rules (prometheus/otlptranslator).
    it('appends the Prometheus word for a UCUM unit', () => {
      assert.equal(collector('http.server.request.duration', 's', 'histogram'), 'http_server_request_duration_seconds');
      assert.equal(collector('system.filesystem.usage', 'By', 'gauge'), 'system_filesystem_usage_bytes');
      assert.equal(collector('ml.x', 'ms', 'histogram'), 'ml_x_milliseconds');
    });

    it('drops annotation units', () => {
      assert.equal(collector('system.network.dropped', '{packets}', 'counter'), 'system_network_dropped_total');
      assert.equal(collector('ml.inference.active_requests', '{request}', 'updowncounter'), 'ml_inference_active_requests');
    });

    it('appends a non-annotation unit it does not know, as is', () => {
      assert.equal(collector('system.network.dropped', 'packets', 'gauge'), 'system_network_dropped_packets');
    });

    it('turns a per unit into per_<singular>', () => {
      assert.equal(collector('ml.inference.request_rate', '{request}/s', 'gauge'), 'ml_inference_request_rate_per_second');
      assert.equal(collector('net.io', 'By/s', 'gauge'), 'net_io_bytes_per_second');
    });

    it('adds _ratio to unit-1 gauges only', () => {
      assert.equal(collector('system.memory.utilization', '1', 'gauge'), 'system_memory_utilization_ratio');
      assert.equal(collector('requests.count', '1', 'counter'), 'requests_count_total');
      assert.equal(collector('ml.prediction.confidence', '1', 'histogram'), 'ml_prediction_confidence');
      assert.equal(collector('ml.x', '1', 'updowncounter'), 'ml_x');
    });

    it('does not repeat a unit, total or ratio the name already has', () => {
      assert.equal(collector('ml.latency.seconds', 's', 'histogram'), 'ml_latency_seconds');
      assert.equal(collector('ml.requests_total', '{request}', 'counter'), 'ml_requests_total');
      assert.equal(collector('ml.inference.error_ratio', '1', 'gauge'), 'ml_inference_error_ratio');
    });

    it('moves an inner total to the end', () => {
      assert.equal(collector('ml.total.requests', '{request}', 'counter'), 'ml_requests_total');
    });

    it('collapses runs of separators', () => {
      assert.equal(collector('ml..x__y', '{a}', 'gauge'), 'ml_x_y');
    });

    it('throws when nothing is left of the name', () => {
      assert.throws(() => collector('...', '{a}', 'gauge'), /translates to an empty Prometheus name/);
    });

    it('always yields a valid legacy Prometheus name', () => {
      fc.assert(
        fc.property(
          fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_.\-/]{0,40}$/),
          fc.constantFrom('1', 's', 'By/s', '{x}', '%', 'ms'),
          fc.constantFrom<Instrument>('counter', 'updowncounter', 'histogram', 'gauge'),
          (name, unit, kind) => {
            assert.match(collector(name, unit, kind), /^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('prometheusLabelName', () => {
    it('replaces dots on both paths', () => {
      assert.equal(prometheusLabelName('ml.model.name', 'otel-js'), 'ml_model_name');
      assert.equal(prometheusLabelName('ml.model.name', 'collector'), 'ml_model_name');
    });
    it('applies the Collector\'s key prefixes', () => {
      assert.equal(prometheusLabelName('1abc', 'collector'), 'key_1abc');
      assert.equal(prometheusLabelName('_abc', 'collector'), 'key_abc');
      assert.equal(prometheusLabelName('__abc', 'collector'), '__abc');
    });
  });
});
