/**
 * The package as a user gets it: `npm pack` (which runs `prepare`, the build), the tarball installed into a
 * temporary project, each entry point imported by plain Node and type-checked by tsc. About a minute, most of
 * it the build.
 *
 * The install needs no network and no npm cache: the tarball is extracted to `node_modules/streamtrain` of the
 * temporary project, and each of its `dependencies` (plus the optional ones present here) is a symlink to the
 * installed copy in this repository's node_modules, as are `@types/node` and tsc on the consuming side. Node
 * and tsc resolve a symlinked package from its real path, so the dependencies find their own dependencies as
 * installed. Only the declared dependencies are linked: an import of an undeclared package fails here, as it
 * would after `npm install streamtrain`.
 *
 * Each entry is imported in its own child process with a module hook that records every module loaded, so the
 * test checks both the named exports and what an entry drags in: `streamtrain/drift` loads no npm package,
 * `streamtrain/subscriber` none of the training code.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REPO_MODULES = realpathSync(join(ROOT, 'node_modules'));
/** npm pack runs the whole TypeScript build on a 2-core machine. */
const PACK_TIMEOUT_MS = 240_000;
const CHILD_TIMEOUT_MS = 60_000;
/** Per test: one or two child processes, each bounded by CHILD_TIMEOUT_MS. */
const TEST_TIMEOUT_MS = 2 * CHILD_TIMEOUT_MS;

/** What each entry must export, by `typeof`. A missing export fails the test with the entry and the name. */
const EXPECTED: Record<string, Record<string, 'function' | 'object' | 'string'>> = {
  streamtrain: {
    StreamtrainService: 'function',
    loadConfig: 'function',
    parseConfig: 'function',
    createLogger: 'function',
    createKafka: 'function',
    decodeVersionEvent: 'function',
    decodeDriftEvent: 'function',
    StreamtrainError: 'function',
    ConfigError: 'function',
    CheckpointIntegrityError: 'function',
    FolderStore: 'function',
    S3Store: 'function',
    openStore: 'function',
    STREAMTRAIN_VERSION: 'string',
  },
  'streamtrain/subscriber': {
    ModelSubscriber: 'function',
    createKafka: 'function',
    createLogger: 'function',
    loadConfig: 'function',
    openStore: 'function',
    FolderStore: 'function',
    S3Store: 'function',
    createDashboard: 'function',
  },
  'streamtrain/drift': {
    AdwinDetector: 'function',
    PageHinkleyDetector: 'function',
    KswinDetector: 'function',
    createDetector: 'function',
    restoreDetector: 'function',
    DataDriftMonitor: 'function',
    FeatureSketch: 'function',
    psi: 'function',
    ksTestEqualSize: 'function',
    DETECTOR_KINDS: 'object',
  },
};

