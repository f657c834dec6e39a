/**
 * Decides which predictions have their features recorded.
 *
 * Recording a feature vector costs one histogram measurement per feature, so
 * recording every vector makes monitoring overhead grow with traffic. The
 * adaptive mode keeps about `targetPerSecond` vectors per second whatever the
 * traffic: it measures the call rate over one-second windows and samples each
 * call independently with probability min(1, target / rate). Independent
 * (Bernoulli) sampling keeps the sample representative of the traffic, which a
 * "first N per second" rate limiter would not be under bursty load.
 *
 * Cost on the hot path: one decrement and one compare. Instead of drawing a
 * random number per call, the sampler draws the gap to the next sampled call
 * from the geometric distribution, which is the same Bernoulli process. The
 * clock is read every 16 calls, and when a window's sample budget is spent.
 * @module
 */

/** How often (in calls) the clock is read when no sample was taken; a power of two. */
const CLOCK_EVERY = 16;
const WINDOW_MS = 1000;

/** Options of {@link FeatureSampler}. */
export interface FeatureSamplerOptions {
  /** Adaptive mode: feature vectors per second to aim for. Exclusive with `rate`. */
  targetPerSecond?: number;
  /** Fixed mode: probability of recording each call's features, 0..1. */
  rate?: number;
  /** Milliseconds, monotonic. @default performance.now */
  now?: () => number;
  /** Uniform in [0, 1). @default Math.random */
  random?: () => number;
}

/** Per-call Bernoulli sampler with a fixed or traffic-adaptive probability. */
export class FeatureSampler {
  private readonly target: number | undefined;
  private readonly now: () => number;
  private readonly random: () => number;
  private probability: number;
  /** Calls left until the next sampled one (1 = the next call is sampled). */
  private gap = 1;
  private calls = 0;
  private windowStart: number;
  private windowCalls = 0;
  private windowSampled = 0;

  constructor(options: FeatureSamplerOptions) {
    this.now = options.now ?? (() => performance.now());
    this.random = options.random ?? Math.random;
    this.target = options.rate === undefined ? (options.targetPerSecond ?? 20) : undefined;
    // Adaptive mode starts by sampling everything: at low traffic that is the
    // right answer, and at high traffic the in-window budget check below
    // lowers the rate as soon as the target is reached.
    this.probability = options.rate ?? 1;
    this.windowStart = this.target === undefined ? 0 : this.now();
    this.gap = this.drawGap();
  }

  /** The current sampling probability. */
  get rate(): number {
    return this.probability;
  }

  /** Whether to record this call's features. Call exactly once per prediction. */
  sample(): boolean {
    if (this.target !== undefined) {
      this.calls++;
      if ((this.calls & (CLOCK_EVERY - 1)) === 0) this.checkWindow(false);
    }
    if (--this.gap > 0) return false;
    this.gap = this.drawGap();
    if (this.target !== undefined && ++this.windowSampled >= this.target) this.checkWindow(true);
    return true;
  }

  /**
   * Re-estimates the call rate when the window is over, or early when the
   * window's budget of samples is already spent (a traffic surge).
   */
  private checkWindow(overBudget: boolean): void {
    const target = this.target as number;
    const t = this.now();
    const elapsed = t - this.windowStart;
    if (!(elapsed >= WINDOW_MS || (overBudget && elapsed > 0))) return;
    const calls = this.calls - this.windowCalls;
    const perSecond = (calls * 1000) / elapsed;
    const p = perSecond > target ? target / perSecond : 1;
    this.windowStart = t;
    this.windowCalls = this.calls;
    this.windowSampled = 0;
    if (p !== this.probability) {
      this.probability = p;
      // The gap is memoryless, so redrawing it at the new probability keeps the
      // process Bernoulli(p) from here on.
      this.gap = this.drawGap();
    }
  }

  /** Calls until the next sampled one: 1 + Geometric(p) failures. */
  private drawGap(): number {
    const p = this.probability;
    if (p >= 1) return 1;
    if (p <= 0) return Number.POSITIVE_INFINITY;
    const u = 1 - this.random(); // in (0, 1], so the log is finite
    return 1 + Math.floor(Math.log(u) / Math.log1p(-p));
  }
}
