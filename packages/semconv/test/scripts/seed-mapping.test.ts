import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadModel } from '../../scripts/model.js';
import { loadSeedMapping } from '../../scripts/seed-mapping.js';
import { REGISTRY_PATH, SEED_MAPPING_PATH } from '../../scripts/paths.js';

/**
 * Every `ml_*` / `sentiment_*` name in the seed document
 * (`grep -oE '\b(ml|sentiment)_[a-z0-9_]+' production-monitoring-and-alerting.txt | sort -u`),
 * copied here so the test does not depend on where the seed lives.
 */
const SEED_NAMES = [
  'ml_accuracy_by_segment', 'ml_concept_drift_psi', 'ml_data_drift_alerts', 'ml_data_drift_score', 'ml_errors_total',
  'ml_latency_seconds', 'ml_low_confidence_predictions', 'ml_model_alerts', 'ml_prediction_confidence',
  'ml_predictions_by_class', 'ml_request_duration_seconds', 'ml_request_duration_seconds_bucket',
  'ml_requests_in_progress', 'ml_requests_total', 'ml_slo_compliance_percentage', 'ml_throughput_requests_per_second',
  'sentiment_accuracy_ground_truth', 'sentiment_classifier', 'sentiment_concept_drift_psi', 'sentiment_confidence',
  'sentiment_data_drift_ks', 'sentiment_errors_total', 'sentiment_latency_seconds', 'sentiment_predictions_by_class',
  'sentiment_requests_total', 'sentiment_score',
];

/** The names above that are the seed's prometheus_client metrics (not series, rule groups, models or features). */
const SEED_METRICS = SEED_NAMES.filter((n) => !['ml_request_duration_seconds_bucket', 'ml_model_alerts', 'sentiment_classifier', 'sentiment_score'].includes(n));

const model = loadModel(readFileSync(REGISTRY_PATH, 'utf8'));
const mappingText = readFileSync(SEED_MAPPING_PATH, 'utf8');
const mapping = loadSeedMapping(mappingText, model);

describe('seed-mapping', () => {
  describe('loadSeedMapping', () => {
    it('maps every seed metric to a registry metric', () => {
      assert.deepEqual(mapping.metrics.map((m) => m.seed).sort(), [...SEED_METRICS].sort());
    });

    it('accounts for every ml_/sentiment_ name of the seed', () => {
      const listed = [...mapping.metrics.map((m) => m.seed), ...mapping.otherNames.map((o) => o.seed)].sort();
      assert.deepEqual(listed, [...SEED_NAMES].sort());
    });

    it('rejects a mapping to a metric the registry lacks, naming both', () => {
      const bad = mappingText.replace('ours: ml.inference.active_requests', 'ours: ml.inference.inflight');
      assert.throws(() => loadSeedMapping(bad, model), /seed ml_requests_in_progress: "ml\.inference\.inflight" is not a metric of the registry/);
    });

    it('rejects a series that does not fit the instrument', () => {
      const bad = mappingText.replace(/(seed: ml_requests_in_progress[\s\S]*?series: )value/, '$1bucket');
      assert.throws(() => loadSeedMapping(bad, model), /series "bucket" does not fit the updowncounter/);
    });

    it('rejects a selector on an attribute the metric does not carry', () => {
      const bad = mappingText.replace(`selector: 'error.type!=""'`, `selector: 'ml.segment!=""'`);
      assert.throws(() => loadSeedMapping(bad, model), /selector attribute ml\.segment is not an attribute of ml\.inference\.duration/);
    });
  });

  describe('render', () => {
    const doc = mapping.render(model);
    it('has a row for every seed name with both Prometheus names', () => {
      for (const name of SEED_NAMES) assert.ok(doc.includes(`| \`${name}\` |`), `no row for ${name}`);
      const requests = doc.split('\n').find((l) => l.startsWith('| `ml_requests_total` |')) ?? '';
      assert.ok(requests.includes('`ml_inference_duration_count`'));
      assert.ok(requests.includes('`ml_inference_duration_seconds_count`'));
      const errors = doc.split('\n').find((l) => l.startsWith('| `ml_errors_total` |')) ?? '';
      assert.ok(errors.includes('`ml_inference_duration_seconds_count{error_type!=""}`'));
    });
  });
});
