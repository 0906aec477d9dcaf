import type { ModelSnapshot } from '../core/index.js';

/** A model snapshot as plain JSON (binary parts in base64), to travel inside the manager's checkpoint state. */
export interface SnapshotJson {
  readonly topology: unknown;
  readonly weightSpecs: ModelSnapshot['weightSpecs'];
  readonly weightData: string;
  readonly optimizer: Omit<ModelSnapshot['optimizer'], 'data'> & { readonly data: string };
  /** The learner state (JSON already); absent in snapshots written before it. */
  readonly learner?: unknown;
}

export function snapshotToJson(s: ModelSnapshot): SnapshotJson {
  return {
    topology: s.topology,
    weightSpecs: s.weightSpecs,
    weightData: Buffer.from(s.weightData).toString('base64'),
    optimizer: { ...s.optimizer, data: Buffer.from(s.optimizer.data).toString('base64') },
    ...(s.learner !== undefined ? { learner: s.learner } : {}),
  };
}

export function snapshotFromJson(j: SnapshotJson): ModelSnapshot {
  return {
    topology: j.topology,
    weightSpecs: j.weightSpecs,
    weightData: toArrayBuffer(Buffer.from(j.weightData, 'base64')),
    optimizer: { ...j.optimizer, data: toArrayBuffer(Buffer.from(j.optimizer.data, 'base64')) },
    ...(j.learner !== undefined ? { learner: j.learner } : {}),
  };
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  const out = new ArrayBuffer(b.byteLength);
  new Uint8Array(out).set(b);
  return out;
}
