import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DRIFT_DIR = fileURLToPath(new URL('../../../src/drift/', import.meta.url));

describe('src/drift dependencies', () => {
  const files = readdirSync(DRIFT_DIR).filter((f) => f.endsWith('.ts'));

  it.each(files)('%s imports only node-free relative modules of drift/ and core/', (file) => {
    const source = readFileSync(`${DRIFT_DIR}${file}`, 'utf8');
    const specifiers = [...source.matchAll(/(?:import|export)[^'";]*?from\s+'([^']+)'/g)].map((m) => m[1] as string);
    for (const s of specifiers) {
      expect(s.startsWith('./') || s.startsWith('../core/'), `${file} imports ${s}`).toBe(true);
      expect(s.endsWith('.js'), `${file} imports ${s} without the .js suffix`).toBe(true);
    }
  });
});
