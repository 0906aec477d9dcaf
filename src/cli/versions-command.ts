import { loadConfig } from '../core/index.js';
import { openStore, readDecisions } from '../checkpoints/index.js';
import { decisionsTable } from './decisions-table.js';
import { versionRows, versionsTable } from './versions-table.js';
import { keyedSummary, keyedTable, keyRows } from './versions-keyed.js';

/**
 * `streamtrain versions --config FILE`: every version in the store with its lineage, and whether it verifies; then the
 * rollout decisions (promotions, rejections, rollbacks, pins) with who made them and why.
 * For a keyed model: each partition's newest checkpoint and each key's head, or one key's versions (`--key`).
 */
export async function versionsCommand(opts: { config: string; json: boolean; key?: string }): Promise<number> {
  const config = loadConfig(opts.config);
  const store = openStore(config.checkpoints.store);
  try {
    const model = config.model.name;
    if (config.model.partitionBy) {
      const data = opts.key !== undefined ? { key: opts.key, ...(await keyRows(store, model, opts.key)) } : await keyedSummary(store, model);
      if (opts.json) process.stdout.write(JSON.stringify({ model, ...data }, null, 2) + '\n');
      else process.stdout.write((await keyedTable(store, model, opts.key)) + '\n');
      return 0;
    }
    if (opts.json)
      process.stdout.write(JSON.stringify({ model, ...(await versionRows(store, model)), decisions: await readDecisions(store, model) }, null, 2) + '\n');
    else process.stdout.write((await versionsTable(store, model)) + (await decisionsTable(store, model)) + '\n');
    return 0;
  } finally {
    await store.close?.();
  }
}
