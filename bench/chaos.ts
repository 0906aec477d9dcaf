/**
 * `npm run bench:chaos`: issue #15 item 4, for one model and then for a keyed stream (bench/chaos/keyed.ts).
 * `npm run bench:chaos -- --only single` (or `--only keyed`, or BENCH_CHAOS_ONLY) runs one phase; a phase not
 * run keeps its section of bench/results/chaos.json from the previous run.
 *
 * Three `streamtrain run` processes of one model (S3 store, default session timeouts) learn a paced stream
 * (200 SEA-like records every 100 ms over 2 partitions) while the bench, with a fixed seed, SIGKILLs or SIGTERMs
 * the leader or a standby BENCH_CHAOS_KILLS times (50), restarts each killed process after a short random delay
 * (a supervisor), restarts the broker once and takes the object store away for 30 s once. It measures takeover
 * (SIGKILL of the leader -> first batch learned by its successor) and handover (SIGTERM of the leader -> the
 * same), from every instance's /status polled every 100 ms. Afterwards it stops producing, waits until LATEST
 * counts every record in the topic, stops everything and checks the lineage: exact counts, offsets tiling each
 * partition, and no version accepted from a writer that did not hold the epoch. After the chaos it measures
 * the records/s the cluster learns with 1, 2 and 3 instances (only the leader learns; standbys cost CPU).
 *
 * It stops and starts Kafka and MinIO, so it refuses the shared default ports: start services of its own, e.g.
 *   env STREAMTRAIN_CACHE_DIR=... KAFKA_PORT=19092 KAFKA_CONTROLLER_PORT=19093 KAFKA_SASL_PORT=19094 \
 *       MINIO_PORT=19000 MINIO_CONSOLE_PORT=19001 bash scripts/services.sh up
 * and run the bench with the same environment. Bounded: BENCH_CHAOS_SECONDS (720) is a hard deadline for the
 * whole run; BENCH_CHAOS_KILLS (50), BENCH_CHAOS_SEED, and BENCH_CHAOS_THROUGHPUT_SECONDS (20)
 * scale it; BENCH_CHAOS_THROUGHPUT=0 skips the throughput runs (the result keeps the previous run's, marked);
 * BENCH_CHAOS_KINDS=term-leader (a comma-separated list of kinds) draws only those disruptions and skips the
 * broker restart and the store outage, for iterating on one of them. Every topic, group and S3 key it makes
 * starts with its run id and is deleted at the end; every child process is killed on exit. Instance logs stay
 * in a temp folder (printed).
 *
 * The keyed phase (after the single-model one; bench/chaos/keyed.ts) has its own bounds: BENCH_CHAOS_KEYED_SECONDS
 * (900) for the chaos part, with BENCH_CHAOS_KEYED_KILLS (25) disruptions, BENCH_CHAOS_KEYED_KEYS (120) keys on 6
 * partitions at BENCH_CHAOS_KEYED_PER_TICK (20) records per 100 ms; then the keyed throughput runs
 * (BENCH_CHAOS_KEYED_THROUGHPUT_RECORDS, 200000), bounded by BENCH_CHAOS_KEYED_THROUGHPUT_SECONDS (900).
 * BENCH_CHAOS_KEYED_THROUGHPUT=0 skips the throughput runs, BENCH_CHAOS_KEYED_CHAOS=0 the chaos run (the result
 * keeps the previous run's, marked). In the drain, a partition whose checkpoint stands still for 60 s is recorded
 * as stalled, with the instances that list it; those that list it under an epoch older than the partition's
 * LATEST (a fenced slot kept) are sent SIGTERM (BENCH_CHAOS_KEYED_UNSTICK=0: not).
 * BENCH_CHAOS_KEYED_SESSION_TIMEOUT_MS sets the keyed instances' kafka.sessionTimeoutMs (default: the documented
 * 6000). BENCH_CHAOS_KEEP_STORE=1 leaves the run's objects in the store.
 */
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { readLatest, readManifest, S3Store } from '../src/checkpoints/index.js';
import { parseConfig } from '../src/core/index.js';
import { checkLineage, EpochLog, type LineageCheck } from './chaos/analysis.js';
import { Cluster, cpuSeconds, sleep, type Slot } from './chaos/instances.js';
import { earlierKeyedSection, keyedChaos, keyedThroughput, writeKeyedSection, type KeyedContext } from './chaos/keyed.js';
import type { KeyedCheck } from './chaos/keyed-analysis.js';
import { assertOwnServices, PacedProducer, servicesUp, stopService } from './chaos/load.js';
import { rng } from './chaos/random.js';
import { envInt } from './support/context.js';
import { benchServices, s3Env } from './support/env.js';
import { benchKafka, createServiceTopics, createTopic, deleteGroups, deleteObjects, deleteTopics, newRunId, withAdmin } from './support/kafka.js';
import { mergeSummary, percentile, readJson, RESULTS_DIR, round, writeResult } from './support/results.js';

process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

