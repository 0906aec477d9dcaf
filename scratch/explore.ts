import { readFileSync } from 'node:fs';
import { readDelimitedFile } from '../src/datasets/index.js';
import { materialize } from '../studies/harness.js';
import { runStateful } from '../bench/quality/streamtrain-learners.js';

const dir = '.cache/dev-suite';
const m = JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8'));
const names = process.argv[2]!.split(',');
const variants: Record<string, [string, number, Record<string, unknown>]> = JSON.parse(process.argv[3]!);
for (const e of m.streams.filter((x: { name: string }) => names.includes(x.name))) {
  const s = { ...materialize(e.name, readDelimitedFile(`${dir}/${e.file}`, { header: true, labelColumn: 'y' }), false), driftPoints: [] };
  const line: string[] = [e.name];
  for (const [k, [opt, lr, model]] of Object.entries(variants)) {
    const mo = { ...(e.classes > 2 ? { type: 'softmax', classes: e.classes } : { type: 'logistic' }), standardize: true, ...model, ...(model.type === 'auto' || model.type === 'mlp' ? { classes: e.classes } : {}) };
    const { result } = await runStateful(s, lr, 256, [], 1, opt as 'adam', {}, mo);
    line.push(`${k} ${result.accuracy.toFixed(4)} (${result.cpuSeconds.toFixed(1)}s)`);
  }
  console.log(line.join(' | '));
}
