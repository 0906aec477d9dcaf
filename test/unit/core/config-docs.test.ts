import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigFiles } from '../../../scripts/config-docs.js';

const root = new URL('../../../', import.meta.url);

describe('generated config files', () => {
  for (const [file, text] of Object.entries(renderConfigFiles())) {
    it(`${file} is up to date with the declaration (else run \`npm run config:docs\`)`, () => {
      expect(readFileSync(new URL(file, root), 'utf8')).toBe(text);
    });
  }

  it('the JSON Schema carries defaults and a description for every field', () => {
    const schema = JSON.parse(renderConfigFiles()['schemas/streamtrain.config.schema.json'] as string) as Record<string, unknown>;
    const missing: string[] = [];
    const walk = (node: Record<string, unknown>, path: string): void => {
      const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
      for (const [key, child] of Object.entries(properties ?? {})) {
        if (typeof child.description !== 'string' || child.description.length === 0) missing.push(`${path}${key}`);
        walk(child, `${path}${key}.`);
        const items = child.items as Record<string, unknown> | undefined;
        if (items) walk(items, `${path}${key}[].`);
        for (const variant of (child.oneOf ?? []) as Record<string, unknown>[]) walk(variant, `${path}${key}.`);
      }
    };
    walk(schema, '');
    expect(missing).toEqual([]);
    const model = (schema.properties as Record<string, { properties: Record<string, { default?: unknown }> }>).model;
    expect(model?.properties.type?.default).toBe('auto');
  });
});
