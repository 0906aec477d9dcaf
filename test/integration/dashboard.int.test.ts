/**
 * The dashboard in a real browser: a service learning from the real broker, with its HTTP server (and so
 * /dashboard) on an ephemeral port, opened in headless Chromium (Debian's package, `bash scripts/browser.sh`;
 * CHROMIUM_PATH overrides the path) driven by playwright-core. The page must show the numbers /status has,
 * the versions the store has, draw its charts without a console error, and leave a screenshot in
 * bench/results/dashboard.png.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, formatVersion, parseConfig } from '../../src/core/index.js';
import { S3Store, listVersions } from '../../src/checkpoints/index.js';
import { StreamtrainService, type ServiceStatus } from '../../src/pipeline/index.js';
import { ServiceMetrics, startHttpServer } from '../../src/server/index.js';
import { createTopic, produceValues, testKafka, uniqueName, waitFor } from '../support/kafka-helpers.js';
import { seaRecords, testConfigTree } from '../support/pipeline-config.js';
import { kafkaBrokers, s3Settings } from './services.js';

const logger = createLogger({ level: 'silent' });
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SCREENSHOT = fileURLToPath(new URL('../../bench/results/dashboard.png', import.meta.url));
/** Records in chunks a few hundred ms apart, so the charts have a few seconds of history; a concept change halfway. */
const CHUNKS = 10;
const CHUNK = 400;
const N = CHUNKS * CHUNK;
/** How long the page may take to show what /status and the store have (it polls every 1 s and 5 s). */
const AGREE_WITHIN_MS = 20_000;

/** What the page shows, read in one synchronous script: no render can fall between two of its numbers. */
interface PageSnapshot {
  seq: string | undefined;
  tiles: Record<string, { text: string; value: string } | undefined>;
  versions: string[];
  canvases: number;
  qualitySeries: string | undefined;
  rollout: string | undefined;
}
const TILE_IDS = ['version', 'role', 'samples-total', 'accuracy', 'batches', 'buffered', 'paused', 'pauses', 'dead-lettered'];
const READ_PAGE = `(() => {
  const tile = (id) => { const e = document.querySelector('[data-testid="' + id + '"]'); return e ? { text: e.textContent, value: e.dataset.value } : undefined; };
  return {
    seq: document.body.dataset.statusSeq,
    tiles: Object.fromEntries(${JSON.stringify(TILE_IDS)}.map((id) => [id, tile(id)])),
    versions: [...document.querySelectorAll('#lineage [data-version]')].map((e) => e.getAttribute('data-version')),
    canvases: document.querySelectorAll('.chart canvas').length,
    qualitySeries: document.getElementById('chart-quality').dataset.series,
    rollout: document.querySelector('[data-testid="rollout-state"]')?.textContent,
  };
})()`;

const int = (n: number) => n.toLocaleString('en-US');
/** The tiles' texts as the page must write them for this status (web/dashboard/format.js). */
function expectedTiles(s: ServiceStatus): Record<string, string> {
  return {
    version: s.version ?? '—',
    role: s.role ?? (s.running ? 'running' : 'stopped'),
    'samples-total': int(s.samplesTotal),
    accuracy: (s.metrics.accuracy_window as number).toFixed(4),
    batches: int(s.batches),
    buffered: int(s.buffered),
    paused: s.paused ? 'yes' : 'no',
    pauses: int(s.pauses),
    'dead-lettered': int(Object.values(s.deadLettered).reduce((a, b) => a + b, 0)),
  };
}
const shownTiles = (p: PageSnapshot) => Object.fromEntries(TILE_IDS.map((id) => [id, p.tiles[id]?.text]));

describe('the dashboard in headless Chromium (real Kafka, real MinIO)', () => {
  let service: StreamtrainService | undefined;
  let browser: Browser | undefined;
  let close: (() => void) | undefined;
  afterAll(async () => {
    await browser?.close();
    close?.();
    await service?.stop();
  });

  it('shows the numbers of /status, the versions of the store and charts, without console errors', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: run \`bash scripts/browser.sh\` (or set CHROMIUM_PATH)`);
    const brokers = await kafkaBrokers();
    const s3 = await s3Settings();
    const topic = uniqueName('it-dashboard');
    const model = uniqueName('dashboard');
    const kafka = testKafka(brokers);
    await createTopic(kafka, topic, 2);
    const tree = testConfigTree({
      brokers,
      topic,
      model,
      s3,
      extra: { drift: { detectors: [{ kind: 'adwin' }], responses: ['alert'], topic: `${topic}.drift` } },
    });
    const config = parseConfig(tree, { env: { S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey } });
    const status = () => (service as StreamtrainService).status();
    const metrics = new ServiceMetrics({ model, status });
    service = new StreamtrainService({ config, logger, observer: metrics });
    await service.start();
    const store = new S3Store({ ...s3, prefix: `it/${model}` });
    const http = await startHttpServer({ host: '127.0.0.1', port: 0, status, metrics, logger, store, model });
    close = () => http.server.close();

    // SEA's concept change halfway (threshold 9, then 7), so the lineage and the charts have something to show.
    const records = seaRecords(N, 7).map((r, i) => JSON.stringify(i < N / 2 ? r : { ...r, y: r.x1 + r.x2 <= 7 ? 1 : 0 }));
    for (let i = 0; i < CHUNKS; i++) {
      await produceValues(kafka, topic, records.slice(i * CHUNK, (i + 1) * CHUNK), 2);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await waitFor(() => status().samplesTotal === N, 30_000, 'every record to be learned');
    await waitFor(async () => (await listVersions(store, model)).length >= 2, 10_000, 'two versions in the store');

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'], timeout: 20_000 });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && errors.push(`console: ${m.text()}`)));
    page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
    page.on('requestfailed', (r) => errors.push(`request: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    await page.goto(`${http.url}/dashboard`, { timeout: 10_000 });
    await page.waitForFunction('Number(document.body.dataset.statusSeq) > 0 && document.body.dataset.lineageVersions !== undefined', undefined, {
      timeout: 10_000,
    });

    // The status may move on between reading the page and fetching /status: read both until they agree.
    let shown: PageSnapshot;
    let live: ServiceStatus;
    let stored: string[];
    const deadline = Date.now() + AGREE_WITHIN_MS;
    for (;;) {
      shown = await page.evaluate<PageSnapshot>(READ_PAGE);
      live = (await (await fetch(`${http.url}/status`)).json()) as ServiceStatus;
      stored = (await listVersions(store, model)).map(formatVersion);
      const agree = JSON.stringify(shownTiles(shown)) === JSON.stringify(expectedTiles(live)) && JSON.stringify(shown.versions) === JSON.stringify(stored);
      if (agree || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(shownTiles(shown)).toEqual(expectedTiles(live));
    expect(shown.tiles['samples-total']?.value).toBe(String(N));
    expect(shown.tiles.accuracy?.value).toBe(String(live.metrics.accuracy_window));
    expect(shown.versions).toEqual(stored);
    expect(stored.length).toBeGreaterThanOrEqual(2);
    expect(Number(shown.seq)).toBeGreaterThan(0);
    // Three charts (quality, throughput, backlog), the quality one with the windowed accuracy; no rollout yet.
    expect(shown.canvases).toBe(3);
    expect(shown.qualitySeries?.split(',')).toContain('metrics.accuracy_window');
    expect(shown.rollout).toBe('no rollout');

    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true, timeout: 10_000 });
    expect(errors).toEqual([]);
  });
});
