/**
 * Builds detectors by kind (from configuration) and rebuilds them from snapshots (from checkpoints).
 */
import { ConfigError, describeValue } from '../core/errors.js';
import { AdwinDetector, type AdwinParams } from './adwin.js';
import { DdmDetector, type DdmParams } from './ddm.js';
import { DETECTOR_KINDS, type DetectorKind, type DetectorSnapshot, type DriftDetector } from './detector.js';
import { EddmDetector, type EddmParams } from './eddm.js';
import { HddmADetector, type HddmAParams } from './hddm-a.js';
import { HddmWDetector, type HddmWParams } from './hddm-w.js';
import { KswinDetector, type KswinParams } from './kswin.js';
import { PageHinkleyDetector, type PageHinkleyParams } from './page-hinkley.js';
import { checkOneOf } from './params.js';

export interface DetectorParamsByKind {
  adwin: AdwinParams;
  ddm: DdmParams;
  eddm: EddmParams;
  'hddm-a': HddmAParams;
  'hddm-w': HddmWParams;
  'page-hinkley': PageHinkleyParams;
  kswin: KswinParams;
}

export interface DetectorByKind {
  adwin: AdwinDetector;
  ddm: DdmDetector;
  eddm: EddmDetector;
  'hddm-a': HddmADetector;
  'hddm-w': HddmWDetector;
  'page-hinkley': PageHinkleyDetector;
  kswin: KswinDetector;
}

type Loose = Readonly<Record<string, unknown>>;

const FACTORIES: { readonly [K in DetectorKind]: (params: Loose) => DetectorByKind[K] } = {
  adwin: (p) => new AdwinDetector(p as Partial<AdwinParams>),
  ddm: (p) => new DdmDetector(p as Partial<DdmParams>),
  eddm: (p) => new EddmDetector(p as Partial<EddmParams>),
  'hddm-a': (p) => new HddmADetector(p as Partial<HddmAParams>),
  'hddm-w': (p) => new HddmWDetector(p as Partial<HddmWParams>),
  'page-hinkley': (p) => new PageHinkleyDetector(p as Partial<PageHinkleyParams>),
  kswin: (p) => new KswinDetector(p as Partial<KswinParams>),
};

const RESTORERS: { readonly [K in DetectorKind]: (snapshot: DetectorSnapshot) => DetectorByKind[K] } = {
  adwin: AdwinDetector.restore,
  ddm: DdmDetector.restore,
  eddm: EddmDetector.restore,
  'hddm-a': HddmADetector.restore,
  'hddm-w': HddmWDetector.restore,
  'page-hinkley': PageHinkleyDetector.restore,
  kswin: KswinDetector.restore,
};

/**
 * A new detector of the given kind; absent parameters take River's defaults. Throws {@link ConfigError} on an
 * unknown kind, an unknown parameter name or a value out of range.
 */
export function createDetector<K extends DetectorKind>(kind: K, params?: Partial<DetectorParamsByKind[K]>): DetectorByKind[K];
export function createDetector(kind: string, params?: Loose): DriftDetector;
export function createDetector(kind: string, params: Loose = {}): DriftDetector {
  const k = checkOneOf('kind', kind, DETECTOR_KINDS);
  return FACTORIES[k](params);
}

/**
 * The detector a snapshot was taken of, continuing exactly where it stopped. The snapshot is checked first
 * (kind, parameters, every state field), so a corrupt or foreign one fails with {@link ConfigError} instead of
 * producing a detector with NaN inside.
 */
export function restoreDetector(snapshot: unknown): DriftDetector {
  if (typeof snapshot !== 'object' || snapshot === null || Array.isArray(snapshot)) {
    throw new ConfigError('snapshot', `Expected \`snapshot\` to be a detector snapshot object, got \`${describeValue(snapshot)}\``);
  }
  const s = snapshot as Partial<DetectorSnapshot>;
  const kind = checkOneOf('snapshot.kind', s.kind, DETECTOR_KINDS);
  if (typeof s.params !== 'object' || s.params === null || Array.isArray(s.params)) {
    throw new ConfigError('snapshot.params', `Expected \`snapshot.params\` to be an object, got \`${describeValue(s.params)}\``);
  }
  return RESTORERS[kind](s as DetectorSnapshot);
}
