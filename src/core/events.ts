import { readFileSync } from 'node:fs';
import avro from 'avsc';
import type { DriftEvent, Interleaving, OffsetRange, PredictionEvent, VersionEvent } from './types.js';

/** The schemas ship in the package's `schemas/` folder, next to `src/` and `dist/`. */
function schema(file: string): avro.Type {
  const path = new URL(`../../schemas/${file}`, import.meta.url);
  return avro.Type.forSchema(JSON.parse(readFileSync(path, 'utf8')) as avro.Schema, { wrapUnions: false });
}

const versionType = schema('model-version.avsc');
const driftType = schema('drift-event.avsc');
const predictionType = schema('prediction.avsc');

const offsetsOut = (o: readonly OffsetRange[]) => o.map((r) => ({ topic: r.topic, partition: r.partition, from: Number(r.from), to: Number(r.to) }));
const offsetsIn = (o: { topic: string; partition: number; from: number; to: number }[]): OffsetRange[] =>
  o.map((r) => ({ topic: r.topic, partition: r.partition, from: String(r.from), to: String(r.to) }));

export function encodeVersionEvent(e: VersionEvent): Buffer {
  return versionType.toBuffer({
    ...e,
    parents: [...e.parents],
    createdAt: Date.parse(e.createdAt),
    metrics: finiteOnly(e.metrics),
    offsets: offsetsOut(e.offsets),
    key: e.key ?? null,
  });
}

export function decodeVersionEvent(bytes: Buffer): VersionEvent {
  const v = versionType.fromBuffer(bytes) as Omit<VersionEvent, 'createdAt' | 'offsets'> & {
    createdAt: number;
    offsets: { topic: string; partition: number; from: number; to: number }[];
  };
  const { key, ...rest } = v as typeof v & { key: string | null };
  return { ...rest, ...(key !== null ? { key } : {}), createdAt: new Date(v.createdAt).toISOString(), offsets: offsetsIn(v.offsets) };
}

export function encodeDriftEvent(e: DriftEvent): Buffer {
  return driftType.toBuffer({ ...e, at: Date.parse(e.at), scores: finiteOnly(e.scores), offsets: offsetsOut(e.offsets) });
}

export function decodeDriftEvent(bytes: Buffer): DriftEvent {
  const v = driftType.fromBuffer(bytes) as Omit<DriftEvent, 'at' | 'offsets'> & {
    at: number;
    offsets: { topic: string; partition: number; from: number; to: number }[];
  };
  return { ...v, at: new Date(v.at).toISOString(), offsets: offsetsIn(v.offsets) };
}

/** Avro bytes of a prediction record; absent optional fields are written as null (no features: null). */
export function encodePredictionEvent(e: PredictionEvent): Buffer {
  return predictionType.toBuffer({
    requestId: e.requestId,
    key: e.key ?? null,
    model: e.model,
    modelKey: e.modelKey ?? null,
    version: e.version,
    servedAt: e.servedAt,
    output: Array.from(e.output),
    predictedClass: e.predictedClass ?? null,
    features: e.features ? Array.from(e.features) : null,
    latencyUs: e.latencyUs ?? null,
    fallbackFrom: e.fallbackFrom ?? null,
    shadow: e.shadow
      ? e.shadow.map((p) => ({ version: p.version, output: Array.from(p.output), predictedClass: p.predictedClass ?? null, latencyUs: p.latencyUs ?? null }))
      : null,
    interleave: e.interleave ? { versions: [...e.interleave.versions], items: [...e.interleave.items], teams: [...e.interleave.teams] } : null,
  });
}

/** Reads a prediction record; null fields are left out, vectors come back as Float32Array. */
export function decodePredictionEvent(bytes: Buffer): PredictionEvent {
  const v = predictionType.fromBuffer(bytes) as {
    requestId: string;
    key: string | null;
    model: string;
    modelKey: string | null;
    version: string;
    servedAt: number;
    output: number[];
    predictedClass: number | null;
    features: number[] | null;
    latencyUs: number | null;
    fallbackFrom: string | null;
    shadow: { version: string; output: number[]; predictedClass: number | null; latencyUs: number | null }[] | null;
    interleave: Interleaving | null;
  };
  return {
    requestId: v.requestId,
    ...(v.key !== null ? { key: v.key } : {}),
    model: v.model,
    ...(v.modelKey !== null ? { modelKey: v.modelKey } : {}),
    version: v.version,
    servedAt: v.servedAt,
    output: Float32Array.from(v.output),
    ...(v.predictedClass !== null ? { predictedClass: v.predictedClass } : {}),
    ...(v.features !== null ? { features: Float32Array.from(v.features) } : {}),
    ...(v.latencyUs !== null ? { latencyUs: v.latencyUs } : {}),
    ...(v.fallbackFrom !== null ? { fallbackFrom: v.fallbackFrom } : {}),
    ...(v.shadow !== null
      ? {
          shadow: v.shadow.map((p) => ({
            version: p.version,
            output: Float32Array.from(p.output),
            ...(p.predictedClass !== null ? { predictedClass: p.predictedClass } : {}),
            ...(p.latencyUs !== null ? { latencyUs: p.latencyUs } : {}),
          })),
        }
      : {}),
    ...(v.interleave !== null ? { interleave: v.interleave } : {}),
  };
}

/** Avro doubles can carry NaN, but downstream JSON tooling chokes on it: undefined metrics are simply absent. */
function finiteOnly(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => Number.isFinite(v)));
}
