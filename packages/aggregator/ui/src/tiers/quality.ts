/**
 * The quality tier: accuracy (true and estimated), by segment and over time,
 * ADWIN's verdict, the calibration curve, the confusion matrix, and the
 * prediction and confidence distributions' drift over time.
 *
 * @module
 */
import { get, paths, type PredictionDistributions, type QualityReport } from '../api.js';
import { chart } from '../charts.js';
import { h } from '../dom.js';
import { num, pct } from '../format.js';
import { empty, section, stat, table } from '../widgets.js';
import { history, historyChart } from './history.js';

function confusion(q: QualityReport): HTMLElement {
  const cm = q.confusionMatrix;
  if (!cm || cm.labels.length === 0) return empty('No labelled predictions in the window yet.');
  const max = Math.max(1, ...cm.counts.flat());
  const rows = cm.labels.map((truth, i) =>
    h(
      'tr',
      null,
      h('th', { attrs: { scope: 'row' } }, truth),
      (cm.counts[i] ?? []).map((n, j) => {
        const td = h('td', { class: i === j ? 'diag' : 'off', title: `true ${truth}, predicted ${cm.labels[j] ?? ''}: ${n}` }, String(n));
        // Shading through the CSSOM: allowed by the page's style-src policy, unlike style attributes.
        td.style.setProperty('--shade', (n / max).toFixed(3));
        return td;
      }),
    ),
  );
  return h(
    'table',
    { class: 'confusion' },
    h('thead', null, h('tr', null, h('th', null, 'true ↓ / predicted →'), cm.labels.map((l) => h('th', null, l)))),
    h('tbody', null, rows),
  );
}

function calibration(q: QualityReport): HTMLElement {
  const c = q.calibration;
  const bins = (c?.bins ?? []).filter((b) => b.count > 0 && b.meanConfidence !== null && b.accuracy !== null);
  if (!c || bins.length === 0) return empty('No labelled predictions with a confidence yet.');
  const xs = bins.map((b) => b.meanConfidence as number);
  return chart({
    key: 'calibration',
    title: `Calibration: accuracy per confidence bin (ECE ${num(c.ece)})`,
    time: false,
    lines: [
      { label: 'observed accuracy', colour: '--series-1' },
      { label: 'perfect calibration', colour: '--muted', dash: [4, 4] },
    ],
    data: [xs, bins.map((b) => b.accuracy), xs],
    yRange: [0, 1],
    xLabel: 'mean confidence',
  });
}

/** Proportions of counts (all zero stays zero). */
function shares(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.map((c) => (total > 0 ? c / total : 0));
}

/** The predicted labels' and confidences' current distributions beside the baseline's. */
function predictionCharts(model: string, p: PredictionDistributions): HTMLElement[] {
  const out: HTMLElement[] = [];
  const l = p.labels;
  if (l && l.categories.length > 0) {
    out.push(
      chart({ key: `${model}/labels`, title: 'Predicted labels: baseline vs current window', time: false, categories: l.categories, lines: [{ label: 'baseline', bars: true, colour: '--series-2' }, { label: 'current', bars: true, colour: '--series-1' }], data: [l.categories.map((_, i) => i), shares(l.reference), shares(l.current)], yRange: [0, null] }),
    );
  }
  const c = p.confidence;
  if (c) {
    // Bucket k holds (bounds[k-1], bounds[k]]; the first starts at 0, the last ends at 1.
    const lowers = [0, ...c.bounds];
    out.push(
      chart({
        key: `${model}/confidence`,
        title: 'Confidence: baseline vs current window (share per bucket)',
        time: false,
        lines: [...(c.reference ? [{ label: 'baseline', stepped: true, fill: true, colour: '--series-2' }] : []), { label: 'current', stepped: true, fill: true, colour: '--series-1' }],
        data: [[...lowers, 1], ...(c.reference ? [[...shares(c.reference), 0]] : []), [...shares(c.current), 0]],
        yRange: [0, null],
        xLabel: 'confidence',
      }),
    );
  }
  return out;
}

