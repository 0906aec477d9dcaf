import type { BackendChoice, Logger } from '../core/index.js';
import { ConfigError } from '../core/index.js';
import { tf } from './tf.js';

/** Backends in order of preference for `auto`: native TensorFlow, then WebAssembly (2-5x the pure-JS cpu backend on small dense models), then cpu. */
const AUTO_ORDER = ['tensorflow', 'wasm', 'cpu'] as const;

let chosen: string | undefined;

/**
 * Picks the tfjs backend once per process and logs which one runs. `@tensorflow/tfjs-node` is an optional
 * dependency: its install downloads libtensorflow, which some machines cannot do, so its absence is normal.
 */
export async function selectBackend(choice: BackendChoice, logger: Logger): Promise<string> {
  if (chosen !== undefined && (choice === 'auto' || choice === chosen)) return chosen;
  const order = choice === 'auto' ? AUTO_ORDER : [choice];
  const failures: string[] = [];
  for (const name of order) {
    if (await tryBackend(name, failures)) {
      chosen = name;
      logger.info({ module: 'learner', backend: name, skipped: failures }, 'tfjs backend selected');
      return name;
    }
  }
  throw new ConfigError(
    'learner.backend',
    `No usable tfjs backend for \`learner.backend: ${choice}\`: ${failures.join('; ')}. Use \`auto\` or install the backend's package.`,
  );
}

async function tryBackend(name: string, failures: string[]): Promise<boolean> {
  try {
    if (name === 'tensorflow') {
      // A variable specifier keeps bundlers and the type checker from requiring the optional package.
      const pkg = '@tensorflow/tfjs-node';
      await import(pkg);
    } else if (name === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm');
    }
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (!ok || tf.getBackend() !== name) {
      failures.push(`${name}: did not initialize`);
      return false;
    }
    return true;
  } catch (err) {
    failures.push(`${name}: ${(err as Error).message.split('\n')[0]}`);
    return false;
  }
}

/** The backend in use, for manifests and logs. */
export function currentBackend(): string {
  return tf.getBackend();
}
