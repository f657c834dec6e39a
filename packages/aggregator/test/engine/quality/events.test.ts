import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readQualityEvent } from '../../../src/engine/quality/index.js';

const NOW = Date.UTC(2026, 0, 5);
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

describe('readQualityEvent', () => {
  it('reads a prediction with every attribute, numbers given as strings or bigints too', () => {
    const e = readQualityEvent(
      {
        eventName: 'ml.prediction',
        timeUnixNano: ns(NOW - 5000),
        attributes: { 'ml.prediction.id': 'r1', 'ml.prediction.label': 'cat', 'ml.prediction.value': '4.5', 'ml.prediction.confidence': 0.75, 'ml.segment': 'web' },
      },
      NOW,
    );
    assert.deepEqual(e, { kind: 'prediction', event: { id: 'r1', time: NOW - 5000, label: 'cat', value: 4.5, confidence: 0.75, segment: 'web' } });
    const g = readQualityEvent({ attributes: { 'event.name': 'ml.ground_truth', 'ml.prediction.id': 7, 'ml.ground_truth.value': 12n } }, NOW);
    assert.deepEqual(g, { kind: 'ground_truth', event: { id: '7', value: 12 } });
  });

  it('takes the observed time when the event time is unset, else now', () => {
    const a = readQualityEvent({ eventName: 'ml.prediction', timeUnixNano: 0n, observedTimeUnixNano: ns(NOW - 10), attributes: { 'ml.prediction.id': 'x' } }, NOW);
    assert.equal(a.kind === 'prediction' && a.event.time, NOW - 10);
    const b = readQualityEvent({ eventName: 'ml.prediction', attributes: { 'ml.prediction.id': 'x' } }, NOW);
    assert.equal(b.kind === 'prediction' && b.event.time, NOW);
  });

  it('ignores other records and names a missing id', () => {
    assert.deepEqual(readQualityEvent({ eventName: '', attributes: { 'ml.prediction.id': 'x' } }, NOW), { kind: 'other' });
    assert.deepEqual(readQualityEvent({ eventName: 'ml.prediction', attributes: {} }, NOW), { kind: 'invalid', reason: 'ml.prediction event has no ml.prediction.id' });
  });
});