const SECONDS = envInt('BENCH_CHAOS_SECONDS', 720);
const KILLS = envInt('BENCH_CHAOS_KILLS', 50);
const SEED = envInt('BENCH_CHAOS_SEED', 1515);
const TP_SECONDS = envInt('BENCH_CHAOS_THROUGHPUT_SECONDS', 20);
const PER_TICK = 200;
const TICK_MS = 100;
const PARTITIONS = 2;
const OUTAGE_MS = 30_000;
const SESSION_TIMEOUT_MS = 6_000; // cluster.sessionTimeoutMs and kafka.sessionTimeoutMs: the documented defaults
/** Kept free after the disruptions for the drain, the graceful stop and the lineage check. */
const RESERVE_MS = 100_000;
/** Kept free after those for the throughput runs (each starts fresh instances: ~30-50 s here) and the cleanup. */
const THROUGHPUT = process.env.BENCH_CHAOS_THROUGHPUT !== '0';
const THROUGHPUT_BUDGET_MS = THROUGHPUT ? 210_000 : 0;
const CLEANUP_MS = 20_000;

const onlyArg = process.argv.indexOf('--only');
const ONLY = (onlyArg >= 0 ? process.argv[onlyArg + 1] : undefined) ?? process.env.BENCH_CHAOS_ONLY ?? '';
if (!['', 'single', 'keyed'].includes(ONLY)) throw new Error(`--only takes \`single\` or \`keyed\`, got \`${ONLY}\``);
const SINGLE = ONLY !== 'keyed';
const KEYED = ONLY !== 'single';
const KEYED_SECONDS = envInt('BENCH_CHAOS_KEYED_SECONDS', 900);
const KEYED_KILLS = envInt('BENCH_CHAOS_KEYED_KILLS', 25);
const KEYED_KEYS = envInt('BENCH_CHAOS_KEYED_KEYS', 120);
const KEYED_PARTITIONS = 6;
/** Keyed records per 100 ms: 200/s, a rate the keyed instances catch up with between disruptions on 2 cores. */
const KEYED_PER_TICK = envInt('BENCH_CHAOS_KEYED_PER_TICK', 20);
const KEYED_TP = process.env.BENCH_CHAOS_KEYED_THROUGHPUT !== '0';
const KEYED_CHAOS = process.env.BENCH_CHAOS_KEYED_CHAOS !== '0';
const KEYED_TP_RECORDS = envInt('BENCH_CHAOS_KEYED_THROUGHPUT_RECORDS', 200_000);
const KEYED_TP_SECONDS = envInt('BENCH_CHAOS_KEYED_THROUGHPUT_SECONDS', 900);
const KEYED_TOTAL_SECONDS = KEYED ? KEYED_SECONDS + (KEYED_TP ? KEYED_TP_SECONDS : 0) : 0;
const TOTAL_SECONDS = (SINGLE ? SECONDS : 0) + KEYED_TOTAL_SECONDS;

