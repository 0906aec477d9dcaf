/**
 * Drift detection, pure TypeScript (no tfjs, no Kafka): concept-drift detectors on the error stream
 * (1 = error, 0 = correct) with River's semantics and defaults, and data drift (PSI, KS) of inputs or
 * predictions against a reference kept as sketches. Every detector and monitor snapshots to plain JSON and
 * restores to continue exactly where it stopped. This barrel is the only way in.
 */
export { DETECTOR_KINDS, MAX_ABS_VALUE } from './detector.js';
export type { DetectorKind, DetectorSnapshot, DetectorStatus, DriftDetector, JsonValue } from './detector.js';

export { AdwinDetector, ADWIN_DEFAULTS, type AdwinParams } from './adwin.js';
export { DdmDetector, DDM_DEFAULTS, type DdmParams } from './ddm.js';
export { EddmDetector, EDDM_DEFAULTS, type EddmParams } from './eddm.js';
export { HddmADetector, HDDM_A_DEFAULTS, type HddmAParams } from './hddm-a.js';
export { HddmWDetector, HDDM_W_DEFAULTS, type HddmWParams } from './hddm-w.js';
export { PageHinkleyDetector, PAGE_HINKLEY_DEFAULTS, type PageHinkleyMode, type PageHinkleyParams } from './page-hinkley.js';
export { KswinDetector, KSWIN_DEFAULTS, type KswinParams } from './kswin.js';
export { createDetector, restoreDetector, type DetectorByKind, type DetectorParamsByKind } from './registry.js';

export { FeatureSketch, type FeatureSketchJSON } from './feature-sketch.js';
export { psi, psiLevel, PSI_EPSILON, PSI_MAJOR, PSI_MODERATE, type PsiLevel } from './psi.js';
export { exactEqualSizePValue, kolmogorovSurvival, ksTestBinned, ksTestEqualSize, type KsResult } from './ks.js';
export {
  DataDriftMonitor,
  DATA_DRIFT_DEFAULTS,
  type DataDriftMonitorOptions,
  type DataDriftMonitorSnapshot,
  type DataDriftReport,
  type FeatureDrift,
} from './data-drift-monitor.js';

export { PythonRandom, type PythonRandomState } from './python-random.js';

export { chiSquare1Sf, erfc, logGamma, regularizedBeta, studentTTwoSided, studentTUpperQuantile } from './distributions.js';
