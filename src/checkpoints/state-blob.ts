import type { ModelSnapshot } from '../core/index.js';
import { CheckpointIntegrityError } from '../core/index.js';

/**
 * `state.bin`: what a restarted service needs beyond the weights to continue exactly where it stopped:
 * optimizer slots (binary), the learner's own state (the snapshot's `learner`, JSON: weight averages, trained
 * weights, selector, standardizer, with its own format version) and the service's state (JSON: metrics and the
 * drift machinery's counters and sketches, never raw records).
 * Layout: 4-byte little-endian header length, UTF-8 JSON header, then the optimizer tensor bytes. A blob written
 * before the learner state existed has no `learner`: the learner reads its state from the optimizer's then.
 */
export interface StateBlob {
  readonly optimizer: ModelSnapshot['optimizer'];
  readonly learner?: unknown;
  readonly state: unknown;
}

export function encodeState(blob: StateBlob): Uint8Array {
  const { data, ...optimizerHeader } = blob.optimizer;
  const header = new TextEncoder().encode(
    JSON.stringify({ format: 1, optimizer: optimizerHeader, ...(blob.learner !== undefined ? { learner: blob.learner } : {}), state: blob.state }),
  );
  const out = new Uint8Array(4 + header.byteLength + data.byteLength);
  new DataView(out.buffer).setUint32(0, header.byteLength, true);
  out.set(header, 4);
  out.set(new Uint8Array(data), 4 + header.byteLength);
  return out;
}

export function decodeState(bytes: Uint8Array): StateBlob {
  if (bytes.byteLength < 4) throw new CheckpointIntegrityError('state.bin is truncated');
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + len > bytes.byteLength) throw new CheckpointIntegrityError('state.bin header runs past the end of the blob');
  let header: { format: number; optimizer: Omit<ModelSnapshot['optimizer'], 'data'>; learner?: unknown; state: unknown };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + len)));
  } catch (cause) {
    throw new CheckpointIntegrityError('state.bin header is not valid JSON', { cause });
  }
  if (header.format !== 1) throw new CheckpointIntegrityError(`state.bin format ${String(header.format)} is not supported by this version`);
  const data = bytes.slice(4 + len).buffer;
  return { optimizer: { ...header.optimizer, data }, ...(header.learner !== undefined ? { learner: header.learner } : {}), state: header.state };
}
