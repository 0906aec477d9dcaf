import { link, mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { CheckpointWriteError, ConfigError } from '../core/index.js';
import type { ObjectStore, TaggedObject } from './object-store.js';

/** Suffix of the folder that holds the generations of an object written by `replace`. */
const GENERATIONS = '.generations';
/** Generations kept behind the newest one (a reader that listed an older one retries). */
const KEEP_GENERATIONS = 8;

/**
 * The embedded default store: a local folder. Writes go to a temporary file that is fsynced, then renamed over
 * the target (atomic on POSIX), then the folder is fsynced so the rename itself survives a power cut.
 *
 * Conditional writes use what POSIX makes atomic across processes: `create` links the temporary file to the
 * target (link fails if the target exists), and an object written by `replace` is a folder of numbered
 * generations: replacing generation n links generation n + 1, which only one writer can do. Fencing therefore
 * holds between processes of one host (or a file system with atomic link, which NFS is not guaranteed to be).
 */
export class FolderStore implements ObjectStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  uri(key: string): string {
    const href = pathToFileURL(this.path(key)).href;
    return key.endsWith('/') && !href.endsWith('/') ? `${href}/` : href;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    if ((await this.generations(key)).length > 0) {
      // An object under compare-and-swap keeps being one: an unconditional write is a replace that always wins.
      for (;;) if ((await this.replace(key, data, (await this.getTagged(key))?.tag)) !== undefined) return;
    }
    const target = this.path(key);
    await this.writeTemp(target, data, async (tmp) => {
      await rename(tmp, target);
      return true;
    });
  }

  async create(key: string, data: Uint8Array): Promise<boolean> {
    const target = this.path(key);
    return this.writeTemp(target, data, (tmp) => linkExclusive(tmp, target));
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.getTagged(key))?.data;
  }

  async getTagged(key: string): Promise<TaggedObject | undefined> {
    for (let attempt = 0; ; attempt++) {
      const gens = await this.generations(key);
      const newest = gens[gens.length - 1];
      const file = newest === undefined ? this.path(key) : join(this.genDir(key), genName(newest));
      try {
        return { data: new Uint8Array(await readFile(file)), tag: String(newest ?? 0) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        // A generation pruned between the listing and the read: list again.
        if (newest === undefined || attempt > 3) return undefined;
      }
    }
  }

  async replace(key: string, data: Uint8Array, tag: string | undefined): Promise<string | undefined> {
    const current = await this.getTagged(key);
    if (tag === undefined ? current !== undefined : current?.tag !== tag) return undefined;
    const next = (tag === undefined ? 0 : Number(tag)) + 1;
    const target = join(this.genDir(key), genName(next));
    const won = await this.writeTemp(target, data, (tmp) => linkExclusive(tmp, target));
    if (!won) return undefined;
    // A tag far behind could name a generation already pruned: the write counts only if it is the newest.
    const gens = await this.generations(key);
    if (gens[gens.length - 1] !== next) {
      await rm(target, { force: true });
      return undefined;
    }
    for (const old of gens.slice(0, Math.max(0, gens.length - 1 - KEEP_GENERATIONS))) await rm(join(this.genDir(key), genName(old)), { force: true });
    return String(next);
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.path(prefix);
    const out = new Set<string>();
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const full = join(dir, e.name);
        if (e.isDirectory() && e.name.endsWith(GENERATIONS)) out.add(this.keyOf(full.slice(0, -GENERATIONS.length)));
        else if (e.isDirectory()) await walk(full);
        else if (!e.name.endsWith('.tmp')) out.add(this.keyOf(full));
      }
    };
    await walk(base);
    return [...out];
  }

  async delete(key: string): Promise<void> {
    await rm(this.genDir(key), { force: true, recursive: true });
    await rm(this.path(key), { force: true });
  }

  /** Writes `data` to a fsynced temporary file next to `target`, lets `commit` move it in, fsyncs the folder. */
  private async writeTemp(target: string, data: Uint8Array, commit: (tmp: string) => Promise<boolean>): Promise<boolean> {
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(target), { recursive: true });
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      return await this.finish(tmp, target, commit);
    } catch (cause) {
      throw new CheckpointWriteError(`Cannot write ${target}: ${(cause as Error).message}`, { cause });
    } finally {
      await rm(tmp, { force: true }).catch(() => undefined);
    }
  }

  private async finish(tmp: string, target: string, commit: (tmp: string) => Promise<boolean>): Promise<boolean> {
    const done = await commit(tmp);
    const dir = await open(dirname(target), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    return done;
  }

  /** Generation numbers of a compare-and-swap object, oldest first (empty for a plain object). */
  private async generations(key: string): Promise<number[]> {
    try {
      const names = await readdir(this.genDir(key));
      return names
        .filter((n) => /^\d+$/.test(n))
        .map(Number)
        .sort((a, b) => a - b);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw err;
    }
  }

  private genDir(key: string): string {
    return this.path(key) + GENERATIONS;
  }

  private keyOf(full: string): string {
    return relative(this.root, full).split(sep).join('/');
  }

  private path(key: string): string {
    const p = resolve(this.root, key);
    if (p !== this.root && !p.startsWith(this.root + sep)) throw new ConfigError('checkpoints.store.path', `Key ${key} escapes the store folder`);
    return p;
  }
}

function genName(n: number): string {
  return String(n).padStart(12, '0');
}

/** link(2) fails with EEXIST when the target exists: an atomic create-if-absent with the whole content. */
async function linkExclusive(tmp: string, target: string): Promise<boolean> {
  try {
    await link(tmp, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}