const started = Date.now();
const deadline = started + SECONDS * 1000;
const rel = (t: number) => t - started;
const log = (msg: string) => process.stderr.write(`[chaos ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);

const random = rng(SEED);
const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));

const services = benchServices();
assertOwnServices(services.brokers, services.s3.endpoint);
const runId = newRunId();
const kafka = benchKafka(services.brokers);
const dir = mkdtempSync(join(tmpdir(), `${runId}-`));
const store = new S3Store({ ...services.s3, prefix: runId });
const clusters: Cluster[] = [];
const stoppedServices = new Set<'kafka' | 'minio'>();

function modelTree(name: string, topic: string, batchSize: number): Record<string, unknown> {
  return {
    model: { name, type: 'logistic', optimizer: { type: 'adam', learningRate: 0.05 } },
    // No session timeouts here: the documented defaults (6000 ms, cluster and kafka) are what is measured.
    kafka: { brokers: services.brokers, topics: [topic], groupId: `${runId}-${name}`, fromBeginning: true },
    input: {
      features: [
        { field: 'x1', scale: { mean: 5, std: 2.9 } },
        { field: 'x2', scale: { mean: 5, std: 2.9 } },
        { field: 'x3', scale: { mean: 5, std: 2.9 } },
      ],
      label: { field: 'y' },
    },
    deadLetter: { topic: `${runId}.${name}.dlq` },
    batch: { size: batchSize, maxWaitMs: 200 },
    triggers: { everySamples: 4_000, everySeconds: 2 },
    publish: { versionsTopic: `${runId}.${name}.versions` },
    drift: { topic: `${runId}.${name}.drift` },
    cluster: { leaseTopic: `${runId}.leases` },
    checkpoints: { store: { type: 's3', prefix: runId } },
    logLevel: 'info',
  };
}

async function prepareTopics(tree: Record<string, unknown>): Promise<void> {
  const config = parseConfig(tree, { env: s3Env(services) });
  await createServiceTopics(kafka, config);
}

async function topicEnds(k: Kafka, topic: string): Promise<number[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await withAdmin(k, async (admin) => (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => Number(p.high)));
    } catch (err) {
      if (attempt >= 10) throw err;
      await sleep(1_000);
    }
  }
}

// ------------------------------------------------------------------------------------------------------------
// Throughput with 1, 2, 3 instances

interface ThroughputRun {
  readonly instances: number;
  readonly recordsPerSecond: number | null;
  readonly samples: number;
  readonly seconds: number;
  readonly startupMs: number | null;
  readonly completed: boolean;
  /** CPU seconds per second of each instance over the window (leader first). */
  readonly cpuPerSecond: Record<string, number | null>;
  readonly note?: string;
}

/** A fresh model learning the chaos topic from its beginning with k instances (`records` in the topic). */
async function throughput(k: number, topic: string, records: number): Promise<ThroughputRun> {
  const name = `tp${k}`;
  const tree = modelTree(name, topic, 1_000);
  await prepareTopics(tree);
  const cluster = await Cluster.create({ dir, tree, env: s3Env(services), slots: Array.from({ length: k }, (_, i) => `${name}${'abc'[i] ?? i}`) });
  clusters.push(cluster);
  const t0 = Date.now();
  cluster.startAll();
  try {
    const leader = await cluster.waitFor(() => cluster.learningLeader(), Math.max(0, Math.min(90_000, deadline - CLEANUP_MS - 30_000 - Date.now())));
    if (!leader) return skippedRun(k, 'no leader learned within 90 s (or before the deadline)');
    const startupMs = Date.now() - t0;
    // Standbys joined too (they load the checkpoint and warm a learner): measure with all k running.
    await cluster.waitFor(() => cluster.running() >= k || undefined, Math.max(0, Math.min(30_000, deadline - CLEANUP_MS - 40_000 - Date.now())));
    const s0 = leader.status?.samplesTotal ?? 0;
    const at0 = leader.statusAt;
    const cpu0 = new Map(cluster.slots.map((s) => [s.name, cpuSeconds(s.pid)]));
    const end = Math.min(Date.now() + TP_SECONDS * 1000, deadline - CLEANUP_MS - 20_000);
    await cluster.waitFor(() => ((leader.status?.samplesTotal ?? 0) >= records || Date.now() >= end ? true : undefined), TP_SECONDS * 1000 + 1_000);
    const s1 = leader.status?.samplesTotal ?? 0;
    const seconds = (leader.statusAt - at0) / 1000;
    const cpuPerSecond: Record<string, number | null> = {};
    for (const s of [leader, ...cluster.slots.filter((x) => x !== leader)]) {
      const a = cpu0.get(s.name);
      const b = cpuSeconds(s.pid);
      cpuPerSecond[`${s.name} (${s === leader ? 'leader' : (s.role ?? 'not running')})`] =
        a !== undefined && b !== undefined && seconds > 0 ? round((b - a) / seconds, 2) : null;
    }
    return {
      instances: k,
      recordsPerSecond: seconds > 0 ? Math.round((s1 - s0) / seconds) : null,
      samples: s1 - s0,
      seconds: round(seconds, 2),
      startupMs,
      completed: s1 >= records,
      cpuPerSecond,
    };
  } finally {
    await cluster.stopAll(20_000);
  }
}

// ------------------------------------------------------------------------------------------------------------
// The chaos run

type Kind = 'kill-leader' | 'term-leader' | 'kill-standby' | 'term-standby';
const KINDS: Kind[] = ['kill-leader', 'term-leader', 'kill-standby', 'term-standby'];
/**
 * BENCH_CHAOS_KINDS=term-leader[,...]: for iterating on one kind of disruption, draws only those kinds and skips
 * the broker restart and the store outage. Unset (the default, and what the committed results use): every kind.
 */
const KINDS_ONLY = (process.env.BENCH_CHAOS_KINDS ?? '')
  .split(',')
  .map((k) => k.trim())
  .filter(Boolean);
for (const k of KINDS_ONLY) if (!KINDS.includes(k as Kind)) throw new Error(`BENCH_CHAOS_KINDS: unknown kind ${k} (one of ${KINDS.join(', ')})`);
const DRAWN: Kind[] = KINDS_ONLY.length ? (KINDS_ONLY as Kind[]) : KINDS;
const SERVICE_EVENTS = KINDS_ONLY.length === 0;

interface Disruption {
  readonly n: number;
  readonly kind: Kind;
  readonly slot: string;
  readonly instance: string;
  /** ms since the start of the bench. */
  readonly at: number;
  readonly running: number;
  readonly restartDelayMs: number;
  /** Leader disruptions: SIGKILL/SIGTERM -> first batch learned by another process (null: none within 60 s). */
  successorMs?: number | null;
  successor?: string;
  successorEpoch?: number;
  successorWasStandby?: boolean;
  /** Leader waited for before this disruption, ms (0 if one was learning). */
  waitedForLeaderMs?: number;
  exitMs?: number;
  exitCode?: number | null;
}

interface ServiceEvent {
  readonly kind: 'broker-restart' | 'store-outage';
  readonly at: number;
  stopMs?: number;
  downMs?: number;
  upMs?: number;
  /** From the service being back until a leader learned new records. */
  recoveredMs?: number | null;
  /** From the service being back until LATEST moved to a newer version (store outage). */
  publishedAgainMs?: number | null;
  exitsDuring?: number;
  error?: string;
}

async function waitLearningLeader(cluster: Cluster, timeoutMs: number): Promise<Slot | undefined> {
  return cluster.waitFor(() => cluster.learningLeader(), timeoutMs);
}

/** Waits until a leader has learned more than it had when `since` began. */
async function waitProgress(cluster: Cluster, timeoutMs: number): Promise<number | null> {
  const t = Date.now();
  const before = Math.max(0, ...cluster.slots.map((s) => s.status?.samplesTotal ?? 0));
  const ok = await cluster.waitFor(() => cluster.slots.find((s) => s.role === 'leader' && s.statusAt > t && (s.status?.samplesTotal ?? 0) > before), timeoutMs);
  return ok ? Date.now() - t : null;
}

let latestVersion: string | undefined;
let latestErrors = 0;
const epochLog = new EpochLog();
let watchingLatest = true;
async function watchLatest(model: string): Promise<void> {
  while (watchingLatest) {
    try {
      const got = await readLatest(store, model);
      if (got) {
        epochLog.observe(got.record, rel(Date.now()));
        latestVersion = got.record.version ?? undefined;
      }
    } catch {
      latestErrors++;
    }
    await sleep(250);
  }
}

async function serviceEvent(cluster: Cluster, kind: ServiceEvent['kind']): Promise<ServiceEvent> {
  const ev: ServiceEvent = { kind, at: rel(Date.now()) };
  const exitsBefore = cluster.exits.filter((e) => !e.requested).length;
  const service = kind === 'broker-restart' ? 'kafka' : 'minio';
  log(`${kind}: stopping ${service}`);
  try {
    stoppedServices.add(service);
    const stopped = await stopService(service);
    ev.stopMs = stopped.ms;
    const downAt = Date.now();
    if (kind === 'store-outage') await sleep(Math.max(0, OUTAGE_MS - stopped.ms));
    const versionBefore = latestVersion;
    const up = await servicesUp();
    stoppedServices.delete(service);
    ev.downMs = Date.now() - downAt;
    ev.upMs = up.ms;
    log(`${kind}: ${service} back after ${ev.downMs} ms down`);
    const [recovered, published] = await Promise.all([
      waitProgress(cluster, 120_000),
      (async () => {
        const t = Date.now();
        const ok = await cluster.waitFor(() => (latestVersion !== undefined && latestVersion !== versionBefore ? true : undefined), 120_000, 100);
        return ok ? Date.now() - t : null;
      })(),
    ]);
    ev.recoveredMs = recovered;
    ev.publishedAgainMs = published;
  } catch (err) {
    ev.error = (err as Error).message;
    log(`${kind} FAILED: ${ev.error}`);
  }
  ev.exitsDuring = cluster.exits.filter((e) => !e.requested).length - exitsBefore;
  return ev;
}

async function chaos(): Promise<Record<string, unknown>> {
  const name = 'chaos';
  const topic = `${runId}.source`;
  const model = name;
  const tree = modelTree(name, topic, 500);
  await createTopic(kafka, topic, PARTITIONS);
  await prepareTopics(tree);
  const cluster = await Cluster.create({ dir, tree, env: s3Env(services), slots: ['a', 'b', 'c'] });
  clusters.push(cluster);
  const maxRecords = Math.ceil((SECONDS * 1000) / TICK_MS) * PER_TICK;
  const producer = new PacedProducer(kafka, topic, PARTITIONS, PER_TICK, TICK_MS, maxRecords, SEED);
  producer.start();
  const watching = watchLatest(model);
  cluster.startAll();
  const chaosEnd = deadline - CLEANUP_MS - THROUGHPUT_BUDGET_MS - RESERVE_MS;
  const events: Disruption[] = [];
  const serviceEvents: ServiceEvent[] = [];
  let skipped = 0;
  let drain: Record<string, unknown> = {};
  let stop: Record<string, unknown> = {};
  let check: LineageCheck | undefined;
  let checkError: string | undefined;
  try {
    const first = await waitLearningLeader(cluster, 120_000);
    if (!first) throw new Error('no instance became a learning leader within 120 s');
    await cluster.waitFor(() => (cluster.standbys().length >= 2 ? true : undefined), 60_000);
    log(`leader ${first.instance}, ${cluster.standbys().length} standbys; starting ${KILLS} disruptions`);
    const chaosStart = Date.now();
    const span = chaosEnd - chaosStart;
    let n = 0;
    while (n < KILLS && Date.now() < chaosEnd) {
      const elapsedShare = (Date.now() - chaosStart) / span;
      if (SERVICE_EVENTS && !serviceEvents.some((e) => e.kind === 'broker-restart') && (n >= Math.floor(KILLS * 0.3) || elapsedShare > 0.3)) {
        serviceEvents.push(await serviceEvent(cluster, 'broker-restart'));
        continue;
      }
      if (SERVICE_EVENTS && !serviceEvents.some((e) => e.kind === 'store-outage') && (n >= Math.floor(KILLS * 0.6) || elapsedShare > 0.6)) {
        serviceEvents.push(await serviceEvent(cluster, 'store-outage'));
        continue;
      }
      const kind = DRAWN[Math.floor(random() * DRAWN.length)] as Kind;
      const restartDelayMs = between(500, 3_000);
      const gapMs = between(1_000, 3_000);
      const pick = random();
      let target: Slot | undefined;
      const waitStart = Date.now();
      if (kind.endsWith('leader')) {
        // Each takeover is measured from a steady cluster: a learning leader and at least one warm standby.
        target = await cluster.waitFor(
          () => (cluster.standbys().length > 0 ? cluster.learningLeader() : undefined),
          Math.max(0, Math.min(60_000, chaosEnd - Date.now())),
        );
      } else {
        const standbys = await cluster.waitFor(
          () => (cluster.standbys().length > 0 && cluster.learningLeader() ? cluster.standbys() : undefined),
          Math.max(0, Math.min(30_000, chaosEnd - Date.now())),
        );
        target = standbys?.[Math.floor(pick * standbys.length)];
      }
      if (!target) {
        skipped++;
        log(`${kind}: no ${kind.endsWith('leader') ? 'learning leader with a standby' : 'standby'} within the wait; skipped`);
        continue;
      }
      const waitedMs = Date.now() - waitStart;
      const running = cluster.running();
      const t0 = Date.now();
      const instance = target.kill(kind.startsWith('kill') ? 'SIGKILL' : 'SIGTERM');
      if (!instance) continue;
      n++;
      const ev: Disruption = { n, kind, slot: target.name, instance, at: rel(t0), running, restartDelayMs, waitedForLeaderMs: waitedMs };
      events.push(ev);
      const proc = target.proc;
      void proc?.exited.then(() => {
        ev.exitMs = (proc.exitedAt ?? Date.now()) - t0;
        ev.exitCode = proc.child.exitCode;
      });
      target.restartAfterExit(restartDelayMs);
      if (kind.endsWith('leader')) {
        const standbysAtKill = new Set(cluster.standbys().map((s) => s.instance));
        const next = await cluster.waitFor(() => cluster.learningLeader(t0, instance), 60_000);
        ev.successorMs = next ? next.statusAt - t0 : null;
        ev.successor = next?.instance;
        ev.successorEpoch = next?.status?.epoch;
        ev.successorWasStandby = next ? standbysAtKill.has(next.instance) : undefined;
        log(
          `#${n} ${kind} ${instance}: ${next ? `${next.instance} learns after ${ev.successorMs} ms (epoch ${ev.successorEpoch})` : 'NO successor within 60 s'}`,
        );
      } else {
        log(`#${n} ${kind} ${instance}`);
      }
      await sleep(gapMs);
    }
    for (const kind of ['broker-restart', 'store-outage'] as const) {
      if (SERVICE_EVENTS && !serviceEvents.some((e) => e.kind === kind) && Date.now() < chaosEnd) serviceEvents.push(await serviceEvent(cluster, kind));
    }
    log(`disruptions over (${n}); draining`);

    // Drain: no new records; wait until LATEST counts every record in the topic (a supervisor keeps restarting).
    await producer.stop();
    const ends = await topicEnds(kafka, topic);
    const produced = ends.reduce((a, b) => a + b, 0);
    const drainStart = Date.now();
    const drainLimit = Math.max(10_000, deadline - CLEANUP_MS - THROUGHPUT_BUDGET_MS - 40_000 - Date.now());
    let counted = 0;
    while (Date.now() - drainStart < drainLimit) {
      try {
        const v = (await readLatest(store, model))?.record.version;
        if (v) counted = (await readManifest(store, model, v)).samples.total;
      } catch {
        // the store answers again soon
      }
      if (counted >= produced) break;
      await sleep(500);
    }
    drain = {
      produced,
      acked: producer.acked,
      failedSends: producer.failedSends,
      countedByLatest: counted,
      drainMs: Date.now() - drainStart,
      complete: counted >= produced,
      limitMs: drainLimit,
    };
    log(`drain: LATEST counts ${counted} of ${produced} after ${Date.now() - drainStart} ms`);

    const stopStart = Date.now();
    const stopped = await cluster.stopAll(30_000);
    stop = { ms: Date.now() - stopStart, processes: stopped };
    watchingLatest = false;
    await watching;
    const final = await readLatest(store, model);
    if (final) epochLog.observe(final.record, rel(Date.now()));
    try {
      check = await checkLineage(store, model, ends, epochLog);
    } catch (err) {
      checkError = (err as Error).message;
    }
  } finally {
    watchingLatest = false;
    await producer.stop();
    await watching;
  }

  const takeovers = events.filter((e) => e.kind === 'kill-leader');
  const handovers = events.filter((e) => e.kind === 'term-leader');
  const stats = (list: Disruption[]) => {
    const ms = list
      .map((e) => e.successorMs)
      .filter((x): x is number => typeof x === 'number')
      .sort((a, b) => a - b);
    return {
      count: list.length,
      measured: ms.length,
      noSuccessorWithin60s: list.length - ms.length,
      p50_ms: ms.length ? percentile(ms, 50) : null,
      p99_ms: ms.length ? percentile(ms, 99) : null,
      max_ms: ms.length ? ms[ms.length - 1] : null,
      sorted_ms: ms,
    };
  };
  const logExcerpts = await errorLines(cluster);
  return {
    model,
    topic,
    produced: (drain as { produced?: number }).produced ?? 0,
    events,
    serviceEvents,
    skipped,
    takeover: stats(takeovers),
    handover: stats(handovers),
    kinds: Object.fromEntries(KINDS.map((k) => [k, events.filter((e) => e.kind === k).length])),
    exits: {
      total: cluster.exits.length,
      requestedByBench: cluster.exits.filter((e) => e.requested).length,
      unexpected: cluster.exits.filter((e) => !e.requested).length,
      unexpectedList: cluster.exits.filter((e) => !e.requested).map((e) => ({ ...e, at: rel(e.at) })),
      restarts: cluster.slots.reduce((s, x) => s + x.generation - 1, 0),
    },
    drain,
    stop,
    epochs: {
      seen: epochLog.list().length,
      highest: Math.max(0, ...epochLog.list().map((e) => e.epoch)),
      latestReadErrors: latestErrors,
      list: epochLog.list(),
    },
    lineage: check ?? null,
    lineageError: checkError ?? null,
    logErrorExcerpts: logExcerpts,
  };
}

