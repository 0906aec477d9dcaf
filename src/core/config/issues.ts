import type { z } from 'zod';
import { ConfigError, describeValue } from '../errors.js';

/** One thing wrong with a config: the field's path (`batch.size`, `input.features[0].field`) and the message. */
export interface ConfigProblem {
  readonly field: string;
  readonly message: string;
}

/** `['input', 'features', 0, 'field']` as `input.features[0].field`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out;
}

/**
 * Turns zod's issues into today's messages. The field builders (fields.ts) give each issue one of three texts:
 * an expectation (`to be an integer >= 1`), which becomes "Expected `batch.size` to be an integer >= 1, got `0`";
 * the known keys of an object (`expected one of ...`), which becomes one "Unknown field" message per key; or a
 * whole message, in which `{path}` and `{got}` stand for the field's path and the value found.
 */
export function problemsFromIssues(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of issues) {
    const field = fieldPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const at = fieldPath([...issue.path, key]);
        problems.push({ field: at, message: `Unknown field \`${at}\`; ${issue.message}` });
      }
      continue;
    }
    const got = describeValue(issue.input);
    const message = issue.message.startsWith('to ')
      ? `Expected \`${field || 'config'}\` ${issue.message}, got \`${got}\``
      : issue.message.replaceAll('{path}', field).replaceAll('{got}', got);
    problems.push({ field, message });
  }
  return problems;
}

/** Throws one ConfigError listing every problem found, the first one's field as `field`. */
export function throwIfProblems(problems: readonly ConfigProblem[], source: string): void {
  if (problems.length === 0) return;
  const first = problems[0] as ConfigProblem;
  const list = problems.map((p) => `  - ${p.message}`).join('\n');
  throw new ConfigError(first.field, `Invalid configuration in ${source}:\n${list}`);
}
