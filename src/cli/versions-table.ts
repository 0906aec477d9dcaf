import { formatVersion, type Manifest } from '../core/index.js';
import { isPublished, listVersions, readCheckpoint, readLatest, type LatestRecord, type ObjectStore } from '../checkpoints/index.js';
import { textColumns } from './text-table.js';

export interface VersionRow {
  readonly version: string;
  readonly valid: boolean;
  /** In LATEST's lineage; false for a version a crashed or fenced writer left unpublished. */
  readonly published: boolean;
  readonly manifest?: Manifest;
  readonly error?: string;
}

/** Every version in the store, oldest first, each verified against its hashes. */
export async function versionRows(store: ObjectStore, model: string): Promise<{ latest?: string; epoch?: number; writer?: string; rows: VersionRow[] }> {
  const record: LatestRecord | undefined = (await readLatest(store, model))?.record;
  const rows: VersionRow[] = [];
  for (const v of await listVersions(store, model)) {
    const version = formatVersion(v);
    try {
      const manifest = (await readCheckpoint(store, model, version)).manifest;
      rows.push({ version, valid: true, published: record ? isPublished(version, manifest.epoch ?? 0, record) : true, manifest });
    } catch (err) {
      rows.push({ version, valid: false, published: false, error: (err as Error).message });
    }
  }
  return { latest: record?.version ?? undefined, epoch: record?.epoch, writer: record?.writer || undefined, rows };
}

/** The human table of `streamtrain versions`. */
export async function versionsTable(store: ObjectStore, model: string): Promise<string> {
  const { latest, epoch, writer, rows } = await versionRows(store, model);
  if (rows.length === 0) return `No versions of ${model} in the store yet.`;
  const table = rows.map((r) => {
    const m = r.manifest;
    const metric = m ? (m.metrics.accuracy_window ?? m.metrics.mae_window) : undefined;
    return [
      (r.version === latest ? '* ' : '  ') + r.version,
      m ? m.parents.join('+') || '-' : '?',
      m ? String(m.samples.total) : '?',
      m ? `+${m.samples.sinceParent}` : '?',
      metric === undefined ? '-' : metric.toFixed(4),
      m ? m.trigger.reason + (m.trigger.detail ? ` (${m.trigger.detail})` : '') : `INVALID: ${r.error}`,
      m ? m.createdAt : '',
      m ? `${m.epoch ?? 0}${m.writer ? ` ${m.writer}` : ''}${r.published ? '' : ' (unpublished)'}` : '',
    ];
  });
  const head = ['version', 'parents', 'samples', 'new', 'acc/mae(win)', 'trigger', 'created', 'epoch writer'];
  const line = textColumns(head, table);
  const out = [line(head)];
  table.forEach((row, i) => {
    out.push(line(row));
    // The drift decisions taken since the parent: detectors firing, adapt, challengers started/promoted/dropped.
    const decisions = (rows[i]?.manifest?.drift as { decisions?: { event: string; detail: string }[] } | undefined)?.decisions ?? [];
    for (const d of decisions) out.push(`      ${d.event}: ${d.detail}`);
  });
  out.push(
    `(* = LATEST${epoch !== undefined ? `, epoch ${epoch}${writer ? ` held by ${writer}` : ''}` : ''}; unpublished: left by a writer that crashed or was fenced before moving LATEST, never restored)`,
  );
  return out.join('\n');
}
