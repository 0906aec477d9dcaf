import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../core/index.js';
import { tf } from './tf.js';

/**
 * Loads a user's tfjs LayersModel from a `model.json` on disk (the format `model.save('file://...')` and the
 * tfjs converter write). Pure tfjs has no file:// handler without tfjs-node, so the weight files are read here.
 */
export async function loadModelFile(path: string): Promise<tf.LayersModel> {
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as tf.io.ModelJSON;
  } catch (cause) {
    throw new ConfigError('model.modelPath', `Cannot read the tfjs model at ${path}: expected a model.json written by tfjs or its converter`, { cause });
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new ConfigError('model.modelPath', `${path} is not a tfjs LayersModel model.json (no modelTopology or weightsManifest)`);
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const bytes = await readFile(resolve(dirname(path), p));
      buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
  }
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: tf.io.concatenateArrayBuffers(buffers) }));
}
