import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadModel, nameProblems, UNIT_PATTERN } from '../../scripts/model.js';
import { REGISTRY_PATH } from '../../scripts/paths.js';

const registryText = readFileSync(REGISTRY_PATH, 'utf8');

/** A minimal valid registry with one attribute and one metric, plus overrides. */
function registry(metric: string, attributes = '      - id: ml.model.name\n        type: string\n        brief: b\n        examples: [m]\n'): string {
  return `groups:
  - id: registry.ml.model
    type: attribute_group
    brief: b
    attributes:
${attributes}${metric}`;
}

const goodMetric = `  - id: metric.ml.inference.duration
    type: metric
    metric_name: ml.inference.duration
    instrument: histogram
    unit: s
    brief: b
    attributes:
      - ref: ml.model.name
        requirement_level: required
`;

describe('model', () => {
  describe('loadModel', () => {
    it('accepts the committed registry', () => {
      const model = loadModel(registryText);
      assert.ok(model.metrics.length >= 30);
      assert.ok(model.attributes.length >= 20);
      assert.equal(model.events.length, 2);
    });

    it('accepts a minimal registry', () => {
      const model = loadModel(registry(goodMetric));
      assert.deepEqual(model.metrics[0]?.attributes, [{ name: 'ml.model.name', requirementLevel: 'required' }]);
    });

    it('resolves every attribute ref of every metric and event in the committed registry', () => {
      const model = loadModel(registryText);
      const known = new Set(model.attributes.map((a) => a.name));
      for (const owner of [...model.metrics, ...model.events]) {
        for (const use of owner.attributes) assert.ok(known.has(use.name), `${owner.name} uses unknown ${use.name}`);
      }
    });

    it('rejects a ref to an undefined attribute, naming it', () => {
      const bad = goodMetric.replace('ref: ml.model.name', 'ref: ml.model.nmae');
      assert.throws(() => loadModel(registry(bad)), /metric ml\.inference\.duration: ref "ml\.model\.nmae" is not a defined attribute/);
    });

    it('rejects _total and unit words in metric names', () => {
      const total = goodMetric.replaceAll('ml.inference.duration', 'ml.requests_total');
      assert.throws(() => loadModel(registry(total)), /"ml\.requests_total" contains the word "total"/);
      const seconds = goodMetric.replaceAll('ml.inference.duration', 'ml.request.duration_seconds');
      assert.throws(() => loadModel(registry(seconds)), /contains the word "seconds"/);
    });

    it('rejects names that are not lowercase dotted', () => {
      const upper = goodMetric.replaceAll('ml.inference.duration', 'ml.Inference.duration');
      assert.throws(() => loadModel(registry(upper)), /not a lowercase dotted name/);
      const flat = goodMetric.replaceAll('ml.inference.duration', 'ml_inference_duration');
      assert.throws(() => loadModel(registry(flat)), /not a lowercase dotted name/);
    });

    it('rejects a metric outside the ml namespace', () => {
      const http = goodMetric.replaceAll('ml.inference.duration', 'http.server.duration');
      assert.throws(() => loadModel(registry(http)), /must be in the ml\.\* namespace/);
    });

    it('rejects a unit that does not look like UCUM', () => {
      assert.throws(() => loadModel(registry(goodMetric.replace('unit: s', 'unit: seconds per call'))), /unit "seconds per call" does not look like UCUM/);
    });

    it('rejects an unknown instrument and a missing requirement level, listing both', () => {
      const bad = goodMetric.replace('instrument: histogram', 'instrument: summary').replace('        requirement_level: required\n', '');
      assert.throws(() => loadModel(registry(bad)), (err: Error) => {
        assert.match(err.message, /2 problem\(s\)/);
        assert.match(err.message, /"instrument" must be one of/);
        assert.match(err.message, /needs requirement_level/);
        return true;
      });
    });

    it('rejects a conditionally_required level without its condition', () => {
      const bad = goodMetric.replace('requirement_level: required', 'requirement_level: conditionally_required');
      assert.throws(() => loadModel(registry(bad)), /needs requirement_level/);
    });

    it('rejects bucket advice that is not strictly increasing', () => {
      const bad = `${goodMetric}    advice:\n      constant: LATENCY_BUCKETS\n      explicit_bucket_boundaries: [0.1, 0.1, 1]\n`;
      assert.throws(() => loadModel(registry(bad)), /strictly increasing/);
    });

    it('rejects an attribute defined twice', () => {
      const twice = '      - id: ml.model.name\n        type: string\n        brief: b\n        examples: [m]\n'.repeat(2);
      assert.throws(() => loadModel(registry(goodMetric, twice)), /attribute ml\.model\.name is defined twice/);
    });

    it('rejects an enum with duplicate values', () => {
      const attrs = `      - id: ml.model.name
        type: string
        brief: b
        examples: [m]
      - id: ml.feature.sign
        brief: b
        examples: [negative]
        type:
          members:
            - { id: negative, value: negative, brief: b }
            - { id: minus, value: negative, brief: b }
`;
      assert.throws(() => loadModel(registry(goodMetric, attrs)), /duplicate member values/);
    });
  });

  describe('nameProblems', () => {
    it('accepts OTel-style names', () => {
      for (const n of ['ml.inference.duration', 'ml.drift.ks.p_value', 'ml.slo.error_budget.remaining']) assert.deepEqual(nameProblems(n), []);
    });
    it('flags Prometheus-style names', () => {
      for (const n of ['ml_requests_total', 'ml.request.latency_ms', 'ml.slo.compliance_percentage', 'ml..x', 'ml.x.']) {
        assert.notDeepEqual(nameProblems(n), [], n);
      }
    });
  });

  describe('UNIT_PATTERN', () => {
    it('matches the units the registry uses', () => {
      for (const u of ['1', 's', '{request}', '{request}/s', 'By', 'By/s']) assert.ok(UNIT_PATTERN.test(u), u);
    });
    it('rejects spelled-out or malformed units', () => {
      for (const u of ['', 'seconds per call', '{Request}', 's/', '1/{x}/s', '%s']) assert.ok(!UNIT_PATTERN.test(u), u);
    });
  });
});
