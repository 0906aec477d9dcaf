import { createLogger, loadConfig } from '../core/index.js';
import { checkDependencies } from '../pipeline/index.js';
import { EXIT } from './exit-codes.js';

/**
 * `streamtrain check --config FILE`: validates the config, then each dependency in turn, one line each with a
 * tick or what to fix. Exit 0 only when everything is ready; 2 for a config problem, 3 for a dependency.
 */
export async function checkCommand(opts: { config: string }, out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const config = loadConfig(opts.config);
  out(`✓ config           ${opts.config} is valid (model ${config.model.name})`);
  const logger = createLogger({ level: process.env.STREAMTRAIN_LOG_LEVEL === 'debug' ? 'debug' : 'silent' });
  const lines = await checkDependencies(config, logger);
  for (const l of lines) out(`${l.ok ? '✓' : '✗'} ${l.name.padEnd(17)}${l.detail}`);
  const failed = lines.filter((l) => !l.ok).length;
  out(failed === 0 ? 'ready: `streamtrain run --config ' + opts.config + '`' : `${failed} problem${failed === 1 ? '' : 's'} to fix before \`streamtrain run\``);
  return failed === 0 ? EXIT.ok : EXIT.dependency;
}
