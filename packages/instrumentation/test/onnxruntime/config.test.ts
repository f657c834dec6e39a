import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { modelConfigFor, validateConfig } from '../../src/onnxruntime/config.js';
import type { OnnxRuntimeInstrumentationConfig } from '../../src/onnxruntime/types.js';

const problemsOf = (config: unknown): string => {
  try {
    validateConfig(config as OnnxRuntimeInstrumentationConfig);
  } catch (err) {
    assert.ok(err instanceof TypeError);
    return err.message;
  }
  assert.fail('expected validateConfig to throw');
};

describe('config', () => {
  describe('validateConfig', () => {
    it('accepts a complete valid config unchanged', () => {
      const config: OnnxRuntimeInstrumentationConfig = {
        enabled: true,
        modelName: (info) => info.modelPath ?? 'x',
        modelVersion: '3',
        prediction: { output: 'probabilities', scores: 'logits', labels: ['a', 'b'] },
        features: { features: { stats: ['mean', 'max'], elements: { petal: 2 } } },
        models: { other: { prediction: { output: 'y', task: 'regression', index: 1 } } },
        monitor: { modelIdentity: 'resource', featureSampling: { rate: 1 }, groundTruthSampleRate: 0.5, operation: 'predict' },
      };
      assert.equal(validateConfig(config), config);
      assert.deepEqual(validateConfig({}), {});
    });

    it('lists every problem in one error, naming the key and what was received', () => {
      const message = problemsOf({
        modelName: 7,
        colour: 'red',
        onRecord: 'log',
        prediction: { output: '', scores: 'odds' },
        features: { x: { stats: ['median'], elements: { a: -1 } } },
        monitor: { groundTruthSampleRate: 2, featureSampling: { rate: 1, targetPerSecond: 3 } },
      });
      for (const part of [
        'modelName: expected a non-empty string or a function of the session, received 7',
        'colour: unknown option',
        'onRecord: expected a function, received "log"',
        'prediction.output: expected a non-empty output name, received ""',
        "prediction.scores: expected 'probabilities' or 'logits', received \"odds\"",
        'features.x.stats: expected an array of',
        'features.x.elements.a: expected a non-negative integer index, received -1',
        'monitor.groundTruthSampleRate: expected a number in [0, 1], received 2',
        'monitor.featureSampling: expected',
      ]) {
        assert.ok(message.includes(part), `missing "${part}" in:\n${message}`);
      }
    });

    it('rejects a feature name used by two inputs', () => {
      const message = problemsOf({ features: { a: { elements: { f: 0 } }, b: { elements: { f: 1 } } } });
      assert.match(message, /features\.b\.elements\.f: feature name already used/);
    });

    it('checks per-model overrides with their path', () => {
      const message = problemsOf({ models: { m1: { prediction: { output: 'y', task: 'ranking' }, extra: 1 } } });
      assert.match(message, /models\.m1\.prediction\.task: expected 'classification' or 'regression'/);
      assert.match(message, /models\.m1\.extra: unknown option/);
    });
  });

  describe('modelConfigFor', () => {
    it('uses the model\'s own entry when present, the top level otherwise', () => {
      const config: OnnxRuntimeInstrumentationConfig = {
        prediction: { output: 'top' },
        models: { special: { prediction: { output: 'own' } } },
      };
      assert.equal(modelConfigFor(config, 'special').prediction?.output, 'own');
      assert.equal(modelConfigFor(config, 'plain').prediction?.output, 'top');
      // An inherited Object.prototype key is not a model entry.
      assert.equal(modelConfigFor(config, 'toString').prediction?.output, 'top');
    });
  });
});
