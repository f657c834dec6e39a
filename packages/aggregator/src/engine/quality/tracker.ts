/**
 * One model's ground-truth join and quality numbers.
 *
 * `ml.prediction` events wait (bounded by count and TTL) for their
 * `ml.ground_truth` event, matched by prediction id, in either order. Each
 * joined outcome then feeds: lifetime totals, a window of slots keyed by
 * PREDICTION time (accuracy by segment, confusion matrix, per-class scores;
 * MAE/RMSE/bias for regression), the last N labels to arrive (rolling
 * accuracy), the calibration (last M joined samples with a confidence), the
 * ADWIN change detector, and good/total counts for accuracy SLOs keyed by the
 * time the outcome became known.
 *
 * Pure: every time is an argument (`now`, epoch ms). Everything is bounded;
 * whatever passes a bound is counted in {@link Coverage}.
 *
 * @module
 */
import { OTHER_CATEGORY } from '@modelwatch/semconv';
import { SloHistory, type SloHistorySnapshot } from '../red.js';
import { Adwin, type AdwinSnapshot } from './adwin.js';
import {
  CALIBRATION_BUCKETS,
  CalibrationCounts,
  ConfidenceCounts,
  calibrationReport,
  confidenceBucket,
  estimateAccuracy,
  type AccuracyEstimate,
} from './calibration.js';
import { resolveQualitySettings, type QualityOptions, type QualitySettings } from './config.js';
import { readQualityEvent, type GroundTruthEvent, type LogRecordIn, type PredictionEvent } from './events.js';
import { FifoMap } from './fifo-map.js';
import { RollingById } from './rolling.js';
import type {
  AccuracyValue,
  ChangeDetection,
  ClassScores,
  ConfusionMatrix,
  Coverage,
  QualityReport,
  RegressionErrors,
  SegmentAccuracy,
  SegmentErrors,
  SlotAccuracy,
} from './types.js';

/** Format tag of {@link QualitySnapshot}. */
export const QUALITY_SNAPSHOT_FORMAT = 'modelwatch.quality/v1';

/** A predicted or true class (string) or value (number). */
type Truth = string | number;

/** A prediction waiting for its label: prediction time, receipt time, prediction, confidence (-1: none), segment ('' none). */
interface Pending {
  t: number;
  r: number;
  p: Truth;
  c: number;
  s: string;
}

/** A label waiting for its prediction. */
interface Early {
  v: Truth;
  r: number;
}

/** A joined prediction: t prediction time, j time the outcome became known, p predicted, v true. */
interface Outcome {
  t: number;
  j: number;
  p: Truth;
  v: Truth;
  c: number;
  s: string;
}

/** Running totals: n outcomes, k correct (classification), sums of |e|, e^2 and e (regression). */
interface Acc {
  n: number;
  k: number;
  abs: number;
  sq: number;
  err: number;
}

interface Slot {
  all: Acc;
  seg: Map<string, Acc>;
  /** Confusion counts keyed `true \u0000 predicted` (bounded class names). */
  confusion: Map<string, number>;
  /** Confidences of every sampled prediction made in the slot (for the estimate). */
  conf: ConfidenceCounts;
}

type OutcomeTuple = [id: string, t: number, j: number, p: Truth, v: Truth, c: number, s: string];

/** JSON-serialisable state of a {@link QualityTracker}. */
export interface QualitySnapshot {
  format: typeof QUALITY_SNAPSHOT_FORMAT;
  task: 'classification' | 'regression';
  counters: Counters;
  pending: [id: string, t: number, r: number, p: Truth, c: number, s: string][];
  early: [id: string, v: Truth, r: number][];
  joined: OutcomeTuple[];
  rolling: OutcomeTuple[];
  calibration: OutcomeTuple[];
  /** Running totals of `rolling` and `calibration`, saved rather than re-summed so a restore is bit-identical. */
  rollingAcc: Acc;
  calibrationCounts: [counts: number[], sums: number[], correct: number[]];
  pendingConfidences: [counts: number[], sums: number[]];
  slots: [slot: number, all: Acc, seg: [string, Acc][], confusion: [string, number][], conf: [number[], number[]]][];
  lifetime: Acc;
  segments: string[];
  classes: string[];
  adwin: AdwinSnapshot;
  lastChangeTime: number | null;
  slo: SloHistorySnapshot | null;
}

