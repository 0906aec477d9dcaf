import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { ConfigError } from '../../../src/core/errors.js';
import { readDelimitedFile } from '../../../src/datasets/index.js';

const dir = mkdtempSync(join(tmpdir(), 'streamtrain-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('readDelimitedFile', () => {
  it('reads a CSV with header, renaming the label column to y', () => {
    const source = readDelimitedFile(file('h.csv', 'a,b,class\n1,2,0\n3.5,-4,1\n'), { header: true, labelColumn: 'class' });
    expect(source.fields).toEqual(['a', 'b']);
    expect([...source]).toEqual([
      { a: 1, b: 2, y: 0 },
      { a: 3.5, b: -4, y: 1 },
    ]);
    expect(source.name).toBe('h.csv');
    expect(source.describe()).toContain('comma-separated with header');
  });

  it('takes a column named y as the label by default, wherever it is', () => {
    const source = readDelimitedFile(file('y.csv', '"y","f"\n1,0.5\n0,0.25\n'), { header: true });
    expect(source.fields).toEqual(['f']);
    expect([...source]).toEqual([
      { y: 1, f: 0.5 },
      { y: 0, f: 0.25 },
    ]);
  });

  it('without header, names the features x1..xn and takes the last column as the label', () => {
    const source = readDelimitedFile(file('n.csv', '1,2,3,1\n4,5,6,0'));
    expect(source.fields).toEqual(['x1', 'x2', 'x3']);
    expect([...source]).toEqual([
      { x1: 1, x2: 2, x3: 3, y: 1 },
      { x1: 4, x2: 5, x3: 6, y: 0 },
    ]);
    expect([...readDelimitedFile(join(dir, 'n.csv'), { labelColumn: 0 })][0]).toEqual({ y: 1, x1: 2, x2: 3, x3: 1 });
  });

  it('reads space-separated files: runs of blanks, CRLF, blank lines', () => {
    const path = file('s.dat', '  0 2   0.5\t1\r\n\r\n0.1 3 0.25 0\r\n\n');
    const source = readDelimitedFile(path, { columns: ['date', 'day', 'period', 'up'], labelColumn: 'up' });
    expect(source.fields).toEqual(['date', 'day', 'period']);
    expect([...source]).toEqual([
      { date: 0, day: 2, period: 0.5, y: 1 },
      { date: 0.1, day: 3, period: 0.25, y: 0 },
    ]);
    expect(source.describe()).toContain('space-separated');
  });

  it('reads JSON Lines, with y or a configured label key', () => {
    const withY = readDelimitedFile(file('a.jsonl', '{"u":1,"v":2,"y":1}\n{"v":4,"u":3,"y":0,"extra":9}\n'));
    expect(withY.fields).toEqual(['u', 'v']);
    expect([...withY]).toEqual([
      { u: 1, v: 2, y: 1 },
      { u: 3, v: 4, y: 0 },
    ]);
    const custom = readDelimitedFile(file('b.ndjson', '{"u":1,"label":true}\n{"u":2,"label":false}\n'), { labelColumn: 'label' });
    expect([...custom]).toEqual([
      { u: 1, y: 1 },
      { u: 2, y: 0 },
    ]);
  });

  it('rejects a JSON line without its label, naming the file and the line', () => {
    const path = file('c.jsonl', '{"u":1,"y":1}\n{"u":2}\n');
    const error = configError(() => [...readDelimitedFile(path)]);
    expect(error.message).toContain(path);
    expect(error.message).toContain('line 2');
    expect(error.message).toContain('`y`');
    expect(error.context).toMatchObject({ file: path, line: 2 });
  });

  it('pairs a data file with a label file line by line', () => {
    const data = file('d.csv', '1,2\n3,4\n5,6\n');
    const labels = file('d.labels', '0\n1\n\n2\n');
    const source = readDelimitedFile(data, { labelFile: labels });
    expect(source.fields).toEqual(['x1', 'x2']);
    expect([...source]).toEqual([
      { x1: 1, x2: 2, y: 0 },
      { x1: 3, x2: 4, y: 1 },
      { x1: 5, x2: 6, y: 2 },
    ]);
    const json = readDelimitedFile(file('d.jsonl', '{"a":1}\n{"a":2}\n{"a":3}\n'), { labelFile: labels });
    expect([...json].map((r) => r.y)).toEqual([0, 1, 2]);
  });

  it('rejects label files with fewer or more lines than the data file, naming the label file', () => {
    const data = file('e.csv', '1,2\n3,4\n5,6\n');
    const short = file('short.labels', '0\n1\n');
    const long = file('long.labels', '0\n1\n1\n0\n');
    const tooShort = configError(() => [...readDelimitedFile(data, { labelFile: short })]);
    expect(tooShort.field).toBe('labelFile');
    expect(tooShort.message).toContain(short);
    expect(tooShort.message).toContain('ends after 2 labels');
    const tooLong = configError(() => [...readDelimitedFile(data, { labelFile: long })]);
    expect(tooLong.field).toBe('labelFile');
    expect(tooLong.message).toContain(long);
    expect(tooLong.message).toContain('line 4');
    // Records before the mismatch are still delivered in order.
    const seen: number[] = [];
    expect(() => {
      for (const r of readDelimitedFile(data, { labelFile: short })) seen.push(r.x1!);
    }).toThrow(ConfigError);
    expect(seen).toEqual([1, 3]);
  });

  it('rejects malformed content with the file and line', () => {
    const ragged = file('r.csv', '1,2,0\n3,0\n');
    expect(configError(() => [...readDelimitedFile(ragged)]).message).toBe(`Expected line 2 of \`${ragged}\` to have 3 columns, got 2`);
    const words = file('w.csv', '1,2,0\n3,UP,1\n');
    expect(configError(() => [...readDelimitedFile(words)]).message).toContain('line 2');
    const empty = file('empty.csv', '1,,0\n');
    expect(configError(() => [...readDelimitedFile(empty)]).message).toContain('column `x2`');
    const badLabel = file('bad.labels', '0\nDOWN\n');
    const error = configError(() => [...readDelimitedFile(file('f.csv', '1\n2\n'), { labelFile: badLabel })]);
    expect(error.field).toBe('labelFile');
    expect(error.message).toContain(`line 2 of \`${badLabel}\``);
  });

  it('rejects missing files and contradictory options up front', () => {
    expect(configError(() => readDelimitedFile(join(dir, 'nope.csv'))).field).toBe('path');
    const data = file('g.csv', '1,0\n');
    expect(configError(() => readDelimitedFile(data, { labelFile: join(dir, 'nope.labels') })).field).toBe('labelFile');
    expect(configError(() => readDelimitedFile(data, { labelFile: data, labelColumn: 'y' })).field).toBe('labelColumn');
    expect(configError(() => readDelimitedFile(data, { labelColumn: 'class' })).field).toBe('labelColumn');
    expect(configError(() => readDelimitedFile(data, { columns: ['a'] })).field).toBe('columns');
    expect(configError(() => readDelimitedFile(file('empty2.csv', '\n\n'))).field).toBe('path');
  });

  it('streams files larger than one read chunk, and replays them on each iteration', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `${i},${i % 2}`).join('\n');
    const source = readDelimitedFile(file('big.csv', `é,y\n${rows}\n`), { header: true });
    expect(source.fields).toEqual(['é']);
    let count = 0;
    let sum = 0;
    for (const r of source) {
      count += 1;
      sum += r['é']!;
    }
    expect(count).toBe(20_000);
    expect(sum).toBe((19_999 * 20_000) / 2);
    // Breaking out early closes the file; a new loop starts over.
    for (const r of source) {
      expect(r).toEqual({ é: 0, y: 0 });
      break;
    }
    expect([...source].at(-1)).toEqual({ é: 19_999, y: 1 });
  });
});
