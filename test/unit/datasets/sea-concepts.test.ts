import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../../src/core/errors.js';
import { seaConcepts, type DatasetRecord } from '../../../src/datasets/index.js';
import { mean, take } from './helpers.js';

const rule = (r: DatasetRecord, threshold: number): number => (r.x1! + r.x2! <= threshold ? 1 : 0);

describe('seaConcepts', () => {
  it('is a pure function of its seed, and replays from the start on every iteration', () => {
    const a = [...seaConcepts({ seed: 11, length: 2000 })];
    const b = [...seaConcepts({ seed: 11, length: 2000 })];
    expect(a).toEqual(b);
    const source = seaConcepts({ seed: 11, length: 2000 });
    expect([...source]).toEqual([...source]);
    expect([...seaConcepts({ seed: 12, length: 2000 })]).not.toEqual(a);
  });

  it('makes records { x1, x2, x3, y } with features in [0, 10) and labels 0/1', () => {
    const source = seaConcepts({ seed: 1, length: 5000 });
    expect(source.fields).toEqual(['x1', 'x2', 'x3']);
    const records = [...source];
    expect(records).toHaveLength(5000);
    const bad = records.filter(
      (r) => Object.keys(r).join() !== 'x1,x2,x3,y' || !(r.y === 0 || r.y === 1) || source.fields.some((f) => !(r[f]! >= 0 && r[f]! < 10)),
    );
    expect(bad).toEqual([]);
  });

  it('drifts every quarter by default, like the shared SEA files', () => {
    expect(seaConcepts({ seed: 1, length: 50_000 }).driftPoints).toEqual([12_500, 25_000, 37_500]);
    expect(seaConcepts({ seed: 1, length: 10 }).driftPoints).toEqual([2, 5, 7]);
    expect(seaConcepts({ seed: 1, length: 2 }).driftPoints).toEqual([1]);
  });

  it('without noise, every label follows x1 + x2 <= θ of its concept (Street & Kim thresholds 8, 9, 7, 9.5)', () => {
    const source = seaConcepts({ seed: 5, length: 40_000, noise: 0 });
    const thresholds = [8, 9, 7, 9.5];
    const wrong = [...source].flatMap((r, t) => (r.y === rule(r, thresholds[Math.floor(t / 10_000)]!) ? [] : [t]));
    expect(wrong).toEqual([]);
    expect(source.thresholdOf(0)).toBe(8);
    expect(source.thresholdOf(5)).toBe(9); // concepts cycle through the thresholds
  });

  it('switches concept exactly at the configured indices (abrupt)', () => {
    // θ = -1 labels everything 0, θ = 21 everything 1: the label is the concept indicator.
    const source = seaConcepts({ seed: 2, length: 1000, noise: 0, driftAt: [100, 250, 251], thresholds: [-1, 21] });
    const labels = [...source].map((r) => r.y);
    expect(source.driftPoints).toEqual([100, 250, 251]);
    expect(labels.indexOf(1)).toBe(100);
    expect(labels.slice(0, 100).every((y) => y === 0)).toBe(true);
    expect(labels.slice(100, 250).every((y) => y === 1)).toBe(true);
    expect(labels[250]).toBe(0);
    expect(labels.slice(251).every((y) => y === 1)).toBe(true);
  });

  it('flips labels with probability `noise`', () => {
    const noisy = [...seaConcepts({ seed: 9, length: 20_000, noise: 0.1, driftAt: [] })];
    const flipped = mean(noisy.map((r) => (r.y === rule(r, 8) ? 0 : 1)));
    expect(flipped).toBeGreaterThan(0.09);
    expect(flipped).toBeLessThan(0.11);
  });

  it('has the expected share of ones in each concept: P(x1 + x2 <= θ) = θ²/200, mixed with the noise', () => {
    const noise = 0.1;
    const records = [...seaConcepts({ seed: 4, length: 80_000, noise })];
    [8, 9, 7, 9.5].forEach((theta, k) => {
      const q = (theta * theta) / 200;
      const expected = q * (1 - noise) + (1 - q) * noise;
      const share = mean(records.slice(k * 20_000, (k + 1) * 20_000).map((r) => r.y!));
      expect(Math.abs(share - expected)).toBeLessThan(0.015); // ~4.5 sd
    });
  });

  it('mixes the concepts along a sigmoid when driftWidth > 0 (MOA ConceptDriftStream)', () => {
    const options = { seed: 3, length: 20_000, noise: 0, driftAt: [10_000], thresholds: [-1, 21] };
    const gradual = [...seaConcepts({ ...options, driftWidth: 1000 })];
    const share = (from: number, to: number): number => mean(gradual.slice(from, to).map((r) => r.y!));
    expect(share(0, 6000)).toBe(0);
    expect(share(14_000, 20_000)).toBe(1);
    expect(share(9_000, 9_500)).toBeGreaterThan(0.05);
    expect(share(9_000, 9_500)).toBeLessThan(share(9_500, 10_500));
    expect(share(9_500, 10_500)).toBeGreaterThan(0.42);
    expect(share(9_500, 10_500)).toBeLessThan(0.58);
    expect(share(10_500, 11_000)).toBeGreaterThan(share(9_500, 10_500));
    // The drift settings do not touch the feature values.
    const abrupt = [...seaConcepts(options)];
    expect(gradual.map((r) => r.x1)).toEqual(abrupt.map((r) => r.x1));
  });

  it('is lazy: an endless stream can be read in part', () => {
    const endless = seaConcepts({ seed: 1, length: Infinity, driftAt: [5] });
    expect(take(endless, 10)).toHaveLength(10);
    expect(endless.length).toBe(Infinity);
  });

  it('describes itself', () => {
    const text = seaConcepts({ seed: 1, length: 100 }).describe();
    expect(text).toContain('Street & Kim');
    expect(text).toContain('8 → 9 → 7 → 9.5');
    expect(text).toContain('25, 50, 75');
  });

  it('rejects bad options with a ConfigError naming the field', () => {
    const bad = (options: Record<string, unknown>): ConfigError => {
      try {
        seaConcepts({ seed: 1, length: 100, ...options } as never);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return error as ConfigError;
      }
      throw new Error('expected a ConfigError');
    };
    expect(bad({ noise: -1 }).message).toBe('Expected `noise` to be a number in [0, 1], got `-1`');
    expect(bad({ length: 0 }).field).toBe('length');
    expect(bad({ length: Infinity }).field).toBe('driftAt');
    expect(bad({ driftAt: [0] }).field).toBe('driftAt');
    expect(bad({ driftAt: [50, 40] }).message).toContain('strictly increasing');
    expect(bad({ driftAt: [100] }).field).toBe('driftAt');
    expect(bad({ thresholds: [] }).field).toBe('thresholds');
    expect(bad({ driftWidth: -5 }).field).toBe('driftWidth');
    expect(bad({ seed: 0.5 }).field).toBe('seed');
  });
});
