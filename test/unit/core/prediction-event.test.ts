import { readFileSync } from 'node:fs';
import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePredictionEvent, encodePredictionEvent, type PredictionEvent } from '../../../src/core/index.js';

const served: PredictionEvent = {
  requestId: 'req-42',
  key: 'user-7',
  model: 'sea',
  version: '3.12',
  servedAt: Date.parse('2026-11-22T06:00:00.000Z'),
  output: Float32Array.from([0.25, 0.75]),
  predictedClass: 1,
  features: Float32Array.from([1.5, -2.25, 1e-7]),
};

describe('prediction record codec', () => {
  it('round-trips a record with every field', () => {
    expect(decodePredictionEvent(encodePredictionEvent(served))).toEqual(served);
  });

  it('leaves absent optional fields absent: no key, no model key, no class, no features', () => {
    const bare: PredictionEvent = { requestId: 'r', model: 'm', version: '1.0', servedAt: 0, output: Float32Array.from([3.5]) };
    const back = decodePredictionEvent(encodePredictionEvent(bare));
    expect(back).toEqual(bare);
    for (const field of ['key', 'modelKey', 'predictedClass', 'features']) expect(field in back).toBe(false);
  });

  it('is readable by any Avro reader holding only the schema file, features null when not logged', () => {
    const schema = JSON.parse(readFileSync(new URL('../../../schemas/prediction.avsc', import.meta.url), 'utf8'));
    const { features: _f, ...withoutFeatures } = served;
    const plain = avro.Type.forSchema(schema, { wrapUnions: true }).fromBuffer(encodePredictionEvent({ ...withoutFeatures, modelKey: 'eu' })) as Record<
      string,
      unknown
    >;
    expect(plain.requestId).toBe('req-42');
    expect(plain.version).toBe('3.12');
    expect(plain.modelKey).toEqual({ string: 'eu' });
    expect(plain.features).toBeNull();
  });

  it('round-trips any float32 vectors bit for bit (property)', () => {
    const vector = fc.array(fc.float(), { maxLength: 64 }).map((xs) => Float32Array.from(xs));
    fc.assert(
      fc.property(
        fc.record(
          {
            requestId: fc.string(),
            key: fc.string(),
            model: fc.string({ minLength: 1 }),
            modelKey: fc.string(),
            version: fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => `${a}.${b}`),
            servedAt: fc.integer({ min: 0, max: 2 ** 50 }),
            output: vector,
            predictedClass: fc.nat(),
            features: vector,
          },
          { requiredKeys: ['requestId', 'model', 'version', 'servedAt', 'output'] },
        ),
        (e) => {
          const back = decodePredictionEvent(encodePredictionEvent(e));
          expect(back).toEqual(e);
          // toEqual treats NaN as NaN but the bits are the contract: compare them.
          expect(new Uint8Array(back.output.buffer)).toEqual(new Uint8Array(e.output.buffer));
          if (e.features) expect(new Uint8Array((back.features as Float32Array).buffer)).toEqual(new Uint8Array(e.features.buffer));
        },
      ),
      { numRuns: 300 },
    );
  });
});