interface Counters {
  predictions: number;
  duplicatePredictions: number;
  labels: number;
  labeled: number;
  expired: number;
  evicted: number;
  relabeled: number;
  unmatched: number;
  invalidConfidences: number;
}

const newAcc = (): Acc => ({ n: 0, k: 0, abs: 0, sq: 0, err: 0 });

function isCorrect(o: { p: Truth; v: Truth }): boolean {
  return o.p === o.v;
}

function addAcc(a: Acc, o: Outcome, sign: 1 | -1): void {
  a.n += sign;
  if (typeof o.p === 'number' && typeof o.v === 'number') {
    const e = o.p - o.v;
    a.abs += sign * Math.abs(e);
    a.sq += sign * e * e;
    a.err += sign * e;
  } else if (isCorrect(o)) a.k += sign;
}

function accuracyOf(a: Acc): AccuracyValue {
  return { value: a.n > 0 ? a.k / a.n : null, correct: a.k, count: a.n };
}

function errorsOf(a: Acc): RegressionErrors {
  return {
    count: a.n,
    mae: a.n > 0 ? a.abs / a.n : null,
    rmse: a.n > 0 ? Math.sqrt(Math.max(0, a.sq) / a.n) : null,
    bias: a.n > 0 ? a.err / a.n : null,
  };
}

function mergeAcc(into: Acc, a: Acc): void {
  into.n += a.n;
  into.k += a.k;
  into.abs += a.abs;
  into.sq += a.sq;
  into.err += a.err;
}

const iso = (t: number): string => new Date(t).toISOString();

/** One model's ground-truth join and quality numbers (see the module documentation). */
export class QualityTracker {
  readonly settings: QualitySettings;
  // Insertion-ordered (receipt / arrival / join time): expiry pops the oldest.
  private readonly pending = new FifoMap<Pending>();
  private readonly early = new FifoMap<Early>();
  private readonly joined = new FifoMap<Outcome>();
  private readonly slots = new Map<number, Slot>();
  private readonly lifetime = newAcc();
  private readonly rollingAcc = newAcc();
  private readonly rolling: RollingById<Outcome>;
  private readonly calCounts = new CalibrationCounts();
  private readonly calibration: RollingById<Outcome>;
  private readonly pendingConf = new ConfidenceCounts();
  private readonly segments = new Set<string>();
  private readonly classes = new Set<string>();
  private adwin: Adwin;
  private lastChangeTime: number | null = null;
  /** Good/total by time the outcome became known; created with the first classification outcome. */
  private slo: SloHistory | null = null;
  private readonly counters: Counters = {
    predictions: 0,
    duplicatePredictions: 0,
    labels: 0,
    labeled: 0,
    expired: 0,
    evicted: 0,
    relabeled: 0,
    unmatched: 0,
    invalidConfidences: 0,
  };

  /** @throws Error listing every invalid option. */
  constructor(options: QualityOptions) {
    this.settings = resolveQualitySettings(options);
    this.adwin = new Adwin(this.settings.adwin);
    this.rolling = new RollingById<Outcome>(this.settings.rollingSize, (o, sign) => addAcc(this.rollingAcc, o, sign));
    this.calibration = new RollingById<Outcome>(this.settings.calibrationSize, (o, sign) =>
      this.calCounts.addSample(confidenceBucket(o.c), o.c, isCorrect(o), sign),
    );
  }

  get task(): 'classification' | 'regression' {
    return this.settings.task;
  }

