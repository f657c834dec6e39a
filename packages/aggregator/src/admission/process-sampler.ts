/**
 * Samples the aggregator's own process: its resident memory every 250 ms (for
 * the memory admission rule and `ml.aggregator.memory.rss`) and its event-loop
 * delay over periods of 10 s (`ml.aggregator.eventloop.delay.*`). The timers
 * are unref'd: sampling never keeps the process alive.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** Options of {@link startProcessSampler}. */
export interface ProcessSamplerOptions {
  /** Time between two readings of resident memory, in ms. @default 250 */
  rssIntervalMs?: number;
  /** Length of one event-loop delay period, in ms. @default 10000 */
  delayPeriodMs?: number;
  /** Reads resident memory in bytes (tests replace it). @default process.memoryUsage.rss */
  readRss?: () => number;
  /** Called with each reading of resident memory. */
  onRss?: (bytes: number) => void;
}

/** Event-loop delay over one period. */
export interface EventLoopDelay {
  p99Seconds: number;
  maxSeconds: number;
}

/** A running sampler. */
export interface ProcessSampler {
  /** The latest reading of resident memory, in bytes. */
  readonly residentBytes: number;
  /** The event-loop delay of the last complete period; `undefined` before the first ends. */
  readonly eventLoopDelay: EventLoopDelay | undefined;
  /** Reads resident memory now, as the timer does, and returns it. */
  sample(): number;
  /** Stops both timers. */
  shutdown(): void;
}

/** Resolution of the event-loop delay histogram, in ms (Node's default): a finer one wakes the loop more often. */
const DELAY_RESOLUTION_MS = 10;

/** Starts sampling; the first reading of resident memory is taken at once. */
export function startProcessSampler(options: ProcessSamplerOptions = {}): ProcessSampler {
  const readRss = options.readRss ?? (() => process.memoryUsage.rss());
  let residentBytes = Number.NaN;
  let eventLoopDelay: EventLoopDelay | undefined;
  const sample = (): number => {
    residentBytes = readRss();
    options.onRss?.(residentBytes);
    return residentBytes;
  };
  sample();
  const rssTimer = setInterval(sample, options.rssIntervalMs ?? 250);
  rssTimer.unref();

  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  histogram.enable();
  // A fixed period rather than a reset at each collection: /metrics and the
  // OTLP push read the same gauge, and neither may shorten the other's period.
  const delayTimer = setInterval(() => {
    // The histogram is in nanoseconds; it is empty when the loop was blocked the whole period.
    if (histogram.count > 0) eventLoopDelay = { p99Seconds: histogram.percentile(99) / 1e9, maxSeconds: histogram.max / 1e9 };
    histogram.reset();
  }, options.delayPeriodMs ?? 10_000);
  delayTimer.unref();

  return {
    get residentBytes() {
      return residentBytes;
    },
    get eventLoopDelay() {
      return eventLoopDelay;
    },
    sample,
    shutdown() {
      clearInterval(rssTimer);
      clearInterval(delayTimer);
      histogram.disable();
    },
  };
}
