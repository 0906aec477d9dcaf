import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Variables of the broker's SASL_SSL listener (for the secured-cluster tests). The demo and `produce` talk to
 * its PLAINTEXT listener (KAFKA_BROKERS): KAFKA_SASL_USERNAME alone would turn SASL on in the config.
 */
const SECURED_LISTENER_VARS = new Set(['KAFKA_SASL_BROKERS', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_MECHANISM', 'KAFKA_CA_FILE']);

/**
 * Fills in addresses and credentials written by `npm run services:up` (.services/services.env) for variables
 * the environment does not already set. Lets the demo find the local Kafka and MinIO with no flags.
 */
export function loadServicesEnv(cwd = process.cwd()): boolean {
  const file = resolve(cwd, '.services/services.env');
  if (!existsSync(file)) return false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m || SECURED_LISTENER_VARS.has(m[1] as string)) continue;
    if (process.env[m[1] as string] === undefined) process.env[m[1] as string] = (m[2] as string).replace(/^"(.*)"$/, '$1');
  }
  return true;
}
