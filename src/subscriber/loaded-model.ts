// Prediction needs tfjs-core, the layers API (to load a LayersModel) and a backend: not the union package
// `@tensorflow/tfjs`, which also loads tfjs-data, the graph-model converter and the WebGL backend (about half
// its import time). The instances are the ones the learner's `@tensorflow/tfjs` uses, so one process can hold both.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import type { FeatureSpec, InputConfig, ModelConfig } from '../core/index.js';
import { parseVersion } from '../core/index.js';
import type { LoadedCheckpoint } from '../checkpoints/index.js';
import { FeatureExtractor } from '../consumers/index.js';

/** One version loaded for prediction. */
export interface Live {
  /** The key whose model this is ('' for a model without keys). */
  readonly key: string;
  readonly version: string;
  readonly major: number;
  /** When the trainer wrote the version (the manifest's ISO time). */
  readonly createdAt: string;
  /** From the manifest's model spec, when it has one. */
  readonly task?: 'classification' | 'regression';
  readonly model: LayersModel;
  readonly extractor?: FeatureExtractor;
  readonly width: number;
}

/** Builds the LayersModel of a checkpoint, and the feature extractor of its manifest's spec. */
export async function loadLive(key: string, c: LoadedCheckpoint): Promise<Live> {
  const model = await loadLayersModel(
    tf.io.fromMemory({
      modelTopology: c.snapshot.topology as tf.io.ModelJSON['modelTopology'],
      weightSpecs: [...c.snapshot.weightSpecs],
      weightData: c.snapshot.weightData,
    }),
  );
  const spec = c.manifest.modelSpec as { model?: ModelConfig; input?: Pick<InputConfig, 'features' | 'label' | 'missing'> } | undefined;
  const extractor =
    spec?.model && spec.input
      ? new FeatureExtractor({ ...spec.input, features: spec.input.features as FeatureSpec[] }, { task: spec.model.task, classes: spec.model.classes })
      : undefined;
  const shape = model.inputs[0]?.shape ?? [];
  return {
    key,
    version: c.manifest.version,
    createdAt: c.manifest.createdAt,
    major: parseVersion(c.manifest.version)?.major ?? 0,
    model,
    width: shape[shape.length - 1] ?? 0,
    ...(extractor ? { extractor } : {}),
    ...(spec?.model?.task ? { task: spec.model.task } : {}),
  };
}

/** Output rows for row-major input vectors, in one synchronous call. */
export function predictWith(live: Live, features: Float32Array | number[][], width?: number): Float32Array {
  return tf.tidy(() => {
    const w = width ?? live.width;
    const x = Array.isArray(features) ? tf.tensor2d(features) : tf.tensor2d(features, [features.length / w, w]);
    return (live.model.predict(x) as tf.Tensor).dataSync() as Float32Array;
  });
}

/** Output rows for raw records, through the checkpoint's feature spec. */
export function recordsWith(live: Live, records: readonly Record<string, unknown>[]): Float32Array {
  const extractor = live.extractor;
  if (!extractor) throw new TypeError('this checkpoint carries no feature spec; use predict() with vectors');
  const width = extractor.width;
  const rows = new Float32Array(records.length * width);
  records.forEach((r, i) => rows.set(extractor.features(r), i * width));
  return predictWith(live, rows, width);
}

let backendReady: Promise<void> | undefined;

/** WebAssembly when available (faster for small dense models), else the pure-JS cpu backend. */
export function ensureBackend(): Promise<void> {
  backendReady ??= (async () => {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) return;
    } catch {
      // fall through to cpu
    }
    await tf.setBackend('cpu');
  })();
  return backendReady;
}