  /**
   * Takes one decoded log record received at `now`.
   * @returns `ignored` for records that are not prediction or ground-truth
   *   events, `accepted`, or the reason the event was refused
   */
  ingest(rec: LogRecordIn, now: number): 'ignored' | 'accepted' | { rejected: string } {
    const e = readQualityEvent(rec, now);
    switch (e.kind) {
      case 'other':
        return 'ignored';
      case 'invalid':
        return { rejected: e.reason };
      case 'prediction': {
        const why = this.recordPrediction(e.event, now);
        return why === null ? 'accepted' : { rejected: why };
      }
      case 'ground_truth': {
        const why = this.recordGroundTruth(e.event, now);
        return why === null ? 'accepted' : { rejected: why };
      }
    }
  }

  private checkId(id: string, what: string): string | null {
    if (typeof id !== 'string' || id === '') return `${what} event has no prediction id`;
    if (id.length > this.settings.maxAttributeLength) return `${what} prediction id longer than ${this.settings.maxAttributeLength} characters`;
    return null;
  }

  /** The prediction (or truth) of an event for this task, or the reason it has none. */
  private truthOf(e: { label?: string; value?: number }, what: string): { ok: Truth } | { error: string } {
    if (this.settings.task === 'classification') {
      if (typeof e.label !== 'string') return { error: `${what} event of a classification model has no label` };
      if (e.label.length > this.settings.maxAttributeLength) return { error: `${what} label longer than ${this.settings.maxAttributeLength} characters` };
      return { ok: e.label };
    }
    if (typeof e.value !== 'number' || !Number.isFinite(e.value)) return { error: `${what} event of a regression model has no finite value` };
    return { ok: e.value };
  }

  /**
   * Records a sampled prediction received at `now`.
   * @returns null when taken, else the reason it was refused
   */
  recordPrediction(e: PredictionEvent, now: number): string | null {
    const bad = this.checkId(e.id, 'ml.prediction');
    if (bad) return bad;
    const pt = this.truthOf(e, 'ml.prediction');
    if ('error' in pt) return pt.error;
    const p = pt.ok;
    this.advance(now);
    if (this.pending.has(e.id) || this.joined.has(e.id)) {
      this.counters.duplicatePredictions++;
      return null;
    }
    this.counters.predictions++;
    let c = -1;
    if (e.confidence !== undefined) {
      if (Number.isFinite(e.confidence) && e.confidence >= 0 && e.confidence <= 1) c = e.confidence;
      else this.counters.invalidConfidences++;
    }
    const t = Number.isFinite(e.time) ? Math.min(e.time, now) : now;
    const s = e.segment === undefined || e.segment === '' ? '' : this.bounded(this.segments, e.segment, this.settings.maxSegments);
    if (c >= 0 && this.settings.task === 'classification') {
      const slot = this.slotFor(t, now, true);
      slot?.conf.add(confidenceBucket(c), c);
    }
    const early = this.early.get(e.id);
    if (early) {
      this.early.delete(e.id);
      this.join(e.id, { t, j: now, p, v: early.v, c, s }, now);
      return null;
    }
    this.pending.set(e.id, { t, r: now, p, c, s });
    if (c >= 0) this.pendingConf.add(confidenceBucket(c), c);
    if (this.pending.size > this.settings.maxPending) {
      const oldest = this.pending.peek();
      if (oldest) {
        this.dropPending(oldest[0], oldest[1]);
        this.counters.evicted++;
      }
    }
    return null;
  }

