import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../../src/core/errors.js';
import { rotatingHyperplane } from '../../../src/datasets/index.js';
import { mean } from './helpers.js';

describe('rotatingHyperplane', () => {
  it('is a pure function of its seed', () => {
    const a = [...rotatingHyperplane({ seed: 21, length: 1000 })];
    expect([...rotatingHyperplane({ seed: 21, length: 1000 })]).toEqual(a);
    expect([...rotatingHyperplane({ seed: 22, length: 1000 })]).not.toEqual(a);
  });

  it('keeps every feature in [0, 1) and labels in {0, 1}', () => {
    const source = rotatingHyperplane({ seed: 1, length: 20_000, dims: 5, magnitude: 0.01, abruptAt: [7000] });
    expect(source.fields).toEqual(['x1', 'x2', 'x3', 'x4', 'x5']);
    const keys = [...source.fields, 'y'].join();
    let bad = 0;
    for (const r of source) {
      if (Object.keys(r).join() !== keys || !(r.y === 0 || r.y === 1)) bad += 1;
      for (const f of source.fields) if (!(r[f]! >= 0 && r[f]! < 1)) bad += 1;
    }
    expect(bad).toBe(0);
  });

  it('has balanced classes (the boundary passes through the centre of the cube)', () => {
    const share = mean([...rotatingHyperplane({ seed: 6, length: 20_000, magnitude: 0, noise: 0 })].map((r) => r.y!));
    expect(Math.abs(share - 0.5)).toBeLessThan(0.02);
  });

  it('flips labels with probability `noise`', () => {
    const clean = [...rotatingHyperplane({ seed: 8, length: 20_000, noise: 0 })];
    const noisy = [...rotatingHyperplane({ seed: 8, length: 20_000, noise: 0.05 })];
    expect(noisy.map((r) => r.x3)).toEqual(clean.map((r) => r.x3));
    const flipped = mean(noisy.map((r, i) => (r.y === clean[i]!.y ? 0 : 1)));
    expect(flipped).toBeGreaterThan(0.04);
    expect(flipped).toBeLessThan(0.06);
  });

  it('redraws the weights exactly at `abruptAt`, and nowhere else', () => {
    const base = { seed: 4, length: 10_000, noise: 0, magnitude: 0.001 };
    const steady = [...rotatingHyperplane(base)];
    const source = rotatingHyperplane({ ...base, abruptAt: [4000] });
    expect(source.driftPoints).toEqual([4000]);
    const jumped = [...source];
    expect(jumped.map((r) => r.x1)).toEqual(steady.map((r) => r.x1));
    const differs = jumped.map((r, i) => (r.y === steady[i]!.y ? 0 : 1));
    expect(differs.indexOf(1)).toBeGreaterThanOrEqual(4000);
    expect(mean(differs.slice(4000, 5000))).toBeGreaterThan(0.05);
  });

  it('rotates gradually: the concept moves away from its start little by little', () => {
    const base = { seed: 10, length: 20_000, noise: 0, driftDims: 10 };
    const frozen = [...rotatingHyperplane({ ...base, magnitude: 0 })];
    const moving = [...rotatingHyperplane({ ...base, magnitude: 0.01 })];
    const disagreement = (from: number, to: number): number => mean(moving.slice(from, to).map((r, i) => (r.y === frozen[from + i]!.y ? 0 : 1)));
    expect(disagreement(0, 20)).toBeLessThan(0.1);
    expect(disagreement(15_000, 20_000)).toBeGreaterThan(disagreement(0, 500));
    expect(rotatingHyperplane(base).driftPoints).toEqual([]);
  });

  it('describes itself', () => {
    expect(rotatingHyperplane({ seed: 1, length: 10, abruptAt: [5] }).describe()).toContain('Hulten');
  });

  it('rejects bad options with a ConfigError naming the field', () => {
    expect(() => rotatingHyperplane({ seed: 1, length: 10, driftDims: 11 })).toThrow('Expected `driftDims` to be an integer in [0, 10], got `11`');
    expect(() => rotatingHyperplane({ seed: 1, length: 10, magnitude: 2 })).toThrow(ConfigError);
    expect(() => rotatingHyperplane({ seed: 1, length: 10, abruptAt: [10] })).toThrow(ConfigError);
    expect(() => rotatingHyperplane({ seed: 1, length: 10, dims: 0 })).toThrow(ConfigError);
  });
});
