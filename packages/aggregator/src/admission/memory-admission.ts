/**
 * The memory admission rule, pure: the process's resident memory, the limit,
 * the time and the previous state in; whether new requests are refused out.
 *
 * The limit is what resident memory must stay under, so refusing starts
 * before it, at {@link REFUSE_FROM} of it: the requests already admitted are
 * still being read and ingested, and the headroom absorbs what they add. A
 * fifth of the limit, as the OpenTelemetry Collector's memory_limiter keeps
 * by default (its spike_limit_mib): in the overload test, 1.5 MB OTLP/JSON
 * requests, four at a time, took memory up to 11% of the limit past the mark.
 *
 * Admitting again needs either memory back under {@link ADMIT_BELOW} of the
 * limit, or memory under the refusal threshold for {@link SETTLE_MS} on end.
 * The second way is there because V8 keeps the pages a collection freed and
 * reuses them for new objects: after a burst, resident memory can stay between
 * the two thresholds for tens of seconds with no request coming in, and a rule
 * on the level alone would refuse all that time. Both ways keep the verdict
 * from flipping on each sample while memory hovers around the threshold.
 */

/** Share of the limit from which new requests are refused. */
export const REFUSE_FROM = 0.8;

/** Share of the limit under which a refusing aggregator admits requests again at once. */
export const ADMIT_BELOW = 0.7;

/** How long memory must stay under the refusal threshold before a refusing aggregator admits again, in ms. */
export const SETTLE_MS = 2000;

/** The verdict, and what it needs to remember. */
export interface MemoryAdmissionState {
  /** Whether new requests are refused. */
  readonly refusing: boolean;
  /** While refusing: since when (ms) memory has been under the refusal threshold; `null` when it is not. */
  readonly underSince: number | null;
}

/** The state of an aggregator that admits requests. */
export const ADMITTING: MemoryAdmissionState = Object.freeze({ refusing: false, underSince: null });

/**
 * The verdict after one reading of resident memory.
 *
 * @param residentBytes resident set size of the process, in bytes
 * @param limitBytes `limits.maxResidentMemory`; `undefined`: no limit, never refuse
 * @param state the previous state ({@link ADMITTING} at first)
 * @param now time of the reading, in ms
 */
export function memoryAdmission(residentBytes: number, limitBytes: number | undefined, state: MemoryAdmissionState, now: number): MemoryAdmissionState {
  if (limitBytes === undefined) return ADMITTING;
  // A failed reading says nothing: keep the verdict.
  if (!Number.isFinite(residentBytes)) return state;
  const high = residentBytes >= REFUSE_FROM * limitBytes;
  if (!state.refusing) return high ? { refusing: true, underSince: null } : ADMITTING;
  if (residentBytes < ADMIT_BELOW * limitBytes) return ADMITTING;
  if (high) return state.underSince === null ? state : { refusing: true, underSince: null };
  const underSince = state.underSince ?? now;
  return now - underSince >= SETTLE_MS ? ADMITTING : state.underSince === underSince ? state : { refusing: true, underSince };
}