  /**
   * Records a ground-truth label received at `now`.
   * @returns null when taken, else the reason it was refused
   */
  recordGroundTruth(e: GroundTruthEvent, now: number): string | null {
    const bad = this.checkId(e.id, 'ml.ground_truth');
    if (bad) return bad;
    const vt = this.truthOf(e, 'ml.ground_truth');
    if ('error' in vt) return vt.error;
    const v = vt.ok;
    this.advance(now);
    this.counters.labels++;
    const p = this.pending.get(e.id);
    if (p) {
      this.dropPending(e.id, p);
      this.join(e.id, { t: p.t, j: now, p: p.p, v, c: p.c, s: p.s }, now);
      return null;
    }
    const old = this.joined.get(e.id);
    if (old) {
      this.counters.relabeled++;
      this.apply(e.id, old, -1);
      this.joined.delete(e.id);
      const o: Outcome = { ...old, v, j: now };
      this.joined.set(e.id, o);
      this.apply(e.id, o, 1);
      return null;
    }
    if (this.early.has(e.id)) {
      // A second label before the prediction arrived: it replaces the first.
      this.counters.relabeled++;
      this.early.delete(e.id);
    }
    this.early.set(e.id, { v, r: now });
    if (this.early.size > this.settings.maxEarlyLabels) {
      if (this.early.shift()) this.counters.unmatched++;
    }
    return null;
  }

  private dropPending(id: string, p: Pending): void {
    this.pending.delete(id);
    if (p.c >= 0) this.pendingConf.add(confidenceBucket(p.c), p.c, -1);
  }

  /** A first label for a prediction. */
  private join(id: string, o: Outcome, now: number): void {
    this.counters.labeled++;
    this.joined.set(id, o);
    this.apply(id, o, 1);
    if (this.settings.task === 'classification') {
      // The detector sees each prediction's first label once; relabels (rare corrections) cannot be retracted from it.
      const change = this.adwin.add(isCorrect(o) ? 1 : 0);
      if (change) this.lastChangeTime = now;
    }
    if (this.joined.size > this.settings.maxJoined) this.joined.shift();
  }

  /** Adds (sign 1) or retracts (sign -1) an outcome from every aggregate. */
  private apply(id: string, o: Outcome, sign: 1 | -1): void {
    addAcc(this.lifetime, o, sign);
    const slot = this.slotFor(o.t, o.j, sign === 1);
    if (slot) {
      addAcc(slot.all, o, sign);
      if (o.s !== '') {
        let a = slot.seg.get(o.s);
        if (!a) slot.seg.set(o.s, (a = newAcc()));
        addAcc(a, o, sign);
      }
      if (this.settings.task === 'classification') {
        const key = `${this.classOf(o.v as string)}\u0000${this.classOf(o.p as string)}`;
        slot.confusion.set(key, (slot.confusion.get(key) ?? 0) + sign);
      }
    }
    if (sign === 1) this.rolling.put(id, o);
    else this.rolling.remove(id);
    if (this.settings.task === 'classification') {
      if (o.c >= 0) {
        if (sign === 1) this.calibration.put(id, o);
        else this.calibration.remove(id);
      }
      (this.slo ??= new SloHistory(2, this.settings.sloPeriod)).add(o.j, [sign, sign * (isCorrect(o) ? 1 : 0)]);
    }
  }

  private classOf(label: string): string {
    return this.bounded(this.classes, label, this.settings.maxClasses);
  }

  /** The value itself while fewer than `max` distinct values are known, else `__other__`. */
  private bounded(known: Set<string>, v: string, max: number): string {
    if (v.length > this.settings.maxAttributeLength) return OTHER_CATEGORY;
    if (known.has(v)) return v;
    if (known.size < max) {
      known.add(v);
      return v;
    }
    return OTHER_CATEGORY;
  }

  /** The slot of prediction time t if it lies within the window at `now` (created when asked). */
  private slotFor(t: number, now: number, create: boolean): Slot | undefined {
    const k = Math.floor(t / this.settings.slot);
    const existing = this.slots.get(k);
    if (existing || !create) return existing;
    const nowSlot = Math.floor(now / this.settings.slot);
    if (k <= nowSlot - this.settings.window / this.settings.slot || k > nowSlot) return undefined;
    const s: Slot = { all: newAcc(), seg: new Map(), confusion: new Map(), conf: new ConfidenceCounts() };
    this.slots.set(k, s);
    return s;
  }

