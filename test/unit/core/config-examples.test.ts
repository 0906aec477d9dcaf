import { Ajv } from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig, parseConfig } from '../../../src/core/index.js';

const root = new URL('../../../', import.meta.url);
/** The shipped JSON Schema, as an editor would check a file with it. */
const editorCheck = new Ajv({ allErrors: true, allowUnionTypes: true }).compile(
  JSON.parse(readFileSync(new URL('schemas/streamtrain.config.schema.json', root), 'utf8')) as object,
);

/** The ```yaml blocks of a markdown file whose top level has a `model:` key: streamtrain configs. */
function configBlocks(file: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  const lines = readFileSync(new URL(file, root), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ya?ml\s*$/.test(lines[i] as string)) continue;
    const start = i + 1;
    while (++i < lines.length && !(lines[i] as string).startsWith('```'));
    const text = lines.slice(start, i).join('\n');
    if (/^model:/m.test(text)) out.push({ line: start, text });
  }
  return out;
}

const markdown = [
  'README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const blocks = markdown.flatMap((file) => configBlocks(file).map((b) => ({ file, ...b })));

describe('config examples', () => {
  it('examples/streamtrain.yaml validates, and passes the JSON Schema editors use', () => {
    expect(() => loadConfig(new URL('examples/streamtrain.yaml', root).pathname, {})).not.toThrow();
    expect(editorCheck(parseYaml(readFileSync(new URL('examples/streamtrain.yaml', root), 'utf8')))).toBe(true);
  });

  it('the docs hold config examples', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks)('$file, the yaml block at line $line, validates', ({ text }) => {
    expect(() => parseConfig(parseYaml(text), { env: {} })).not.toThrow();
    expect(editorCheck(parseYaml(text))).toBe(true);
  });
});
