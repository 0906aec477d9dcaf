import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Fills in addresses and credentials written by `npm run services:up` (.services/services.env) for variables
 * the environment does not already set. Lets the demo find the local Kafka and MinIO with no flags.
 */
export function loadServicesEnv(cwd = process.cwd()): boolean {
  const file = resolve(cwd, '.services/services.env');
  if (!existsSync(file)) return false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1] as string] === undefined) process.env[m[1] as string] = (m[2] as string).replace(/^"(.*)"$/, '$1');
  }
  return true;
}
