import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { afterAll, describe, expect, it } from 'vitest';
import { FolderStore, readLatestPointer, readManifest } from '../../src/checkpoints/index.js';
import { initCommand, type InitCommandOptions } from '../../src/cli/init-command.js';
import { ConfigError, createLogger, loadConfig } from '../../src/core/index.js';
import { StreamtrainService } from '../../src/pipeline/index.js';
import { createTopic, produceValues, testKafka, uniqueName, waitFor, withAdmin } from '../support/kafka-helpers.js';
import { kafkaBrokers } from './services.js';

const N = 3000;
const AVSC = fileURLToPath(new URL('../fixtures/avro/sensor.avsc', import.meta.url));
const logger = createLogger({ level: 'silent' });

/** Records with values that cannot appear in a config by chance: 9-digit numbers, tagged strings. */
function jsonRecords(n: number): Record<string, unknown>[] {
  const colors = ['tealZq71c', 'umberZq08e', 'ochreZq5d2', 'mauveZq93a'];
  return Array.from({ length: n }, (_, i) => {
    const x1 = Number((1.23456789 + ((i * 7919) % 1000) * 0.00731).toFixed(8));
    const x2 = Number((8.76543211 - ((i * 104729) % 1000) * 0.00917).toFixed(8));
    return {
      id: `custZq${(i * 2654435761) % 1e9}-${i}`,
      event_ms: 1_764_600_000_000 + i * 250,
      created_at: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      x1,
      x2,
      amount: Number((123456.789 + i * 1.013).toFixed(3)),
      color: colors[i % colors.length],
      premium: i % 3 === 0,
      meta: { source: 'webZq4f1' },
      y: x1 + x2 <= 9 ? 1 : 0,
    };
  });
}

/** Every string of the records, and every number of 6 significant digits or more, as text. */
function needles(records: Record<string, unknown>[]): string[] {
  const out = new Set<string>();
  const add = (v: unknown): void => {
    if (typeof v === 'string') out.add(v);
    else if (typeof v === 'number' && String(v).replace(/[-.]/g, '').replace(/^0+/, '').length >= 6) out.add(String(v));
    else if (v && typeof v === 'object') Object.values(v).forEach(add);
  };
  records.forEach((r) => Object.values(r).forEach(add));
  return [...out];
}

async function initGroups(brokers: string[]): Promise<string[]> {
  const { groups } = await withAdmin(testKafka(brokers), (admin) => admin.listGroups());
  return groups.map((g) => g.groupId).filter((g) => g.startsWith('streamtrain-init-'));
}

/** Runs the service on the written config until it learned `n` samples, stops it, returns the published version's manifest. */
async function learnWith(configFile: string, n: number) {
  const config = loadConfig(configFile, {});
  const service = new StreamtrainService({ config, logger });
  try {
    await service.start();
    await waitFor(() => service.status().samplesTotal >= n, 120_000, `the service to learn ${n} samples`);
  } finally {
    await service.stop();
  }
  if (config.checkpoints.store.type !== 'folder') throw new Error('expected the folder store init writes');
  const store = new FolderStore(config.checkpoints.store.path);
  const version = await readLatestPointer(store, config.model.name);
  expect(version).toBeDefined();
  return readManifest(store, config.model.name, version as string);
}

