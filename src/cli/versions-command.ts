import { loadConfig } from '../core/index.js';
import { openStore } from '../checkpoints/index.js';
import { versionRows, versionsTable } from './versions-table.js';

/** `streamtrain versions --config FILE`: every version in the store with its lineage, and whether it verifies. */
export async function versionsCommand(opts: { config: string; json: boolean }): Promise<number> {
  const config = loadConfig(opts.config);
  const store = openStore(config.checkpoints.store);
  try {
    const model = config.model.name;
    if (opts.json) process.stdout.write(JSON.stringify({ model, ...(await versionRows(store, model)) }, null, 2) + '\n');
    else process.stdout.write((await versionsTable(store, model)) + '\n');
    return 0;
  } finally {
    await store.close?.();
  }
}
