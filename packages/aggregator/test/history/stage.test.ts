import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../src/config/load.js';
import { createHistoryStage, historyConfig } from '../../src/history/stage.js';
import type { SnapshotSection } from '../../src/engine/index.js';

const T0 = 1_700_000_000_000;
const config = validateConfig({ models: [{ name: 'm' }], limits: { maxModels: 3 } }, '/tmp', 'test');

describe('HistoryStage', () => {
  describe('historyConfig', () => {
    it('takes the history section, and as many models as the engine can hold', () => {
      assert.deepEqual(historyConfig(config), { intervalMs: 30_000, retentionMs: 21_600_000, maxSeriesPerModel: 400, maxModels: 4 });
      const noDiscovery = validateConfig({ models: [{ name: 'm' }], discovery: { enabled: false }, history: { interval: '5s', retention: '30m', maxSeriesPerModel: 60 } }, '/tmp', 'test');
      assert.deepEqual(historyConfig(noDiscovery), { intervalMs: 5_000, retentionMs: 1_800_000, maxSeriesPerModel: 60, maxModels: 1 });
    });
  });

  describe('view', () => {
    const stage = createHistoryStage(config, undefined, []);
    for (let i = 0; i < 4; i++) {
      stage.record(
        [
          { name: 'ml.inference.request_rate', value: i, attributes: { 'ml.model.name': 'm' } },
          { name: 'ml.drift.ks.statistic', value: i / 10, attributes: { 'ml.model.name': 'm', 'ml.feature.name': 'x', 'ml.drift.subject': 'feature' } },
          { name: 'ml.aggregator.accepted', value: 5, attributes: { 'ml.signal': 'metrics' } },
        ],
        T0 + i * 30_000 + 500,
      );
    }
    const now = T0 + 3 * 30_000 + 600;

    it("summarises a model's history", () => {
      assert.deepEqual(stage.view('m', undefined, undefined, now), {
        body: {
          model: 'm',
          intervalSeconds: 30,
          retentionSeconds: 21600,
          maxSeriesPerModel: 400,
          refusedSeries: 0,
          boundBytes: 8 * 720 * 401,
          signals: [
            { name: 'ml.drift.ks.statistic', series: 1 },
            { name: 'ml.inference.request_rate', series: 1 },
          ],
        },
      });
      const empty = stage.view('quiet', undefined, undefined, now);
      assert.ok('body' in empty);
      assert.deepEqual((empty.body as { signals: unknown }).signals, [], 'a model without history: no signals');
    });

    it("gives one signal's series with points in unix seconds, since a duration before now", () => {
      assert.deepEqual(stage.view('m', 'ml.drift.ks.statistic', undefined, now), {
        body: {
          model: 'm',
          signal: 'ml.drift.ks.statistic',
          intervalSeconds: 30,
          retentionSeconds: 21600,
          series: [{ attributes: { 'ml.drift.subject': 'feature', 'ml.feature.name': 'x' }, points: [0, 1, 2, 3].map((i) => [(T0 + i * 30_000 + 500) / 1000, i / 10]) }],
        },
      });
      const recent = stage.view('m', 'ml.inference.request_rate', 60_000, now);
      assert.ok('body' in recent);
      assert.deepEqual((recent.body as { series: Array<{ points: unknown }> }).series[0]?.points, [[(T0 + 60_500) / 1000, 2], [(T0 + 90_500) / 1000, 3]]);
    });

    it('lists the signals with history when the one asked for has none', () => {
      assert.deepEqual(stage.view('m', 'ml.drift.psi', undefined, now), { known: ['ml.drift.ks.statistic', 'ml.inference.request_rate'] });
      assert.deepEqual(stage.view('m', 'ml.aggregator.accepted', undefined, now), { known: ['ml.drift.ks.statistic', 'ml.inference.request_rate'] }, 'not per model: not kept');
    });

    it('survives a snapshot', () => {
      const sections: SnapshotSection[] = [];
      const restored = createHistoryStage(config, JSON.parse(JSON.stringify(stage.snapshot(sections))), sections);
      assert.deepEqual(restored.view('m', 'ml.drift.ks.statistic', undefined, now), stage.view('m', 'ml.drift.ks.statistic', undefined, now));
    });
  });
});
