import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { decodeDriftEvent, decodeVersionEvent, encodeDriftEvent, encodeVersionEvent } from '../../../src/core/index.js';
import type { VersionEvent } from '../../../src/core/index.js';

const event: VersionEvent = {
  model: 'sea',
  version: '1.4',
  parents: ['1.3'],
  uri: 's3://bucket/sea/versions/1.4/',
  createdAt: '2026-11-22T06:00:00.000Z',
  samplesTotal: 40_000,
  samplesSinceParent: 10_000,
  metrics: { accuracy: 0.87, auc_window: Number.NaN },
  offsets: [{ topic: 'events', partition: 2, from: '30000', to: '40000' }],
  trigger: 'samples',
  triggerDetail: null,
};

describe('event codecs', () => {
  it('round-trips a version event and drops non-finite metrics', () => {
    const back = decodeVersionEvent(encodeVersionEvent(event));
    expect(back).toEqual({ ...event, metrics: { accuracy: 0.87 } });
  });

  it('round-trips the key of a keyed model, and reads an event without one as unkeyed', () => {
    expect(decodeVersionEvent(encodeVersionEvent({ ...event, key: 'eu/west' }))).toEqual({ ...event, metrics: { accuracy: 0.87 }, key: 'eu/west' });
    expect('key' in decodeVersionEvent(encodeVersionEvent(event))).toBe(false);
  });

  it('is readable by any Avro reader holding only the schema file (no streamtrain code)', () => {
    const schema = JSON.parse(readFileSync(new URL('../../../schemas/model-version.avsc', import.meta.url), 'utf8'));
    const plain = avro.Type.forSchema(schema, { wrapUnions: true }).fromBuffer(encodeVersionEvent(event)) as Record<string, unknown>;
    expect(plain.version).toBe('1.4');
    expect(plain.samplesTotal).toBe(40_000);
  });

  it('round-trips a drift event', () => {
    const e = {
      model: 'sea',
      version: '1.2',
      detector: 'adwin',
      signal: 'error',
      at: '2026-11-22T06:00:00.000Z',
      samples: 12_600,
      scores: { width: 900 },
      offsets: [{ topic: 't', partition: 0, from: '12544', to: '12800' }],
      response: 'challenger',
    };
    expect(decodeDriftEvent(encodeDriftEvent(e))).toEqual(e);
  });
});
