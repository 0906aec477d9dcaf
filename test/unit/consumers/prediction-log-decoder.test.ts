import { describe, expect, it } from 'vitest';
import { DecodeError, encodePredictionEvent, parseConfig, type PredictionEvent } from '../../../src/core/index.js';
import { JoinRecordDecoder, decodeLoggedFeature } from '../../../src/consumers/index.js';

const served: PredictionEvent = {
  requestId: 'r-1',
  model: 'm',
  version: '1.3',
  servedAt: 1_700_000_000_000,
  output: Float32Array.of(0.75),
  predictedClass: 1,
  features: Float32Array.of(0.5, -1, 2),
};

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return `${(err as DecodeError).reason}: ${(err as Error).message}`;
  }
  throw new Error('expected a DecodeError');
}

describe('prediction-log feature records', () => {
  it('give the request id, the logged row and what was served', () => {
    const f = decodeLoggedFeature(encodePredictionEvent(served), 3);
    expect(f.id).toBe('r-1');
    expect([...f.row]).toEqual([0.5, -1, 2]);
    expect(f.served.version).toBe('1.3');
    expect([...f.served.output]).toEqual([0.75]);
  });

  it('dead-letter a record without features, pointing at logFeatures', () => {
    const { features: _features, ...bare } = served;
    const reason = reasonOf(() => decodeLoggedFeature(encodePredictionEvent(bare), 3));
    expect(reason).toMatch(/^no-features: /);
    expect(reason).toContain('logFeatures: true');
  });

  it('dead-letter a row of another width, a non-finite value and a record that is no prediction', () => {
    expect(reasonOf(() => decodeLoggedFeature(encodePredictionEvent(served), 4))).toMatch(/^wrong-size: the logged features have 3 values, the model takes 4/);
    const nan = { ...served, features: Float32Array.of(0, Number.NaN, 1) };
    expect(reasonOf(() => decodeLoggedFeature(encodePredictionEvent(nan), 3))).toMatch(/^non-finite: /);
    expect(reasonOf(() => decodeLoggedFeature(Buffer.from('{"x":1}'), 3))).toMatch(/^undecodable: /);
  });

  it('are what JoinRecordDecoder reads with input.format prediction-log; the labels stay JSON keyed by requestId', async () => {
    const config = parseConfig(
      {
        model: { name: 'm' },
        kafka: { topics: ['predictions'] },
        input: { format: 'prediction-log', width: 3, label: { field: 'clicked' }, labels: { topic: 'outcomes', labelField: 'clicked', maxDelayMs: 1000 } },
      },
      { env: {} },
    );
    const decoder = new JoinRecordDecoder({ input: config.input, label: { task: 'classification', classes: config.model.classes } });
    expect(decoder.width).toBe(3);
    const f = await decoder.feature(encodePredictionEvent(served));
    expect(f).toMatchObject({ id: 'r-1', served: { version: '1.3' } });
    expect(await decoder.label(Buffer.from(JSON.stringify({ requestId: 'r-1', clicked: true })))).toEqual({ id: 'r-1', label: 1 });
    const { features: _features, ...bare } = served;
    const err = await decoder.feature(encodePredictionEvent(bare)).catch((e: unknown) => e);
    const at = { topic: 'predictions', partition: 0, offset: '7', timestamp: 1 };
    expect(decoder.rejection(at, err)).toMatchObject({ kind: 'rejected', ...at, reason: 'no-features' });
  });
});
