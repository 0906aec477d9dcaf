/**
 * The throughput ceiling of the throughput benchmark: Kafka's own Java consumer, as the `ConsumerPerformance`
 * tool of `org.apache.kafka:kafka-tools` (the version of the broker, resolved from Maven Central into the
 * broker's jar folder by scripts/services.sh). It reads N records of a topic from the beginning with a fresh
 * group and deserializes nothing (byte arrays): what a JVM client can fetch from this broker on this machine.
 *
 * The tool prints one CSV line of its own figures when it ends. Its `fetch.*` columns run from the end of the
 * group join (its first poll after the rebalance) to the last record: JVM start-up and the join are excluded,
 * as the kafkajs consumers are timed from their first delivered batch (the tool's interval still holds its first
 * fetch's round trip, which theirs does not: a slight handicap for the ceiling). The process is also wall-clocked
 * (JVM start to exit) for reference.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICES_ENV_FILE } from './env.js';

/** The summary line of ConsumerPerformance (Kafka 4.x), by its column names. */
export interface ConsumerPerformanceFigures {
  readonly startTime: string;
  readonly endTime: string;
  readonly mb: number;
  /** MB/s over start to end (group join included). */
  readonly mbPerSecond: number;
  readonly records: number;
  /** records/s over start to end (group join included). */
  readonly recordsPerSecond: number;
  readonly rebalanceMs: number;
  /** Start to end less the group join. */
  readonly fetchMs: number;
  readonly fetchMbPerSecond: number;
  readonly fetchRecordsPerSecond: number;
}

const COLUMNS: Record<string, keyof ConsumerPerformanceFigures> = {
  'start.time': 'startTime',
  'end.time': 'endTime',
  'data.consumed.in.MB': 'mb',
  'MB.sec': 'mbPerSecond',
  'data.consumed.in.nMsg': 'records',
  'nMsg.sec': 'recordsPerSecond',
  'rebalance.time.ms': 'rebalanceMs',
  'fetch.time.ms': 'fetchMs',
  'fetch.MB.sec': 'fetchMbPerSecond',
  'fetch.nMsg.sec': 'fetchRecordsPerSecond',
};

/**
 * Reads the figures from ConsumerPerformance's standard output (run without `--show-detailed-stats` and
 * without `--hide-header`): the header line naming the columns, then the values line (other lines, such as
 * the tool's warnings, are skipped). Throws when either is missing or a number does not parse.
 */
export function parseConsumerPerformance(stdout: string): ConsumerPerformanceFigures {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim());
  const h = lines.findIndex((l) => l.startsWith('start.time,') && l.includes('fetch.nMsg.sec'));
  const names = h < 0 ? [] : (lines[h] as string).split(',').map((s) => s.trim());
  // A warning (e.g. the timeout between records was exceeded) may come between the header and the values.
  const values = h < 0 ? undefined : lines.slice(h + 1).find((l) => /^\d/.test(l) && l.split(',').length === names.length);
  if (values === undefined) throw new Error(`No ConsumerPerformance summary (header and values) in its output:\n${stdout.slice(0, 2_000)}`);
  const cells = values.split(',').map((s) => s.trim());
  const out: Record<string, string | number> = {};
  names.forEach((name, i) => {
    const key = COLUMNS[name];
    if (key === undefined) return;
    const cell = cells[i] as string;
    if (key === 'startTime' || key === 'endTime') {
      out[key] = cell;
      return;
    }
    const v = Number(cell);
    if (cell === '' || !Number.isFinite(v)) throw new Error(`ConsumerPerformance column ${name} is not a number: \`${cell}\``);
    out[key] = v;
  });
  const missing = Object.entries(COLUMNS).filter(([, key]) => !(key in out));
  if (missing.length) throw new Error(`ConsumerPerformance output lacks ${missing.map(([name]) => name).join(', ')}`);
  return out as unknown as ConsumerPerformanceFigures;
}

export interface JavaConsumerTool {
  /** Folder of the broker's jars (kafka-tools among them). */
  readonly libs: string;
  readonly version: string;
}

function servicesEnv(): Record<string, string> {
  const vars: Record<string, string> = {};
  if (!existsSync(SERVICES_ENV_FILE)) return vars;
  for (const line of readFileSync(SERVICES_ENV_FILE, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) vars[m[1]] = m[2];
  }
  return vars;
}

/**
 * Where the kafka-tools jar is: KAFKA_LIBS and KAFKA_VERSION from the environment or `.services/services.env`
 * (written by `services.sh up`). Throws with the fix when the jar or `java` is missing, before a long run starts.
 */
export function findJavaConsumerTool(): JavaConsumerTool {
  const file = servicesEnv();
  const libs = process.env.KAFKA_LIBS || file.KAFKA_LIBS;
  const version = process.env.KAFKA_VERSION || file.KAFKA_VERSION;
  if (!libs || !version)
    throw new Error(`KAFKA_LIBS and KAFKA_VERSION are not in ${SERVICES_ENV_FILE}: run \`bash scripts/services.sh up\` again (it writes them)`);
  const jar = join(libs, `kafka-tools-${version}.jar`);
  if (!existsSync(jar)) throw new Error(`${jar} is missing: run \`bash scripts/services.sh up\` again (it adds kafka-tools to the broker's jars)`);
  return { libs, version };
}

export interface JavaConsumeOptions {
  readonly tool: JavaConsumerTool;
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly group: string;
  readonly n: number;
  readonly timeoutMs: number;
}

export interface JavaConsumeRun {
  readonly records: number;
  /** The tool's fetch time: from its first poll after the group join to the N-th record. */
  readonly seconds: number;
  /** The tool's fetch.nMsg.sec. */
  readonly eventsPerSecond: number;
  readonly mbPerSecond: number;
  readonly completed: boolean;
  readonly rebalanceMs: number;
  /** Process start (JVM start-up included) to exit. */
  readonly wallSeconds: number;
  readonly eventsPerSecondWall: number;
}

/** The JVM flags of Kafka's own `kafka-consumer-perf-test.sh` (its heap and kafka-run-class.sh's defaults). */
const JVM_FLAGS = [
  '-Xmx512M',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-Djava.awt.headless=true',
];

export function consumerPerformanceArgs(o: JavaConsumeOptions): string[] {
  return [
    ...JVM_FLAGS,
    '-cp',
    join(o.tool.libs, '*'),
    'org.apache.kafka.tools.ConsumerPerformance',
    '--bootstrap-server',
    o.brokers.join(','),
    '--topic',
    o.topic,
    '--num-records',
    String(o.n),
    '--group',
    o.group,
    // Longest wait for records (group join included) before the tool gives up; its default is 10 s.
    '--timeout',
    String(Math.min(o.timeoutMs, 30_000)),
  ];
}

/** Runs ConsumerPerformance once and returns its own figures plus the wall clock of the process. */
export async function javaConsume(o: JavaConsumeOptions): Promise<JavaConsumeRun> {
  const t0 = performance.now();
  const child = spawn('java', consumerPerformanceArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  }).finally(() => clearTimeout(timer));
  const wallSeconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`ConsumerPerformance exited with ${String(code)}:\n${stderr.slice(-2_000)}${stdout.slice(-2_000)}`);
  const f = parseConsumerPerformance(stdout);
  return {
    records: f.records,
    seconds: f.fetchMs / 1000,
    eventsPerSecond: f.fetchRecordsPerSecond,
    mbPerSecond: f.fetchMbPerSecond,
    completed: f.records >= o.n,
    rebalanceMs: f.rebalanceMs,
    wallSeconds,
    eventsPerSecondWall: f.records / wallSeconds,
  };
}