/** Records the URL of every module Node loads (the hook runs off the main thread, hence the file). */
const RECORD_HOOKS = `
import { appendFileSync } from 'node:fs';
let out;
export function initialize(data) { out = data.out; }
export async function load(url, context, nextLoad) {
  appendFileSync(out, url + '\\n');
  return nextLoad(url, context);
}
`;
const REGISTER = `
import { register } from 'node:module';
register('./record-hooks.mjs', import.meta.url, { data: { out: process.env.LOADED_OUT } });
`;
/** Prints `typeof` of every named export of the entry given as argument. */
const IMPORT_ENTRY = `
const entry = process.argv[2];
const mod = await import(entry);
process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(mod).map(([k, v]) => [k, typeof v]))));
`;
/** Compiles only if the declarations resolve with real types (an unresolved type would be \`any\`). */
const CONSUMER_TS = `
import { ConfigError, loadConfig, StreamtrainService, type DriftEvent, type Manifest, type ServiceOptions, type ServiceStatus, type StreamtrainConfig, type VersionEvent } from 'streamtrain';
import { FolderStore, ModelSubscriber, type LoadedVersion, type ModelSubscriberOptions } from 'streamtrain/subscriber';
import { ksTestEqualSize, PageHinkleyDetector, psi, type DriftDetector, type KsResult } from 'streamtrain/drift';

type IsAny<T> = 0 extends 1 & T ? true : false;
export const notAny: [
  IsAny<StreamtrainConfig>, IsAny<ServiceOptions>, IsAny<ServiceStatus>, IsAny<Manifest>, IsAny<VersionEvent>, IsAny<DriftEvent>,
  IsAny<ModelSubscriber>, IsAny<ModelSubscriberOptions['kafka']>, IsAny<ModelSubscriberOptions['logger']>, IsAny<LoadedVersion>,
  IsAny<DriftDetector>, IsAny<KsResult>, IsAny<StreamtrainService>,
] = [false, false, false, false, false, false, false, false, false, false, false, false, false];

export function consumer(path: string): { service: StreamtrainService; score: number; p: number; version?: string } {
  const config: StreamtrainConfig = loadConfig(path);
  const service = new StreamtrainService({ config, logger: undefined as unknown as ServiceOptions['logger'] });
  const store = new FolderStore('./checkpoints');
  const subscriber = new ModelSubscriber({ kafka: undefined as unknown as ModelSubscriberOptions['kafka'], versionsTopic: 'v', model: 'm', store, logger: undefined as unknown as ModelSubscriberOptions['logger'] });
  const detector: DriftDetector = new PageHinkleyDetector({ threshold: 20 });
  const drifted: boolean = detector.update(1).drift;
  const error: Error = new ConfigError('field', 'message');
  return { service, score: psi([1, 2], [2, 1]) + Number(drifted) + error.message.length, p: ksTestEqualSize([1], [2]).pValue, version: subscriber.version };
}
`;

let work: string;
let project: string;
let packedFiles: string[];

function link(name: string, target = join(REPO_MODULES, name)): void {
  const at = join(project, 'node_modules', name);
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(realpathSync(target), at, 'dir');
}

async function node(args: string[], env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  const { NODE_OPTIONS: _drop, ...base } = process.env;
  return run(process.execPath, args, { cwd: project, env: { ...base, ...env }, timeout: CHILD_TIMEOUT_MS, maxBuffer: 16 << 20 });
}

/** Imports one entry in a fresh Node: its exports' types and every module URL it loaded. */
async function importEntry(entry: string): Promise<{ exports: Record<string, string>; loaded: string[] }> {
  const out = join(work, `loaded-${entry.replace(/\W/g, '_')}.txt`);
  writeFileSync(out, '');
  const { stdout } = await node(['--import', './register.mjs', './import-entry.mjs', entry], { LOADED_OUT: out });
  const loaded = readFileSync(out, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:'));
  return { exports: JSON.parse(stdout) as Record<string, string>, loaded };
}

/** Loaded modules inside the installed package, as paths below its root (`dist/drift/index.js`). */
const ownModules = (loaded: string[]) =>
  loaded.filter((u) => u.includes('/node_modules/streamtrain/')).map((u) => u.split('/node_modules/streamtrain/')[1] as string);
/** Loaded modules of other packages, by package name. */
const otherPackages = (loaded: string[]) =>
  [...new Set(loaded.filter((u) => !u.includes('/node_modules/streamtrain/')).map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]))].filter(
    (p): p is string => !!p,
  );

