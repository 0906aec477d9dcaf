import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, DependencyError, StreamtrainError, STREAMTRAIN_VERSION } from '../core/index.js';
import { checkCommand } from './check-command.js';
import { exitCodeOf } from './exit-codes.js';
import { demoCommand } from './demo-command.js';
import { initCommand } from './init-command.js';
import { produceCommand } from './produce-command.js';
import { retrainCommand } from './retrain-command.js';
import { decideCommand, rolloutCommand } from './rollout-commands.js';
import { runCommand } from './run-command.js';
import { loadServicesEnv } from './services-env.js';
import { versionsCommand } from './versions-command.js';

// The AWS SDK prints a notice, once per process, that its releases after January 2027 need Node >= 22 (it
// warns on the S3 client's construction, so setting this before any command runs is enough). This CLI supports
// Node >= 20.12 (package.json `engines`), and the notice landed in the middle of the demo's output; the SDK's
// documented switch (github.com/aws/aws-sdk-js-v3/issues/7983) turns it off for this process only. A value the
// user set is kept. Library users (`import 'streamtrain'`) see the SDK's behaviour unchanged.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`Expected ${name} to be an integer >= ${min}, got \`${v}\``);
  return n;
};
const positive = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`Expected ${name} to be a number > 0, got \`${v}\``);
  return n;
};
const intList = (v: string) => v.split(',').map((x) => int('--drift-at', 1)(x.trim()));

const program = new Command()
  .name('streamtrain')
  .description('Stateful continual learning on Kafka streams: one live TensorFlow.js model, updated on every micro-batch.')
  .version(STREAMTRAIN_VERSION);

program
  .command('run')
  .description('Run the service: consume, learn test-then-train, checkpoint, publish versions. SIGINT/SIGTERM stop it cleanly.')
  .requiredOption('-c, --config <file>', 'config file (YAML or JSON); addresses and secrets can come from env (KAFKA_BROKERS, S3_*, ...)')
  .option('--progress-seconds <n>', 'seconds between progress log lines', int('--progress-seconds', 1), 30)
  .action(async (o: { config: string; progressSeconds: number }) => exit(await runCommand(o)));

program
  .command('check')
  .description('Validate the config, then each dependency (brokers, topics, group, store, registry, backend): a tick or the fix. Exit 0 only when ready.')
  .requiredOption('-c, --config <file>', 'config file of the model')
  .action(async (o: { config: string }) => exit(await checkCommand(o)));

program
  .command('versions')
  .description('List the model versions in the checkpoint store: parents, samples, live metric, trigger; LATEST marked.')
  .requiredOption('-c, --config <file>', 'config file of the model')
  .option('--json', 'print JSON instead of a table', false)
  .option('--key <key>', 'a keyed model (model.partitionBy): the versions of this key')
  .action(async (o: { config: string; json: boolean; key?: string }) => exit(await versionsCommand(o)));

program
  .command('retrain')
  .description(
    'Train a new architecture or feature set from scratch by replaying the source topics, race it against the live model, and make it a new major if it wins.',
  )
  .requiredOption('-c, --config <file>', 'the new config: same model.name, store and source topics as the live model')
  .option('--from <when>', '`earliest` (the oldest offset Kafka retains) or an ISO time to replay from', 'earliest')
  .option('--race-samples <n>', 'paired samples the race may take (default: drift.challenger.maxSamples)', int('--race-samples', 10))
  .option('--race-seconds <n>', 'time the race may take', positive('--race-seconds'), 600)
  .action(async (o: { config: string; from: string; raceSamples?: number; raceSeconds: number }) => exit(await retrainCommand(o)));

program
  .command('decide')
  .description('Decide rollouts (rollout.policy): start one per new line, test it on labelled outcomes, publish promote / reject. Many may run; one leads.')
  .requiredOption('-c, --config <file>', 'config file of the model')
  .action(async (o: { config: string }) => exit(await decideCommand(o)));

program
  .command('rollback')
  .description('Every subscriber serves this earlier version now; the trainer continues from it as a new major, or keeps its weights.')
  .requiredOption('-c, --config <file>', 'config file of the model')
  .requiredOption('--to <version>', 'major.minor to serve')
  .option(
    '--training <choice>',
    '`restart`: the trainer continues from --to as a new major, served once written; `continue`: it keeps its weights, and --to serves until `unpin`',
    'restart',
  )
  .option('--reason <text>', 'why, for the lineage')
  .action(async (o: { config: string; to: string; training: string; reason?: string }) => {
    if (o.training !== 'continue' && o.training !== 'restart')
      throw new ConfigError('--training', `Expected \`--training\` to be restart or continue, got \`${o.training}\``);
    exit(await rolloutCommand(o, { kind: 'rollback', to: o.to, training: o.training }));
  });

program
  .command('pin')
  .description('Every subscriber serves this version, whatever the trainer publishes, until `unpin`.')
  .argument('<version>', 'major.minor to serve')
  .requiredOption('-c, --config <file>', 'config file of the model')
  .option('--reason <text>', 'why, for the lineage')
  .action(async (version: string, o: { config: string; reason?: string }) => exit(await rolloutCommand(o, { kind: 'pin', to: version })));