  /**
   * Expires at `now`: predictions past the TTL (`expired`), early labels past
   * the grace period (`unmatched`), joined outcomes past the relabel TTL or
   * bound (forgotten: their numbers stay), and window slots. Called by every
   * record and by {@link report}; cost is proportional to what expires.
   */
  advance(now: number): void {
    const st = this.settings;
    // Each loop pops one entry per pass or stops: bounded by the entries held.
    for (let p = this.pending.peek(); p && p[1].r + st.pendingTtl <= now; p = this.pending.peek()) {
      this.dropPending(p[0], p[1]);
      this.counters.expired++;
    }
    for (let e = this.early.peek(); e && e[1].r + st.earlyLabelGrace <= now; e = this.early.peek()) {
      this.early.shift();
      this.counters.unmatched++;
    }
    for (let o = this.joined.peek(); o && o[1].j + st.relabelTtl <= now; o = this.joined.peek()) this.joined.shift();
    const cutoff = Math.floor(now / st.slot) - st.window / st.slot;
    for (const k of this.slots.keys()) if (k <= cutoff) this.slots.delete(k);
  }

  /** Good (correct) and total outcomes that became known in (now - windowMs, now], for accuracy SLOs. */
  sloCounts(now: number, windowMs: number): { good: number; total: number } {
    if (!this.slo) return { good: 0, total: 0 };
    const [total = 0, good = 0] = this.slo.sum(now, windowMs);
    return { good, total };
  }

  /** Coverage counters now. */
  coverage(): Coverage {
    const c = this.counters;
    return {
      predictions: c.predictions,
      duplicatePredictions: c.duplicatePredictions,
      labels: c.labels,
      labeled: c.labeled,
      pending: this.pending.size,
      expired: c.expired,
      evicted: c.evicted,
      relabeled: c.relabeled,
      unmatched: c.unmatched,
      waitingLabels: this.early.size,
      labeledRatio: c.predictions > 0 ? c.labeled / c.predictions : null,
    };
  }

  /** The quality report at `now` (expires first). */
  report(now: number): QualityReport {
    this.advance(now);
    const st = this.settings;
    const nowSlot = Math.floor(now / st.slot);
    const firstSlot = nowSlot - st.window / st.slot + 1;
    const keys = [...this.slots.keys()].sort((a, b) => a - b);
    const all = newAcc();
    const seg = new Map<string, Acc>();
    const confusion = new Map<string, number>();
    const conf = new ConfidenceCounts();
    const timeline: SlotAccuracy[] = [];
    for (const k of keys) {
      const s = this.slots.get(k) as Slot;
      mergeAcc(all, s.all);
      for (const [name, a] of s.seg) {
        let m = seg.get(name);
        if (!m) seg.set(name, (m = newAcc()));
        mergeAcc(m, a);
      }
      for (const [key, n] of s.confusion) confusion.set(key, (confusion.get(key) ?? 0) + n);
      conf.merge(s.conf);
      if (s.all.n > 0) timeline.push({ start: iso(k * st.slot), ...accuracyOf(s.all) });
    }
    const segNames = [...seg.keys()].sort();
    const report: QualityReport = {
      task: st.task,
      evaluatedAt: iso(now),
      window: { start: iso(firstSlot * st.slot), end: iso(now), seconds: st.window / 1000, slotSeconds: st.slot / 1000, keyedBy: 'prediction_time' },
      coverage: this.coverage(),
      notes: [],
    };
    const c = this.counters;
    if (c.evicted > 0) report.notes.push(`${c.evicted} predictions were evicted: more than maxPending (${st.maxPending}) waited for labels at once`);
    if (c.invalidConfidences > 0) report.notes.push(`${c.invalidConfidences} predictions had a confidence outside [0, 1]; it was ignored`);
    if (this.segments.size >= st.maxSegments) report.notes.push(`segments past the first ${st.maxSegments} are counted as ${OTHER_CATEGORY}`);
    if (st.task === 'regression') {
      report.errors = {
        window: errorsOf(all),
        rolling: { ...errorsOf(this.rollingAcc), size: st.rollingSize },
        lifetime: errorsOf(this.lifetime),
        bySegment: segNames.map((name): SegmentErrors => ({ segment: name, ...errorsOf(seg.get(name) as Acc) })),
      };
      return report;
    }
    if (this.classes.size >= st.maxClasses) report.notes.push(`classes past the first ${st.maxClasses} are counted as ${OTHER_CATEGORY}`);
    report.accuracy = {
      window: accuracyOf(all),
      rolling: { ...accuracyOf(this.rollingAcc), size: st.rollingSize },
      lifetime: accuracyOf(this.lifetime),
      bySegment: segNames.map((name): SegmentAccuracy => ({ segment: name, ...accuracyOf(seg.get(name) as Acc) })),
      timeline,
    };
    const matrix = confusionMatrix(confusion);
    report.confusionMatrix = matrix;
    report.classes = classScores(matrix);
    report.estimatedAccuracy = {
      window: estimateAccuracy(conf, this.calCounts, st.calibrationPrior),
      pending: estimateAccuracy(this.pendingConf, this.calCounts, st.calibrationPrior),
    };
    if (conf.total === 0 && c.predictions > 0) report.notes.push('no prediction carried ml.prediction.confidence: accuracy cannot be estimated before labels arrive');
    report.calibration = calibrationReport(this.calCounts, st.calibrationPrior);
    report.changeDetection = this.changeDetection();
    return report;
  }