describe('npm package', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'streamtrain-pack-'));
    project = join(work, 'project');
    const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: ROOT,
      env: npmEnv,
      timeout: PACK_TIMEOUT_MS,
      maxBuffer: 64 << 20,
    });
    // `prepare` writes the build's output before npm's JSON: the JSON is the last top-level array.
    const report = JSON.parse(stdout.slice(stdout.lastIndexOf('\n[') + 1)) as { filename: string; files: { path: string }[] }[];
    const packed = report[0];
    if (!packed) throw new TypeError(`npm pack reported nothing: ${stdout.slice(-2000)}`);
    packedFiles = packed.files.map((f) => f.path);

    mkdirSync(join(project, 'node_modules', 'streamtrain'), { recursive: true });
    await run('tar', ['-xzf', join(work, packed.filename), '-C', join(project, 'node_modules', 'streamtrain'), '--strip-components=1'], {
      timeout: CHILD_TIMEOUT_MS,
    });
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'streamtrain', 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies ?? {})) link(name);
    for (const name of Object.keys(manifest.optionalDependencies ?? {})) if (existsSync(join(REPO_MODULES, name))) link(name);
    link('@types/node');

    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { streamtrain: `file:${packed.filename}` } }),
    );
    writeFileSync(join(project, 'record-hooks.mjs'), RECORD_HOOKS);
    writeFileSync(join(project, 'register.mjs'), REGISTER);
    writeFileSync(join(project, 'import-entry.mjs'), IMPORT_ENTRY);
    writeFileSync(join(project, 'consumer.ts'), CONSUMER_TS);
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
  }, PACK_TIMEOUT_MS + CHILD_TIMEOUT_MS);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs the build, the schemas, the command, the dashboard page and the license, and no sources', () => {
    for (const file of [
      'package.json',
      'README.md',
      'LICENSE',
      'bin/streamtrain.js',
      'schemas/model-version.avsc',
      'schemas/drift-event.avsc',
      'dist/cli/main.js',
      'web/dashboard/index.html',
      'web/dashboard/app.js',
    ]) {
      expect(packedFiles, file).toContain(file);
    }
    for (const entry of ['dist/index', 'dist/subscriber/index', 'dist/drift/index']) {
      expect(packedFiles, `${entry}.js`).toContain(`${entry}.js`);
      expect(packedFiles, `${entry}.d.ts`).toContain(`${entry}.d.ts`);
    }
    expect(packedFiles.filter((f) => /^(src|test|bench|scripts|examples)\//.test(f))).toEqual([]);
  });

  it.each(Object.keys(EXPECTED))(
    '%s imports in plain Node with its named exports',
    async (entry) => {
      const { exports } = await importEntry(entry);
      for (const [name, type] of Object.entries(EXPECTED[entry] ?? {})) expect(exports[name], `${entry} exports ${name}`).toBe(type);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'streamtrain/drift loads no npm package and nothing outside drift and the errors',
    async () => {
      const { loaded } = await importEntry('streamtrain/drift');
      expect(otherPackages(loaded)).toEqual([]);
      expect(ownModules(loaded).filter((m) => !m.startsWith('dist/drift/') && m !== 'dist/core/errors.js')).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'streamtrain/subscriber loads none of the training code',
    async () => {
      const { loaded } = await importEntry('streamtrain/subscriber');
      expect(ownModules(loaded).filter((m) => /^dist\/(learner|pipeline|producers|drift|server|cli|datasets)\//.test(m))).toEqual([]);
      expect(ownModules(loaded)).toContain('dist/subscriber/model-subscriber.js');
      for (const pkg of ['@tensorflow/tfjs', '@tensorflow/tfjs-node', '@tensorflow/tfjs-data', '@tensorflow/tfjs-converter'])
        expect(otherPackages(loaded)).not.toContain(pkg);
      expect(otherPackages(loaded)).toContain('@tensorflow/tfjs-layers');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'the streamtrain command runs from the package, with nothing on stderr',
    async () => {
      const { stdout, stderr } = await node([join(project, 'node_modules', 'streamtrain', 'bin', 'streamtrain.js'), '--version']);
      expect(stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
      expect(stderr).toBe('');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'the type declarations of the three entries resolve for a TypeScript consumer',
    async () => {
      const tsc = join(REPO_MODULES, 'typescript', 'bin', 'tsc');
      const result = await node([tsc, '-p', 'tsconfig.json']).catch((err: { stdout?: string; stderr?: string }) => ({
        stdout: err.stdout ?? '',
        stderr: err.stderr ?? String(err),
      }));
      expect(`${result.stdout}${result.stderr}`.trim()).toBe('');
    },
    TEST_TIMEOUT_MS,
  );
});