/** error/fatal lines of the instance logs (pino levels 50/60), for the report. */
async function errorLines(cluster: Cluster): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const s of cluster.slots) {
    const text = await readFile(cluster.logFile(s.name), 'utf8').catch(() => '');
    const lines = text.split('\n').filter((l) => /"level":(50|60)/.test(l) || /^(Error|TypeError|RangeError)/.test(l));
    out[s.name] = [
      ...lines.slice(0, 10),
      ...(lines.length > 20 ? [`... ${lines.length - 20} more ...`] : []),
      ...lines.slice(Math.max(10, lines.length - 10)),
    ].map((l) => l.slice(0, 400));
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------------

let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const c of clusters) c.killNow();
    watchingLatest = false;
    for (const s of [...stoppedServices]) {
      log(`restarting ${s}, stopped by the bench`);
      await servicesUp().catch((e: Error) => log(`services up failed: ${e.message}`));
    }
    const topics = await deleteTopics(kafka, runId).catch((e: Error) => (log(`topic cleanup failed: ${e.message}`), []));
    const groups = await deleteGroups(kafka, runId).catch(() => []);
    // BENCH_CHAOS_KEEP_STORE=1 leaves the run's objects in the store, to look at a lineage that failed its check.
    const objects =
      process.env.BENCH_CHAOS_KEEP_STORE === '1'
        ? (log(`objects under ${runId}/ kept (BENCH_CHAOS_KEEP_STORE=1)`), 0)
        : await deleteObjects(services, runId).catch((e: Error) => (log(`object cleanup failed: ${e.message}`), 0));
    await store.close?.();
    log(`cleanup: ${topics.length} topics, ${groups.length} groups, ${objects} objects under ${runId}/; instance logs in ${dir}`);
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: killing the instances and cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
const hardStop = setTimeout(() => {
  log(`hard deadline of ${TOTAL_SECONDS} s reached: killing everything`);
  void cleanup().finally(() => process.exit(1));
}, TOTAL_SECONDS * 1000);
hardStop.unref();

