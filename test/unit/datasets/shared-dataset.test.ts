import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../../src/core/errors.js';
import { ELEC2_COLUMNS, seaConcepts, sharedDataset, type DatasetRecord } from '../../../src/datasets/index.js';

const DIR = '../shared/datasets';
const absent = !existsSync(resolve(DIR, 'sea')) || !existsSync(resolve(DIR, 'elec2'));
const SKIP_NOTE = `skipped: the shared datasets folder ${resolve(DIR)} is absent (see ../shared/datasets/README.md)`;

function firstLines(path: string, n: number): string[] {
  return readFileSync(path, 'utf8').split('\n').slice(0, n);
}

function firstRecords(source: Iterable<DatasetRecord>, n: number): DatasetRecord[] {
  const out: DatasetRecord[] = [];
  for (const r of source) {
    if (out.length === n) break;
    out.push(r);
  }
  return out;
}

describe('sharedDataset', () => {
  it('sea: first rows equal the first lines of the real files, 50,000 rows, drift every 12,500', (ctx) => {
    ctx.skip(absent, SKIP_NOTE);
    const sea = sharedDataset('sea', DIR);
    expect(sea.fields).toEqual(['x1', 'x2', 'x3']);
    expect(sea.driftPoints).toEqual([12_500, 25_000, 37_500]);
    const data = firstLines(resolve(DIR, 'sea/SEA_training_data.csv'), 5);
    const labels = firstLines(resolve(DIR, 'sea/SEA_training_class.csv'), 5);
    const expected = data.map((line, i) => {
      const [x1, x2, x3] = line.split(',').map(Number);
      return { x1, x2, x3, y: Number(labels[i]) };
    });
    expect(firstRecords(sea, 5)).toEqual(expected);
    expect(expected[0]).toEqual({ x1: 9.4191, x2: 1.1647, x3: 4.4388, y: 0 });

    // The files follow the generator's rule: y = 1 iff x1 + x2 <= θ, θ = 8, 9, 7, 9.5 by quarter, 10% noise.
    const thresholds = seaConcepts({ seed: 0, length: 50_000 });
    const agree = [0, 0, 0, 0];
    let t = 0;
    for (const r of sea) {
      const k = Math.floor(t / 12_500);
      if ((r.x1! + r.x2! <= thresholds.thresholdOf(k) ? 1 : 0) === r.y) agree[k]! += 1;
      t += 1;
    }
    expect(t).toBe(50_000);
    for (const a of agree) expect(Math.abs(a / 12_500 - 0.9)).toBeLessThan(0.015);
  });

  it('elec2: eight named columns paired with the label file, 45,312 rows', (ctx) => {
    ctx.skip(absent, SKIP_NOTE);
    const elec = sharedDataset('elec2', DIR);
    expect(elec.fields).toEqual([...ELEC2_COLUMNS]);
    expect(elec.driftPoints).toBeUndefined();
    const [line] = firstLines(resolve(DIR, 'elec2/elec2_data.dat'), 1);
    const [label] = firstLines(resolve(DIR, 'elec2/elec2_label.dat'), 1);
    const values = line!.trim().split(/\s+/).map(Number);
    expect(firstRecords(elec, 1)[0]).toEqual({ ...Object.fromEntries(ELEC2_COLUMNS.map((c, i) => [c, values[i]])), y: Number(label) });
    let rows = 0;
    let ones = 0;
    let days = new Set<number>();
    for (const r of elec) {
      rows += 1;
      ones += r.y!;
      days = days.add(r.day!);
    }
    expect(rows).toBe(45_312);
    expect(ones).toBe(26_075); // the DOWN count of elecNormNew: 1 = DOWN (see ELEC2_COLUMNS)
    expect([...days].sort()).toEqual([1, 2, 3, 4, 5, 6, 7]); // `day` really is the second column
  });

  it('names the folder when the files are not there', () => {
    const error = (() => {
      try {
        sharedDataset('sea', '/nonexistent/datasets');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('dir');
    expect((error as ConfigError).message).toContain('/nonexistent/datasets');
    expect(() => sharedDataset('covtype' as never)).toThrow(ConfigError);
  });
});
