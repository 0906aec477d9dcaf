import { keyedHeads, keyModelName, listPartitions, readPartitionHead, type ObjectStore } from '../checkpoints/index.js';
import { versionRows, type VersionRow } from './versions-table.js';
import { textTable } from './text-table.js';

/** A keyed model's state in the store: each partition's newest checkpoint and each key's head. */
export async function keyedSummary(store: ObjectStore, model: string) {
  const partitions = [];
  for (const { topic, partition } of await listPartitions(store, model)) {
    const m = await readPartitionHead(store, model, topic, partition);
    if (m)
      partitions.push({
        topic,
        partition,
        version: m.version,
        epoch: m.epoch,
        writer: m.writer,
        next: m.offsets.to,
        keys: Object.keys(m.keys).length,
        createdAt: m.createdAt,
      });
  }
  const keys = [...(await keyedHeads(store, model))].map(([key, h]) => ({ key, ...h })).sort((a, b) => a.key.localeCompare(b.key));
  return { partitions, keys };
}

/** One key's versions, oldest first; published means in the lineage of the head its partition names. */
export async function keyRows(store: ObjectStore, model: string, key: string): Promise<{ head?: string; rows: VersionRow[] }> {
  const head = (await keyedHeads(store, model)).get(key)?.version;
  const { rows } = await versionRows(store, keyModelName(model, key));
  const lineage = new Set<string>();
  for (let v = head; v && !lineage.has(v); v = rows.find((r) => r.version === v)?.manifest?.parents[0]) lineage.add(v);
  return { head, rows: rows.map((r) => ({ ...r, published: lineage.has(r.version) })) };
}

/** The human tables of `streamtrain versions` for a keyed model: partitions and keys, or one key's versions. */
export async function keyedTable(store: ObjectStore, model: string, key?: string): Promise<string> {
  if (key !== undefined) {
    const { head, rows } = await keyRows(store, model, key);
    if (rows.length === 0) return `No versions of ${model} key ${key} in the store yet.`;
    return textTable(
      ['version', 'parents', 'samples', 'new', 'offsets', 'trigger', 'created', 'epoch writer'],
      rows.map((r) => {
        const m = r.manifest;
        return [
          (r.version === head ? '* ' : '  ') + r.version,
          m ? m.parents.join('+') || '-' : '?',
          m ? String(m.samples.total) : '?',
          m ? `+${m.samples.sinceParent}` : '?',
          m ? m.offsets.map((o) => `${o.partition}:[${o.from},${o.to})`).join(' ') : '',
          m ? m.trigger.reason : `INVALID: ${r.error}`,
          m ? m.createdAt : '',
          m ? `${m.epoch ?? 0}${m.writer ? ` ${m.writer}` : ''}${r.published ? '' : ' (unpublished)'}` : '',
        ];
      }),
    ).concat(`\n(* = the version ${key}'s partition publishes; unpublished: written by an owner that crashed or lost the partition before its checkpoint)`);
  }
  const { partitions, keys } = await keyedSummary(store, model);
  if (partitions.length === 0) return `No checkpoints of keyed model ${model} in the store yet.`;
  return [
    textTable(
      ['partition', 'checkpoint', 'next offset', 'keys', 'epoch writer', 'created'],
      partitions.map((p) => [`${p.topic}-${p.partition}`, p.version, p.next, String(p.keys), `${p.epoch} ${p.writer}`, p.createdAt]),
    ),
    '',
    textTable(
      ['key', 'version', 'samples', 'partition'],
      keys.map((k) => [k.key, k.version, String(k.samples), `${k.topic}-${k.partition}`]),
    ),
    `(${keys.length} keys; \`streamtrain versions --key KEY\` lists one key's versions)`,
  ].join('\n');
}