/** The quality tier of one model. */
export async function qualityTier(model: string): Promise<Node> {
  const [q, predictions, labelShares, rolling, windowAcc, estimated, lowConf, psi] = await Promise.all([
    get<QualityReport>(paths.quality(model)),
    get<PredictionDistributions>(paths.predictions(model)),
    history(model, 'ml.prediction.label_share'),
    history(model, 'ml.accuracy.rolling'),
    history(model, 'ml.accuracy'),
    history(model, 'ml.accuracy.estimated'),
    history(model, 'ml.prediction.low_confidence_ratio'),
    history(model, 'ml.drift.psi', (s) => s.attributes['ml.drift.subject'] !== 'feature'),
  ]);
  const acc = q.accuracy;
  const est = q.estimatedAccuracy;
  const change = q.changeDetection;
  const subject = (s: { attributes: Record<string, unknown> }): string =>
    `${String(s.attributes['ml.drift.subject'] ?? '').replace('prediction_', '')}${s.attributes['ml.drift.window'] !== undefined ? ` ${String(s.attributes['ml.drift.window'])}` : ''}`;
  return h(
    'div',
    null,
    section(
      'Accuracy',
      h(
        'div',
        { class: 'stats' },
        stat('window accuracy', pct(acc?.window.value), { detail: `${acc?.window.count ?? 0} labelled predictions made in the last ${q.window.seconds} s`, key: 'window' }),
        stat('rolling accuracy', pct(acc?.rolling.value), { detail: `the last ${acc?.rolling.count ?? 0} labels to arrive`, key: 'rolling' }),
        stat('estimated accuracy', pct(est?.window.value), { detail: `from calibrated confidences of ${est?.window.predictions ?? 0} predictions, before their labels`, key: 'estimated' }),
        stat('ADWIN', change?.state ?? '—', {
          colour: change?.state === 'drop' ? 'red' : change ? 'green' : 'grey',
          detail: change?.lastChange ? `last change at ${change.lastChange.time}: ${change.drops} drops in ${change.changes} changes` : 'no change detected in the correctness stream',
          key: 'adwin',
        }),
        stat('labelled', pct(q.coverage.labeledRatio), { detail: `${q.coverage.labeled} of ${q.coverage.predictions} sampled predictions; ${q.coverage.pending} waiting`, key: 'coverage' }),
      ),
      h(
        'div',
        { class: 'charts' },
        historyChart('acc/time', 'True accuracy beside estimated accuracy', [
          { label: 'rolling', points: rolling[0]?.points ?? [] },
          { label: 'window', points: windowAcc[0]?.points ?? [], colour: '--series-3' },
          { label: 'estimated', points: estimated[0]?.points ?? [], colour: '--series-2', dash: [6, 4] },
        ], { yRange: [0, 1] }),
        acc && acc.timeline.length > 0
          ? chart({
              key: 'acc/slots',
              title: `Accuracy per ${q.window.slotSeconds} s slot of the window, by prediction time`,
              time: false,
              categories: acc.timeline.map((s) => new Date(s.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })),
              lines: [{ label: 'accuracy', bars: true }],
              data: [acc.timeline.map((_, i) => i), acc.timeline.map((s) => s.value)],
              yRange: [0, 1],
            })
          : empty('No labels in the window yet.'),
      ),
    ),
    section(
      'By segment',
      acc && acc.bySegment.length > 0
        ? table(['Segment', 'Accuracy', 'Correct / labelled'], acc.bySegment.map((s) => [s.segment, pct(s.value), `${s.correct} / ${s.count}`]))
        : empty('No segments in the window (predictions carry none, or none is labelled yet).'),
    ),
    section('Calibration and confusion', h('div', { class: 'charts' }, calibration(q), h('div', null, h('h3', null, 'Confusion matrix (window)'), confusion(q)))),
    section(
      'Predictions',
      h(
        'div',
        { class: 'charts' },
        predictionCharts(model, predictions),
        historyChart('pred/shares', 'Share of each predicted label over time', labelShares.map((s) => ({ label: String(s.attributes['ml.prediction.label'] ?? ''), points: s.points })), { yRange: [0, 1] }),
        historyChart('pred/psi', 'Label and confidence distribution drift (PSI vs baseline)', psi.map((s) => ({ label: subject(s), points: s.points })), {
          rules: [{ axis: 'y', value: 0.2, label: 'warning', colour: '--yellow' }],
        }),
        historyChart('pred/lowconf', 'Share of low-confidence predictions', [{ label: 'low confidence', points: lowConf[0]?.points ?? [] }], { yRange: [0, null] }),
      ),
    ),
    q.notes.length > 0 ? section('Notes', h('ul', null, q.notes.map((n) => h('li', null, n)))) : null,
  );
}