describe('streamtrain init (real Kafka)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  const options = (topic: string, brokers: string[], out: string, extra: Partial<InitCommandOptions> = {}): InitCommandOptions => ({
    topic,
    brokers,
    sample: 2000,
    maxSeconds: 15,
    labelClassesFromSample: false,
    out,
    force: false,
    ...extra,
  });

  it('writes a config for a JSON topic that validates, holds no record value, and that the service learns from', async () => {
    const brokers = await kafkaBrokers();
    const kafka = testKafka(brokers);
    const topic = uniqueName('it-init-json');
    const dir = await mkdtemp(join(tmpdir(), 'st-init-'));
    dirs.push(dir);
    const records = jsonRecords(N);
    await createTopic(kafka, topic, 2);
    await produceValues(
      kafka,
      topic,
      records.map((r) => JSON.stringify(r)),
      2,
    );

    const out = join(dir, 'streamtrain.yaml');
    const groupsBefore = await initGroups(brokers);
    let stdout = '';
    expect(await initCommand(options(topic, brokers, out), { write: (t) => (stdout += t), ask: async () => undefined })).toBe(0);
    // The throw-away group is gone: nothing of the topic's consumption stays on the broker.
    expect((await initGroups(brokers)).filter((g) => !groupsBefore.includes(g))).toEqual([]);

    const text = await readFile(out, 'utf8');
    expect(text.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=.*schemas\/streamtrain\.config\.schema\.json$/);
    const config = loadConfig(out, {});
    expect(config.model.type).toBe('logistic');
    expect(config.input.label.field).toBe('y');
    expect(config.input.features.map((f) => `${f.field}:${f.type}`)).toEqual([
      'x1:numeric',
      'x2:numeric',
      'amount:numeric',
      'color:categorical',
      'premium:categorical',
    ]);
    expect(config.input.features.find((f) => f.field === 'color')).toMatchObject({ encoding: 'hash', buckets: 8 });
    for (const left of ['id', 'event_ms', 'created_at', 'meta']) expect(text).toMatch(new RegExp(`#\\s+${left}: `));
    expect(stdout).toMatch(/Sampled 2000 of 3000 records/);
    expect(stdout).toMatch(/label: `y` -> classification, 2 classes \(model logistic\)/);
    expect(stdout).toMatch(/no record values/);
    expect(stdout).toContain(`streamtrain check --config ${out}`);
    expect(stdout).toContain(`streamtrain run --config ${out}`);

    // Privacy: no string of the sample and no distinctive number, in the file or on stdout.
    expect(needles(records).length).toBeGreaterThan(3 * N);
    const leaked = needles(records).filter((v) => text.includes(v) || stdout.includes(v));
    expect(leaked).toEqual([]);

    // Refuses to overwrite without --force.
    await expect(initCommand(options(topic, brokers, out), { write: () => undefined })).rejects.toThrow(/already exists: pass --force/);

    const manifest = await learnWith(out, N);
    expect(manifest.samples.total).toBe(N);
    expect(manifest.metrics.accuracy_window).toBeGreaterThan(0.7);
  });

  it('writes a config for an Avro topic read with a schema file, and the service learns from it', async () => {
    const brokers = await kafkaBrokers();
    const kafka = testKafka(brokers);
    const topic = uniqueName('it-init-avro');
    const dir = await mkdtemp(join(tmpdir(), 'st-init-avro-'));
    dirs.push(dir);
    const type = avro.Type.forSchema(JSON.parse(await readFile(AVSC, 'utf8')) as avro.Schema, { wrapUnions: false });
    const colors = ['cobaltZq1', 'jadeZq2', 'rustZq3'];
    const records = Array.from({ length: N }, (_, i) => {
      const x1 = Number((((i * 7919) % 1000) / 100 + 0.00123457).toFixed(8));
      const x2 = Number((((i * 104729) % 1000) / 100 + 0.00765432).toFixed(8));
      return { x1, x2, color: colors[i % 3] as string, y: x1 + x2 <= 9 ? 1 : 0 };
    });
    await createTopic(kafka, topic, 1);
    await produceValues(
      kafka,
      topic,
      records.map((r) => type.toBuffer(r)),
    );

    const out = join(dir, 'avro.yaml');
    let stdout = '';
    // Not JSON: without the schema nothing decodes, and the error says what to pass.
    await expect(initCommand(options(topic, brokers, out), { write: () => undefined })).rejects.toThrow(/--avro-schema FILE or --schema-registry URL/);
    expect(await initCommand(options(topic, brokers, out, { avroSchema: AVSC }), { write: (t) => (stdout += t) })).toBe(0);
    const text = await readFile(out, 'utf8');
    const config = loadConfig(out, {});
    expect(config.input.format).toBe('avro');
    expect(config.input.avroSchemaFile).toBe(AVSC);
    expect(config.input.features.map((f) => f.field)).toEqual(['x1', 'x2', 'color']);
    expect(needles(records).filter((v) => text.includes(v) || stdout.includes(v))).toEqual([]);

    const manifest = await learnWith(out, N);
    expect(manifest.samples.total).toBe(N);
  });

  it('writes a config for a topic in the Schema Registry wire format, and the service learns from it', async () => {
    const brokers = await kafkaBrokers();
    const kafka = testKafka(brokers);
    const topic = uniqueName('it-init-registry');
    const dir = await mkdtemp(join(tmpdir(), 'st-init-registry-'));
    dirs.push(dir);
    const schema = JSON.parse(await readFile(AVSC, 'utf8')) as avro.Schema;
    const type = avro.Type.forSchema(schema, { wrapUnions: false });
    // The registry's HTTP API on loopback: the two calls streamtrain makes (a schema by id, the subjects list).
    const registry = createServer((req, res) => {
      if (req.url === '/schemas/ids/21') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ schema: JSON.stringify(schema) }));
      else if (req.url === '/subjects') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify([`${topic}-value`]));
      else res.writeHead(404).end('{"error_code":40403}');
    });
    await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
    try {
      const records = Array.from({ length: N }, (_, i) => {
        const x1 = Number((((i * 7919) % 1000) / 100 + 0.00234561).toFixed(8));
        const x2 = Number((((i * 104729) % 1000) / 100 + 0.00654321).toFixed(8));
        return { x1, x2, color: ['umberQx1', 'tealQx2'][i % 2] as string, y: x1 + x2 <= 9 ? 1 : 0 };
      });
      const frame = (body: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0, 21]), body]);
      await createTopic(kafka, topic, 2);
      await produceValues(
        kafka,
        topic,
        records.map((r) => frame(type.toBuffer(r))),
        2,
      );

      const out = join(dir, 'registry.yaml');
      let stdout = '';
      expect(await initCommand(options(topic, brokers, out, { schemaRegistry: url }), { write: (t) => (stdout += t) })).toBe(0);
      const text = await readFile(out, 'utf8');
      const config = loadConfig(out, {});
      expect(config.input.format).toBe('avro');
      expect(config.input.schemaRegistryUrl).toBe(url);
      expect(config.input.features.map((f) => f.field)).toEqual(['x1', 'x2', 'color']);
      expect(needles(records).filter((v) => text.includes(v) || stdout.includes(v))).toEqual([]);
      expect((await learnWith(out, N)).samples.total).toBe(N);
    } finally {
      await new Promise<void>((r) => registry.close(() => r()));
    }
  });

  it('fails clearly on a missing topic and when no field is the label', async () => {
    const brokers = await kafkaBrokers();
    const kafka = testKafka(brokers);
    const dir = await mkdtemp(join(tmpdir(), 'st-init-err-'));
    dirs.push(dir);
    const out = join(dir, 'x.yaml');
    await expect(initCommand(options(uniqueName('it-init-missing'), brokers, out), { write: () => undefined })).rejects.toThrow(ConfigError);
    const topic = uniqueName('it-init-nolabel');
    await createTopic(kafka, topic, 1);
    await produceValues(
      kafka,
      topic,
      Array.from({ length: 50 }, (_, i) => JSON.stringify({ a: i * 0.5, b: i % 4 })),
    );
    await expect(initCommand(options(topic, brokers, out), { write: () => undefined, ask: async () => undefined })).rejects.toThrow(/--label FIELD.*`a`, `b`/);
    await writeFile(out, '');
    await expect(initCommand(options(topic, brokers, out, { label: 'b', force: true }), { write: () => undefined })).resolves.toBe(0);
    expect(loadConfig(out, {}).model).toMatchObject({ type: 'softmax', classes: 4 });
  });
});
