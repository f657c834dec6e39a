/**
 * End to end with real processes: a baseline built by `modelwatch baseline`
 * from a CSV, `modelwatch serve`, and the OpenTelemetry SDK (wired by
 * @modelwatch/node, instrumented by ModelMonitor) sending OTLP/HTTP.
 * A stationary model stays at `none`; a model whose inputs shift reaches the
 * expected severities on exactly the shifted features; the reported KS bounds
 * contain the exact KS of the raw values that were sent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startModelwatch } from '@modelwatch/node';
import { ModelMonitor } from '@modelwatch/instrumentation';
import { ks2Samp } from '@modelwatch/stats';
import { MODELWATCH_BIN, getJson, startAggregator, tempDir, waitFor, type RunningAggregator } from '../helpers/aggregator.js';
import { seeded } from '../helpers/random.js';

const N = 2000;
const LANGS = ['en', 'es', 'de'] as const;

interface Row { x: number; neg: number; lang: string }

function rows(seed: number, n: number, shift: { x?: number; lang?: string } = {}): Row[] {
  const r = seeded(seed);
  const out: Row[] = [];
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    const lang = shift.lang !== undefined && u < 0.6 ? shift.lang : u < 0.7 ? LANGS[0] : u < 0.9 ? LANGS[1] : LANGS[2];
    out.push({ x: r.normal(100 + (shift.x ?? 0), 20), neg: r.normal(-5, 2), lang });
  }
  return out;
}

interface FeatureDrift {
  name: string;
  type: string;
  severity: string;
  ks?: { statistic: number; bound: number; pValue: number };
  psi?: number;
  referenceCount: number;
  currentCount: number;
}

describe('modelwatch serve with the OpenTelemetry SDK', () => {
  let aggregator: RunningAggregator;
  const reference = rows(1, N);
  const stationary = rows(2, N);
  const shifted = rows(3, N, { x: 10, lang: 'pt' }); // +0.5 sd on x, a new dominant language

  const dataDir = tempDir();
  let config = '';

  before(async () => {
    const dir = tempDir();
    const csv = join(dir, 'reference.csv');
    writeFileSync(csv, `x,neg,lang\n${reference.map((r) => `${r.x},${r.neg},${r.lang}`).join('\n')}\n`);
    const features = '{ x: numeric, neg: numeric, lang: categorical }';
    config = `
evaluation: { interval: 1s }
models:
  - { name: steady, task: classification, baseline: ${join(dir, 'steady.json')}, features: ${features} }
  - { name: shifted, task: classification, baseline: ${join(dir, 'shifted.json')}, features: ${features} }
`;
    writeFileSync(join(dir, 'modelwatch.yaml'), config);
    for (const model of ['steady', 'shifted']) {
      const b = spawnSync(process.execPath, [MODELWATCH_BIN, 'baseline', '--model', model, '--input', csv, '--out', join(dir, `${model}.json`), '--config', join(dir, 'modelwatch.yaml')], { encoding: 'utf8' });
      assert.equal(b.status, 0, `modelwatch baseline failed: ${b.stderr}`);
    }
    aggregator = await startAggregator(config, { dataDir });

    const sdk = startModelwatch({
      serviceName: 'e2e-drift',
      otlpEndpoint: aggregator.addresses.otlpHttp,
      hostMetrics: false,
      runtimeMetrics: false,
      setGlobal: false,
      exportIntervalMillis: 60_000,
    });
    for (const [name, data] of [['steady', stationary], ['shifted', shifted]] as const) {
      const monitor = new ModelMonitor({
        model: { name },
        task: 'classification',
        features: { x: 'numeric', neg: 'numeric', lang: 'categorical' },
        meterProvider: sdk.meterProvider,
        loggerProvider: sdk.loggerProvider,
        featureSampling: { rate: 1 },
      });
      for (const row of data) {
        monitor.record({ durationSeconds: 0.01, label: 'a', confidence: 0.9, features: { x: row.x, neg: row.neg, lang: row.lang } });
      }
    }
    await sdk.forceFlush();
    await sdk.shutdown();
  });

  after(async () => {
    await aggregator?.stop();
  });

  async function drift(model: string): Promise<FeatureDrift[]> {
    return waitFor(`the ${model} window to hold ${N} samples`, async () => {
      const d = await getJson<{ features: FeatureDrift[] }>(`${aggregator.addresses.http}/api/v1/models/${model}/drift`);
      return d.features.length === 3 && d.features.every((f) => f.currentCount === N) ? d.features : undefined;
    });
  }

  it('keeps a stationary stream at severity none', async () => {
    const features = await drift('steady');
    for (const f of features) {
      assert.equal(f.severity, 'none', `${f.name}: ${JSON.stringify(f)}`);
      assert.equal(f.referenceCount, N);
    }
  });

  it('flags exactly the shifted features, with the expected severities', async () => {
    const byName = new Map((await drift('shifted')).map((f) => [f.name, f]));
    // +0.5 sd: the population KS D is 2*Phi(0.25)-1 = 0.197, between warning (0.15) and critical (0.25).
    assert.equal(byName.get('x')?.severity, 'warning', JSON.stringify(byName.get('x')));
    assert.equal(byName.get('lang')?.severity, 'critical', JSON.stringify(byName.get('lang')));
    assert.equal(byName.get('neg')?.severity, 'none', JSON.stringify(byName.get('neg')));
  });

  it('reports KS bounds that contain the exact KS of the raw values sent (negative values included)', async () => {
    for (const [model, data] of [['steady', stationary], ['shifted', shifted]] as const) {
      const byName = new Map((await drift(model)).map((f) => [f.name, f]));
      for (const feature of ['x', 'neg'] as const) {
        const exact = ks2Samp(reference.map((r) => r[feature]), data.map((r) => r[feature]), { method: 'exact' }).statistic;
        const ks = byName.get(feature)?.ks;
        assert.ok(ks, `${model}/${feature} has a KS result`);
        assert.ok(ks.statistic <= exact + 1e-12 && exact <= ks.bound + 1e-12, `${model}/${feature}: ${ks.statistic} <= ${exact} <= ${ks.bound}`);
      }
    }
  });

  it('reports the same drift after kill -9 and a restart on the same data directory', async () => {
    const strip = (features: FeatureDrift[]) => features.map(({ name, severity, ks, psi, referenceCount, currentCount }) => ({ name, severity, ks, psi, referenceCount, currentCount }));
    const before = strip(await drift('shifted'));
    await aggregator.stop('SIGKILL');
    aggregator = await startAggregator(config, { dataDir });
    const after = strip(await drift('shifted'));
    assert.deepEqual(after, before);
    assert.match(aggregator.stderr(), /restored state/);
  });

  it('exports the verdicts on /metrics in Prometheus text', async () => {
    const text = await (await fetch(`${aggregator.addresses.http}/metrics`)).text();
    assert.match(text, /ml_drift_ks_statistic\{[^}]*ml_model_name="shifted"[^}]*ml_feature_name="x"[^}]*\} 0\.\d+/);
    assert.match(text, /ml_drift_severity\{[^}]*ml_model_name="shifted"[^}]*ml_feature_name="lang"[^}]*\} 3/);
  });
});