  /**
   * Accuracy estimated for another population of predictions, e.g. all
   * traffic from the `ml.prediction.confidence` histogram (see
   * {@link ConfidenceCounts.fromHistogram}), with this model's calibration.
   */
  estimate(population: ConfidenceCounts): AccuracyEstimate {
    return estimateAccuracy(population, this.calCounts, this.settings.calibrationPrior);
  }

  private changeDetection(): ChangeDetection {
    const a = this.adwin;
    const last = a.last;
    return {
      method: 'adwin',
      delta: a.delta,
      state: last ? last.direction : 'stable',
      windowLength: a.width,
      windowAccuracy: a.mean,
      changes: a.changes,
      drops: a.drops,
      lastChange: last ? { ...last, time: iso(this.lastChangeTime ?? 0) } : null,
    };
  }

  /** Everything needed to resume, as JSON-serialisable data. */
  snapshot(): QualitySnapshot {
    const tuple = ([id, o]: [string, Outcome]): OutcomeTuple => [id, o.t, o.j, o.p, o.v, o.c, o.s];
    return {
      format: QUALITY_SNAPSHOT_FORMAT,
      task: this.settings.task,
      counters: { ...this.counters },
      pending: [...this.pending.entries()].map(([id, p]) => [id, p.t, p.r, p.p, p.c, p.s]),
      early: [...this.early.entries()].map(([id, e]) => [id, e.v, e.r]),
      joined: [...this.joined.entries()].map(tuple),
      rolling: this.rolling.list().map(tuple),
      calibration: this.calibration.list().map(tuple),
      rollingAcc: { ...this.rollingAcc },
      pendingConfidences: this.pendingConf.toJSON(),
      calibrationCounts: [...this.calCounts.toJSON(), Array.from(this.calCounts.correct)],
      slots: [...this.slots].map(([k, s]) => [k, { ...s.all }, [...s.seg].map(([n, a]) => [n, { ...a }]), [...s.confusion], s.conf.toJSON()]),
      lifetime: { ...this.lifetime },
      segments: [...this.segments],
      classes: [...this.classes],
      adwin: this.adwin.snapshot(),
      lastChangeTime: this.lastChangeTime,
      slo: this.slo?.snapshot() ?? null,
    };
  }

