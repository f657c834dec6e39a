import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { judgeHealth, median, worst, type HealthInput } from '../../ui/src/health.js';
import type { ModelStatus } from '../../src/engine/types.js';
import type { Alert } from '../../src/alerts/state.js';

function status(over: { errorRatio?: number | null; p95?: number | null; up?: boolean; rate?: number; severity?: ModelStatus['drift']['severity'] } = {}): ModelStatus {
  return {
    name: 'm',
    version: null,
    task: 'classification',
    discovered: false,
    liveness: { up: over.up ?? true, lastSeen: '2026-12-07T00:00:00.000Z', lastSeenAgeSeconds: 3 },
    red: { windowSeconds: 60, requests: 600, errors: 0, requestRate: over.rate ?? 10, errorRatio: over.errorRatio === undefined ? 0 : over.errorRatio, latency: { p50: 0.01, p95: over.p95 === undefined ? 0.02 : over.p95, p99: 0.03 } },
    slos: [
      { name: 'latency', kind: 'latency', objective: 0.95, threshold: 0.1, periodSeconds: 2_592_000, state: 'met', good: 1, total: 1, compliance: 1, errorBudgetRemaining: 1, burnRates: [] },
      { name: 'errors', kind: 'error_rate', objective: 0.98, periodSeconds: 2_592_000, state: 'met', good: 1, total: 1, compliance: 1, errorBudgetRemaining: 1, burnRates: [] },
    ],
    accepted: { dataPoints: 1, logRecords: 0 },
    drift: { severity: over.severity ?? 'none', errors: [] },
    evaluatedAt: null,
  };
}

const input = (s: ModelStatus, extra: Partial<HealthInput> = {}): HealthInput => ({ status: s, alerts: [], pastRequestRates: [10, 10, 11, 9], ...extra });
const cell = (r: ReturnType<typeof judgeHealth>, key: string): string => r.cells.find((c) => c.key === key)?.colour ?? 'missing';

describe('ui/health', () => {
  describe('worst', () => {
    it('is red over yellow over green over grey', () => {
      assert.equal(worst(['green', 'grey', 'yellow']), 'yellow');
      assert.equal(worst(['green', 'red', 'yellow']), 'red');
      assert.equal(worst(['grey']), 'grey');
      assert.equal(worst([]), 'grey');
    });
  });

  describe('median', () => {
    it('ignores non-finite values', () => {
      assert.equal(median([3, 1, NaN, 2]), 2);
      assert.equal(median([4, 1, 2, 3]), 2.5);
      assert.equal(median([]), null);
    });
  });

  describe('judgeHealth', () => {
    it('is green for a healthy model; grey cells (no labels) do not spoil it', () => {
      const r = judgeHealth(input(status()));
      assert.equal(r.colour, 'green');
      assert.equal(cell(r, 'accuracy'), 'grey');
    });

    it('judges errors against the error SLO budget: red past it, yellow past half of it', () => {
      assert.equal(cell(judgeHealth(input(status({ errorRatio: 0.03 }))), 'errors'), 'red');
      assert.equal(cell(judgeHealth(input(status({ errorRatio: 0.015 }))), 'errors'), 'yellow');
      assert.equal(cell(judgeHealth(input(status({ errorRatio: 0.005 }))), 'errors'), 'green');
    });

    it('judges p95 against the latency SLO threshold', () => {
      assert.equal(cell(judgeHealth(input(status({ p95: 0.2 }))), 'latency'), 'red');
      assert.equal(cell(judgeHealth(input(status({ p95: 0.09 }))), 'latency'), 'yellow');
      assert.equal(judgeHealth(input(status({ p95: 0.2 }))).colour, 'red');
    });

    it('marks traffic far from its median yellow, a down model red, drift by severity', () => {
      assert.equal(cell(judgeHealth(input(status({ rate: 2 }))), 'traffic'), 'yellow');
      assert.equal(cell(judgeHealth(input(status({ rate: 25 }))), 'traffic'), 'yellow');
      assert.equal(cell(judgeHealth(input(status({ up: false }))), 'liveness'), 'red');
      assert.equal(cell(judgeHealth(input(status({ severity: 'warning' }))), 'drift'), 'yellow');
      assert.equal(cell(judgeHealth(input(status({ severity: 'critical' }))), 'drift'), 'red');
      assert.equal(cell(judgeHealth(input(status({ severity: 'error' }))), 'drift'), 'red');
    });

    it('is red with a firing critical alert, yellow with a firing warning, unchanged by a pending one', () => {
      const alert = (severity: string, st: Alert['status']): Alert => ({ fingerprint: severity, ruleId: 'A', labels: { alertname: 'A', severity }, annotations: {}, status: st, value: 1, activeAt: 0, lastHeldAt: 0 });
      assert.equal(judgeHealth(input(status(), { alerts: [alert('critical', 'firing')] })).colour, 'red');
      assert.equal(judgeHealth(input(status(), { alerts: [alert('warning', 'firing')] })).colour, 'yellow');
      assert.equal(judgeHealth(input(status(), { alerts: [alert('critical', 'pending')] })).colour, 'green');
    });

    it('judges accuracy from ground truth: red below the accuracy SLO, yellow after an ADWIN drop', () => {
      const s = status();
      s.slos.push({ name: 'acc', kind: 'accuracy', objective: 0.9, periodSeconds: 1, state: 'met', good: 1, total: 1, compliance: 1, errorBudgetRemaining: 1, burnRates: [] });
      const quality = (value: number, state: 'stable' | 'drop') =>
        ({ accuracy: { window: { value, correct: 0, count: 100 }, rolling: { value, correct: 0, count: 100, size: 100 } }, changeDetection: { state } }) as unknown as HealthInput['quality'];
      assert.equal(cell(judgeHealth(input(s, { quality: quality(0.8, 'stable') })), 'accuracy'), 'red');
      assert.equal(cell(judgeHealth(input(s, { quality: quality(0.95, 'drop') })), 'accuracy'), 'yellow');
      assert.equal(cell(judgeHealth(input(s, { quality: quality(0.95, 'stable') })), 'accuracy'), 'green');
    });
  });
});