let failed = false;
try {
  if (SINGLE) failed = !(await singleModel());
  if (KEYED) failed = !(await keyedPhase()) || failed;
} catch (err) {
  failed = true;
  log(`FAILED: ${(err as Error).stack ?? String(err)}`);
} finally {
  await cleanup();
  log(`total ${((Date.now() - started) / 1000).toFixed(0)} s; results in bench/results/chaos.json`);
}
process.exit(failed ? 1 : 0);

/** The single-model chaos run and its throughput runs; true when every target is met. */
async function singleModel(): Promise<boolean> {
  log(`run ${runId}: seed ${SEED}, ${KILLS} disruptions, deadline ${SECONDS} s, logs in ${dir}`);
  // BENCH_CHAOS_THROUGHPUT=0 keeps the throughput runs of the previous result, saying which run they come from.
  const earlier = readJson<{ runId?: string; date?: string; throughput?: Record<string, unknown> }>(`${RESULTS_DIR}chaos.json`);
  const earlierThroughput = earlier?.throughput?.runs
    ? {
        ...earlier.throughput,
        fromEarlierRun: {
          runId: (earlier.throughput.fromEarlierRun as { runId?: string } | undefined)?.runId ?? earlier.runId,
          date: (earlier.throughput.fromEarlierRun as { date?: string } | undefined)?.date ?? earlier.date,
        },
      }
    : undefined;
  const earlierKeyed = readJson<{ keyed?: Record<string, unknown> }>(`${RESULTS_DIR}chaos.json`)?.keyed;
  const result = await chaos();
  // Throughput afterwards, on the chaos topic (no fill needed): whatever time is left, each run bounded.
  const tp: ThroughputRun[] = [];
  for (const k of [1, 2, 3]) {
    if (!THROUGHPUT || deadline - Date.now() < CLEANUP_MS + 45_000) {
      tp.push(skippedRun(k, THROUGHPUT ? 'skipped: too close to the deadline' : 'skipped: BENCH_CHAOS_THROUGHPUT=0'));
      continue;
    }
    const r = await throughput(k, result.topic as string, result.produced as number);
    tp.push(r);
    log(`throughput with ${k} instance(s): ${r.recordsPerSecond ?? '?'} records/s (${r.samples} in ${r.seconds} s) cpu ${JSON.stringify(r.cpuPerSecond)}`);
  }
  const lineage = result.lineage as LineageCheck | null;
  const takeover = result.takeover as { p50_ms: number | null; p99_ms: number | null; count: number };
  const handover = result.handover as { p50_ms: number | null; p99_ms: number | null; count: number };
  const kills = (result.events as Disruption[]).length;
  const targets = {
    takeover_p99_ms_max: 10_000,
    handover_p99_ms_max: 2_000,
    takeover_pass: takeover.p99_ms !== null && takeover.p99_ms <= 10_000,
    handover_pass: handover.p99_ms !== null && handover.p99_ms <= 2_000,
    exact: lineage?.exact ?? false,
    no_fenced_writes: lineage?.fencedWritesAccepted === 0,
    kills_at_least_50: kills >= 50,
  };
  writeResult('chaos', {
    runId,
    seed: SEED,
    config: {
      seconds: SECONDS,
      kills: KILLS,
      ...(KINDS_ONLY.length ? { kinds: KINDS_ONLY } : {}),
      instances: 3,
      partitions: PARTITIONS,
      stream: `${PER_TICK} SEA-like records every ${TICK_MS} ms over ${PARTITIONS} partitions`,
      clusterSessionTimeoutMs: SESSION_TIMEOUT_MS,
      kafkaSessionTimeoutMs: SESSION_TIMEOUT_MS,
      clusterHeartbeatIntervalMs: 250,
      kafkaHeartbeatIntervalMs: 1_000,
      storeOutageMs: OUTAGE_MS,
      statusPollMs: 100,
      restartDelayMs: [500, 3_000],
      gapBetweenDisruptionsMs: [1_000, 3_000],
      model: modelTree('chaos', `${runId}.source`, 500),
    },
    definitions: {
      takeover: 'SIGKILL of the leader -> first /status of another process with role leader and batches > 0 (polled every 100 ms)',
      handover: 'SIGTERM of the leader -> the same',
      chaos_lost: 'records in the topic (end offsets) - distinct offsets covered by the lineage',
      chaos_applied_twice: 'offsets covered by more than one version of the lineage (sum of range lengths - distinct)',
      chaos_fenced_writes_accepted:
        'lineage versions whose epoch is lower than an earlier one, written by another instance than the claimer of their epoch (LATEST seen every 250 ms), or newer than where the next epoch began (LATEST epoch history)',
    },
    targets,
    // The keyed phase read-modify-writes its own section (below, or in a later `--only keyed` run).
    ...(earlierKeyed ? { keyed: earlierKeyed } : {}),
    throughput:
      THROUGHPUT || !earlierThroughput
        ? {
            note: 'one model: only the leader learns, so more instances add availability, not throughput; standbys (checkpoint follower + warm learner worker) share the 2 cores with the leader, Kafka and MinIO',
            batchSize: 1_000,
            topic: 'the chaos source topic, from its beginning, by a fresh model per run',
            windowSeconds: TP_SECONDS,
            runs: tp,
          }
        : earlierThroughput,
    chaos: result,
  });
  mergeSummary({
    chaos_kills: kills,
    chaos_records: lineage?.produced ?? null,
    chaos_lost: lineage?.lost ?? null,
    chaos_applied_twice: lineage?.appliedTwice ?? null,
    chaos_fenced_writes_accepted: lineage?.fencedWritesAccepted ?? null,
    takeover_p50_ms: takeover.p50_ms,
    takeover_p99_ms: takeover.p99_ms,
    handover_p50_ms: handover.p50_ms,
    handover_p99_ms: handover.p99_ms,
  });
  log(
    `kills ${kills} (takeovers ${takeover.count}, handovers ${handover.count}); takeover p50/p99 ${takeover.p50_ms}/${takeover.p99_ms} ms; handover p50/p99 ${handover.p50_ms}/${handover.p99_ms} ms`,
  );
  log(
    `lineage: ${lineage ? `${lineage.versions} versions, total ${lineage.total}, produced ${lineage.produced}, lost ${lineage.lost}, twice ${lineage.appliedTwice}, fenced accepted ${lineage.fencedWritesAccepted}, outside lineage ${lineage.outsideLineage.count}` : `not checked: ${String(result.lineageError)}`}`,
  );
  log(`targets: ${JSON.stringify(targets)}`);
  return Object.values(targets).every((v) => v === true || typeof v === 'number');
}

