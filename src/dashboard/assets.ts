import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A static file of the dashboard: its bytes and content type. */
export interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/** The page, its script and style (in `web/dashboard/` of the package), as served under /dashboard/. */
const WEB_DIR = fileURLToPath(new URL('../../web/dashboard/', import.meta.url));
const OWN: Record<string, string> = {
  'app.js': 'app.js',
  'charts.js': 'charts.js',
  'lineage.js': 'lineage.js',
  'format.js': 'format.js',
  'app.css': 'app.css',
};
/** uPlot's ES module build and stylesheet, read from its installed package (no CDN: the page works offline). */
const VENDOR: Record<string, string> = { 'vendor/uplot.js': 'uPlot.esm.js', 'vendor/uplot.css': 'uPlot.min.css' };

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/**
 * Serves the dashboard's static files by their name under /dashboard/ (`''` is the page): each read from disk
 * once, then from memory. The page gets the title, HTML-escaped. Unknown names give undefined.
 */
export class Assets {
  private readonly cache = new Map<string, Promise<Asset>>();
  private readonly uplotDir: string;

  constructor(private readonly title: string) {
    this.uplotDir = dirname(createRequire(import.meta.url).resolve('uplot'));
  }

  get(name: string): Promise<Asset> | undefined {
    const file =
      name === '' ? join(WEB_DIR, 'index.html') : OWN[name] ? join(WEB_DIR, OWN[name]) : VENDOR[name] ? join(this.uplotDir, VENDOR[name]) : undefined;
    if (!file) return undefined;
    let asset = this.cache.get(name);
    if (!asset) {
      asset = readFile(file).then((body) => ({
        body: name === '' ? Buffer.from(body.toString('utf8').replaceAll('{{title}}', escapeHtml(this.title))) : body,
        type: TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream',
      }));
      // A failed read is not cached: the next request tries again.
      asset.catch(() => this.cache.delete(name));
      this.cache.set(name, asset);
    }
    return asset;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
