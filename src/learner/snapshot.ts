import type { ModelSnapshot, TensorSpec } from '../core/index.js';
import { CheckpointIntegrityError } from '../core/index.js';
import { tf } from './tf.js';

export interface NamedTensor {
  readonly name: string;
  readonly tensor: tf.Tensor;
}

/** Serializes a LayersModel the way tfjs itself saves it (model.json topology + weight specs + one buffer). */
export async function saveModelArtifacts(model: tf.LayersModel): Promise<Pick<ModelSnapshot, 'topology' | 'weightSpecs' | 'weightData'>> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!captured?.weightSpecs || !captured.weightData) throw new CheckpointIntegrityError('tfjs returned no weights when saving the model');
  const weightData = new tf.io.CompositeArrayBuffer(captured.weightData).slice();
  return { topology: captured.modelTopology, weightSpecs: captured.weightSpecs as ModelSnapshot['weightSpecs'], weightData };
}

/** Builds a LayersModel from saved artifacts. */
export async function loadModelArtifacts(s: Pick<ModelSnapshot, 'topology' | 'weightSpecs' | 'weightData'>): Promise<tf.LayersModel> {
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: s.topology as tf.io.ModelJSON['modelTopology'], weightSpecs: [...s.weightSpecs], weightData: s.weightData }),
  );
}

/** Packs named tensors into one buffer plus specs. */
export async function packTensors(named: readonly NamedTensor[]): Promise<{ tensors: TensorSpec[]; data: ArrayBuffer }> {
  const specs: TensorSpec[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const { name, tensor } of named) {
    const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
    const values = dtype === 'int32' ? Int32Array.from(await tensor.data()) : Float32Array.from(await tensor.data());
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    specs.push({ name, shape: tensor.shape, dtype, byteOffset: offset, byteLength: bytes.byteLength });
    parts.push(bytes);
    offset += bytes.byteLength;
  }
  const data = new Uint8Array(offset);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.byteLength;
  }
  return { tensors: specs, data: data.buffer };
}

/** Inverse of packTensors; the caller owns (and disposes) the tensors. */
export function unpackTensors(specs: readonly TensorSpec[], data: ArrayBuffer): NamedTensor[] {
  return specs.map((s) => {
    if (s.byteOffset + s.byteLength > data.byteLength) throw new CheckpointIntegrityError(`Optimizer tensor ${s.name} lies outside the state blob`);
    const slice = data.slice(s.byteOffset, s.byteOffset + s.byteLength);
    const values = s.dtype === 'int32' ? new Int32Array(slice) : new Float32Array(slice);
    return { name: s.name, tensor: tf.tensor(values, [...s.shape], s.dtype) };
  });
}

/** True when every float in the buffer is finite: a checkpoint with NaN or Infinity is never written. */
export function allFinite(specs: ModelSnapshot['weightSpecs'], data: ArrayBuffer): boolean {
  let offset = 0;
  for (const s of specs) {
    const count = s.shape.reduce((a, b) => a * b, 1);
    if (s.dtype === 'float32') {
      const view = new Float32Array(data, offset, count);
      for (let i = 0; i < view.length; i++) if (!Number.isFinite(view[i] as number)) return false;
    }
    offset += count * 4;
  }
  return true;
}
