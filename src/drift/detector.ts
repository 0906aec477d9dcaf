/**
 * Concept-drift detectors: the common contract.
 *
 * A detector watches one numeric stream, one value per {@link DriftDetector.update} call. For the error stream of
 * a classifier the convention is **1 = error, 0 = correct** (for a regressor, the absolute error). The binary
 * detectors (DDM, EDDM, HDDM-A, HDDM-W) assume values in [0, 1] and clamp anything outside; ADWIN, Page-Hinkley
 * and KSWIN take any real value (ADWIN and Page-Hinkley clamp to ±{@link MAX_ABS_VALUE}).
 *
 * Semantics follow River's `drift` module so that River's test vectors hold: `drift` is true only on the update
 * that found the change, and the detector forgets its past on the *next* update (the values before the change
 * belong to the old concept). Non-finite values (NaN, ±Infinity) are never learned: they are counted in
 * `ignored`, leave the state untouched and report no drift, so the state can never become NaN.
 *
 * @see River `river.drift` (https://riverml.xyz), whose defaults and update rules these classes reproduce.
 */

export type DetectorKind = 'adwin' | 'ddm' | 'eddm' | 'hddm-a' | 'hddm-w' | 'page-hinkley' | 'kswin';

/** Every kind, in a stable order. */
export const DETECTOR_KINDS: readonly DetectorKind[] = ['adwin', 'ddm', 'eddm', 'hddm-a', 'hddm-w', 'page-hinkley', 'kswin'];

/**
 * Finite inputs beyond ±1e100 are clamped by the real-valued detectors that sum squares (ADWIN, Page-Hinkley):
 * squares of such values summed over billions of samples stay below the float64 limit, so no statistic can reach
 * Infinity and then NaN (Infinity - Infinity).
 */
export const MAX_ABS_VALUE = 1e100;

export interface DetectorStatus {
  readonly drift: boolean;
  readonly warning: boolean;
}

/** A JSON value: what snapshots are made of. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * Everything needed to rebuild a detector that continues exactly as the original would. Plain JSON: numbers
 * that JSON cannot carry (±Infinity, -0) are written as the strings `"Infinity"`, `"-Infinity"`, `"-0"`.
 */
export interface DetectorSnapshot {
  readonly kind: DetectorKind;
  readonly params: { readonly [key: string]: JsonValue };
  readonly state: { readonly [key: string]: JsonValue };
}

export interface DriftDetector {
  readonly kind: DetectorKind;
  /** Learns one value; returns whether this value revealed a drift (and whether the detector is in warning). */
  update(value: number): DetectorStatus;
  /** A drift was found by the last update. */
  readonly drift: boolean;
  /** The last update left the detector in its warning zone (always false for detectors without one). */
  readonly warning: boolean;
  /** Values learned since the last reset (an automatic reset after a drift counts). */
  readonly samples: number;
  /** Non-finite values seen and skipped since construction or the last {@link DriftDetector.reset}. */
  readonly ignored: number;
  /** Back to the state of a new detector with the same parameters. */
  reset(): void;
  snapshot(): DetectorSnapshot;
}