/** The keyed chaos run and the keyed throughput runs; true when every keyed lineage is exact. */
async function keyedPhase(): Promise<boolean> {
  const keyedStart = Date.now();
  const ctx: KeyedContext = { kafka, services, runId, dir, store, log, random: rng(SEED + 1), clusters, stoppedServices, started };
  log(`keyed phase: ${KEYED_KILLS} disruptions, ${KEYED_KEYS} keys on ${KEYED_PARTITIONS} partitions, ${KEYED_SECONDS} s`);
  const earlier = earlierKeyedSection();
  // BENCH_CHAOS_KEYED_CHAOS=0: only the throughput runs; the chaos result of the previous run is kept.
  const earlierChaos = earlier?.chaos as Record<string, unknown> | undefined;
  const { section, check, kills } =
    !KEYED_CHAOS && earlierChaos
      ? {
          section: { ...earlierChaos, fromEarlierRun: { runId: earlier?.runId, date: earlier?.date } },
          check: (earlierChaos.lineage ?? undefined) as KeyedCheck | undefined,
          kills: (earlierChaos.events as unknown[] | undefined)?.length ?? 0,
        }
      : await keyedChaos(ctx, {
          seed: SEED + 1,
          deadline: keyedStart + KEYED_SECONDS * 1000,
          kills: KEYED_KILLS,
          keys: KEYED_KEYS,
          partitions: KEYED_PARTITIONS,
          perTick: KEYED_PER_TICK,
          tickMs: 100,
          outageMs: OUTAGE_MS,
          maxLiveModels: 256,
          unstick: process.env.BENCH_CHAOS_KEYED_UNSTICK !== '0',
          reserveMs: Math.min(300_000, Math.round(KEYED_SECONDS * 330)),
        });
  const throughput = KEYED_TP
    ? await keyedThroughput(ctx, {
        records: KEYED_TP_RECORDS,
        keys: KEYED_KEYS,
        partitions: KEYED_PARTITIONS,
        seed: SEED + 2,
        deadline: Date.now() + KEYED_TP_SECONDS * 1000,
      })
    : earlier?.throughput
      ? { ...(earlier.throughput as object), fromEarlierRun: { runId: earlier.runId, date: earlier.date } }
      : { note: 'skipped: BENCH_CHAOS_KEYED_THROUGHPUT=0' };
  const exact = check?.exact ?? false;
  const targets = {
    exact,
    keyed_lost_zero: check?.keyedLost === 0,
    keys_at_least_100: (check?.keysVerified ?? 0) >= 100,
    kills_at_least_20: kills >= 20,
    broker_restart: (section.serviceEvents as { kind: string; error?: string }[]).some((e) => e.kind === 'broker-restart' && !e.error),
    store_outage: (section.serviceEvents as { kind: string; error?: string }[]).some((e) => e.kind === 'store-outage' && !e.error),
  };
  writeKeyedSection({ runId, date: new Date().toISOString(), seed: SEED + 1, targets, chaos: section, throughput });
  const runs = ((throughput as { runs?: { keyed: boolean; instances: number; recordsPerSecond: number | null }[] }).runs ?? []).filter(
    (r) => r.recordsPerSecond !== null,
  );
  const rate = (keyed: boolean, n: number) => runs.find((r) => r.keyed === keyed && r.instances === n)?.recordsPerSecond ?? null;
  mergeSummary({
    keyed_models: check?.keysVerified ?? 0,
    keyed_lost: check?.keyedLost ?? null,
    keyed_applied_twice: check?.appliedTwice ?? null,
    keyed_kills: kills,
    keyed_records: check?.produced ?? null,
    keyed_partitions: KEYED_PARTITIONS,
    keyed_exact: exact,
    keyed_drain_stalls: ((section.drain as { stalls?: unknown[] }).stalls ?? []).length,
    keyed_exact_up_to_checkpoint: (section.upToCheckpoint as { check?: { exact: boolean } } | null)?.check?.exact ?? null,
    keyed_records_per_s_1: rate(true, 1),
    keyed_records_per_s_2: rate(true, 2),
    keyed_records_per_s_3: rate(true, 3),
    unkeyed_records_per_s: rate(false, 1),
  });
  log(
    `keyed: kills ${kills}; ${check ? `${check.produced} records, ${check.keysVerified}/${check.keysProduced} keys exact, lost ${check.lost}, twice ${check.appliedTwice}, unpublished versions in lineages ${check.unpublishedVersionsInLineages}, partitions exact ${check.partitions.filter((p) => p.exact).length}/${check.partitions.length}` : `not checked: ${String(section.lineageError)}`}`,
  );
  log(`keyed targets: ${JSON.stringify(targets)}`);
  return Object.values(targets).every((v) => v === true);
}

/** A throughput run that measured nothing, with the reason. */
function skippedRun(instances: number, note: string): ThroughputRun {
  return { instances, recordsPerSecond: null, samples: 0, seconds: 0, startupMs: null, completed: false, cpuPerSecond: {}, note };
}
