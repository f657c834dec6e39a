import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prometheusName, prometheusSeriesNames } from '../../src/prometheus/name.js';
import type { MetricName } from '../../src/generated/registry.js';

describe('name', () => {
  describe('prometheusName', () => {
    it('looks registry metrics up by name', () => {
      assert.equal(prometheusName('ml.inference.duration', { scheme: 'otel-js' }), 'ml_inference_duration');
      assert.equal(prometheusName('ml.inference.duration', { scheme: 'collector' }), 'ml_inference_duration_seconds');
      assert.equal(prometheusName('ml.predictions', { scheme: 'collector' }), 'ml_predictions_total');
      assert.equal(prometheusName('ml.drift.psi', { scheme: 'collector' }), 'ml_drift_psi_ratio');
      assert.equal(prometheusName('ml.drift.psi', { scheme: 'otel-js' }), 'ml_drift_psi');
    });

    it('accepts the facts of a metric outside the registry', () => {
      assert.equal(prometheusName({ name: 'app.queue.wait', unit: 'ms', instrument: 'histogram' }, { scheme: 'collector' }), 'app_queue_wait_milliseconds');
    });

    it('names an unknown registry metric in its error', () => {
      assert.throws(() => prometheusName('ml.nope' as MetricName, { scheme: 'otel-js' }), /"ml\.nope" is not a metric of the registry/);
    });

    it('rejects an unknown scheme', () => {
      assert.throws(() => prometheusName('ml.accuracy', { scheme: 'statsd' as 'otel-js' }), /unknown Prometheus naming scheme "statsd"/);
    });
  });

  describe('prometheusSeriesNames', () => {
    it('lists _bucket, _sum and _count for histograms', () => {
      assert.deepEqual(prometheusSeriesNames('ml.inference.duration', { scheme: 'collector' }), [
        'ml_inference_duration_seconds_bucket', 'ml_inference_duration_seconds_sum', 'ml_inference_duration_seconds_count',
      ]);
    });
    it('lists the family name alone for counters and gauges', () => {
      assert.deepEqual(prometheusSeriesNames('ml.predictions', { scheme: 'otel-js' }), ['ml_predictions_total']);
      assert.deepEqual(prometheusSeriesNames('ml.accuracy', { scheme: 'collector' }), ['ml_accuracy_ratio']);
    });
  });
});