  /**
   * A tracker resumed from a snapshot, with (possibly changed) options.
   * @throws Error when the snapshot is not a quality snapshot or is for another task
   */
  static restore(options: QualityOptions, s: QualitySnapshot): QualityTracker {
    if (s?.format !== QUALITY_SNAPSHOT_FORMAT) throw new Error(`not a quality snapshot (format ${JSON.stringify(s?.format)}, expected ${QUALITY_SNAPSHOT_FORMAT})`);
    const q = new QualityTracker(options);
    if (s.task !== q.task) throw new Error(`quality snapshot is for a ${s.task} model but the model is configured for ${q.task}`);
    Object.assign(q.counters, s.counters);
    for (const [id, t, r, p, c, seg] of s.pending) q.pending.set(id, { t, r, p, c, s: seg });
    const pc = ConfidenceCounts.from(s.pendingConfidences);
    q.pendingConf.counts.set(pc.counts);
    q.pendingConf.sums.set(pc.sums);
    for (const [id, v, r] of s.early) q.early.set(id, { v, r });
    const outcome = ([, t, j, p, v, c, seg]: OutcomeTuple): Outcome => ({ t, j, p, v, c, s: seg });
    for (const o of s.joined) q.joined.set(o[0], outcome(o));
    q.rolling.load(s.rolling.map((o) => [o[0], q.joined.get(o[0]) ?? outcome(o)]));
    q.calibration.load(s.calibration.map((o) => [o[0], q.joined.get(o[0]) ?? outcome(o)]));
    Object.assign(q.rollingAcc, s.rollingAcc);
    const [counts, sums, correct] = s.calibrationCounts;
    q.calCounts.counts.set(counts.slice(0, CALIBRATION_BUCKETS));
    q.calCounts.sums.set(sums.slice(0, CALIBRATION_BUCKETS));
    q.calCounts.correct.set(correct.slice(0, CALIBRATION_BUCKETS));
    for (const [k, all, seg, confusion, conf] of s.slots) {
      q.slots.set(k, { all: { ...all }, seg: new Map(seg.map(([n, a]) => [n, { ...a }])), confusion: new Map(confusion), conf: ConfidenceCounts.from(conf, CALIBRATION_BUCKETS) });
    }
    Object.assign(q.lifetime, s.lifetime);
    for (const v of s.segments) q.segments.add(v);
    for (const v of s.classes) q.classes.add(v);
    q.adwin = Adwin.restore(s.adwin);
    q.lastChangeTime = s.lastChangeTime;
    if (s.slo) (q.slo = new SloHistory(2, q.settings.sloPeriod)).restore(s.slo);
    return q;
  }
}

function confusionMatrix(cells: Map<string, number>): ConfusionMatrix {
  const labels = new Set<string>();
  for (const [key, n] of cells) {
    if (n === 0) continue;
    const [t, p] = key.split('\u0000') as [string, string];
    labels.add(t);
    labels.add(p);
  }
  const sorted = [...labels].sort();
  const index = new Map(sorted.map((l, i) => [l, i]));
  const counts = sorted.map(() => new Array<number>(sorted.length).fill(0));
  for (const [key, n] of cells) {
    if (n === 0) continue;
    const [t, p] = key.split('\u0000') as [string, string];
    (counts[index.get(t) as number] as number[])[index.get(p) as number] = n;
  }
  return { labels: sorted, counts };
}

function classScores(m: ConfusionMatrix): ClassScores[] {
  return m.labels.map((label, i) => {
    const row = m.counts[i] as number[];
    const tp = row[i] as number;
    const support = row.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (const r of m.counts) predicted += r[i] as number;
    const precision = predicted > 0 ? tp / predicted : null;
    const recall = support > 0 ? tp / support : null;
    const f1 = precision === null || recall === null ? null : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support, predicted };
  });
}