program
  .command('unpin')
  .description('Subscribers follow the lines again (the champion line, or the newest under rollout.policy immediate).')
  .requiredOption('-c, --config <file>', 'config file of the model')
  .option('--reason <text>', 'why, for the lineage')
  .action(async (o: { config: string; reason?: string }) => exit(await rolloutCommand(o, { kind: 'unpin' })));

program
  .command('produce')
  .description('Replay a stream into a topic, with a progress bar and an optional rate limit.')
  .requiredOption('-t, --topic <topic>', 'target topic (created if missing)')
  .option('-s, --source <source>', 'sea | hyperplane (seeded generators) | shared:sea | shared:elec2 | file:PATH (CSV, space separated, JSONL)', 'sea')
  .option('-b, --brokers <list>', 'comma-separated brokers (env KAFKA_BROKERS)', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
  .option('-r, --rate <n>', 'records per second (default: as fast as possible)', positive('--rate'))
  .option('-n, --limit <n>', 'stop after n records', int('--limit', 1))
  .option('--length <n>', 'length of a generated stream', int('--length', 1), 100_000)
  .option('--seed <n>', 'generator seed', int('--seed', 0), 1)
  .option('--drift-at <list>', 'generator concept changes at these record indices (default: every quarter)', intList)
  .option('--drift-width <n>', 'width of a gradual concept change (0 = abrupt)', int('--drift-width', 0), 0)
  .option('--partitions <n>', 'partitions when creating the topic', int('--partitions', 1))
  .action(
    async (o: {
      topic: string;
      source: string;
      brokers: string;
      rate?: number;
      limit?: number;
      length: number;
      seed: number;
      driftAt?: number[];
      driftWidth: number;
      partitions?: number;
    }) => exit(await produceCommand({ ...o, brokers: o.brokers.split(',').map((b) => b.trim()) })),
  );

program
  .command('init')
  .description('Sample a topic, infer the features, the label and the task, and write a commented config (no record values in it).')
  .requiredOption('-t, --topic <topic>', 'topic to sample')
  .option('-b, --brokers <list>', 'comma-separated brokers (env KAFKA_BROKERS)', process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
  .option('-n, --sample <n>', 'records to read at most, from the beginning of every partition', int('--sample', 1), 2_000)
  .option('--max-seconds <n>', 'time bound of the read', positive('--max-seconds'), 15)
  .option('--avro-schema <file>', 'records are Avro binary with this writer schema (.avsc)')
  .option('--schema-registry <url>', 'records are Avro in the Confluent wire format; schemas from this registry')
  .option('--label <field>', 'the label field (default: label, y, target, class, outcome or is_*, else asked on a terminal)')
  .option('--label-classes-from-sample', 'for a string label, write the class names seen in the sample', false)
  .option('-o, --out <file>', 'config file to write', 'streamtrain.yaml')
  .option('--force', 'overwrite --out if it exists', false)
  .action(
    async (o: {
      topic: string;
      brokers: string;
      sample: number;
      maxSeconds: number;
      avroSchema?: string;
      schemaRegistry?: string;
      label?: string;
      labelClassesFromSample: boolean;
      out: string;
      force: boolean;
    }) => exit(await initCommand({ ...o, brokers: o.brokers.split(',').map((b) => b.trim()) })),
  );

program
  .command('demo')
  .description('The main job on local services (npm run services:up): produce a drifting stream, learn it live, follow versions with a subscriber.')
  .option('-s, --source <source>', 'stream to replay (see produce --source)', 'sea')
  .option('-n, --events <n>', 'records to produce', int('--events', 1000), 60_000)
  .option('-r, --rate <n>', 'records per second', positive('--rate'), 3_000)
  .option('--seed <n>', 'generator seed', int('--seed', 0), 1)
  .option('--labels <mode>', '`inline` (each record carries its label) or `delayed` (serve, log, join outcomes that come later)', 'inline')
  .action(async (o: { source: string; events: number; rate: number; seed: number; labels: string }) => {
    if (o.labels !== 'inline' && o.labels !== 'delayed') throw new ConfigError('labels', `Expected \`--labels\` to be inline or delayed, got \`${o.labels}\``);
    exit(await demoCommand({ ...o, labels: o.labels }));
  });

function exit(code: number): void {
  process.exitCode = code;
  // Let stdout flush; kafkajs keeps sockets for a moment after disconnect.
  setTimeout(() => process.exit(code), 200).unref();
}

// The local services' addresses and credentials, for the commands meant to run against them (never for `run`).
if (['demo', 'produce'].includes(process.argv[2] ?? '')) loadServicesEnv();
// One line naming the setting and the fix; the stack and the cause only with STREAMTRAIN_LOG_LEVEL=debug.
program.parseAsync(process.argv).catch((err: unknown) => {
  const debug = process.env.STREAMTRAIN_LOG_LEVEL === 'debug' || process.env.STREAMTRAIN_LOG_LEVEL === 'trace';
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else if (err instanceof DependencyError) process.stderr.write(`${err.message}\n  setting: ${err.setting}\n`);
  else if (err instanceof StreamtrainError) process.stderr.write(`${err.name} (${err.code}): ${err.message}\n`);
  else process.stderr.write(`${debug ? ((err as Error).stack ?? String(err)) : String((err as Error).message ?? err)}\n`);
  if (debug && err instanceof Error && err.cause) process.stderr.write(`cause: ${(err.cause as Error).stack ?? String(err.cause)}\n`);
  process.exit(exitCodeOf(err));
});
