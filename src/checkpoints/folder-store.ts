import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { CheckpointWriteError, ConfigError } from '../core/index.js';
import type { ObjectStore } from './object-store.js';

/**
 * The embedded default store: a local folder. Writes go to a temporary file that is fsynced, then renamed over
 * the target (atomic on POSIX), then the folder is fsynced so the rename itself survives a power cut.
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
    const target = this.path(key);
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
      await rename(tmp, target);
      const dir = await open(dirname(target), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (cause) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new CheckpointWriteError(`Cannot write ${target}: ${(cause as Error).message}`, { cause });
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path(key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const base = this.path(prefix);
    const out: string[] = [];
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
        if (e.isDirectory()) await walk(full);
        else if (!e.name.endsWith('.tmp')) out.push(relative(this.root, full).split(sep).join('/'));
      }
    };
    await walk(base);
    return out;
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  private path(key: string): string {
    const p = resolve(this.root, key);
    if (p !== this.root && !p.startsWith(this.root + sep)) throw new ConfigError('checkpoints.store.path', `Key ${key} escapes the store folder`);
    return p;
  }
}
