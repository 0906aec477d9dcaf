import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadServicesEnv } from '../../../src/cli/services-env.js';

const KEYS = ['ST_UNIT_BROKERS', 'ST_UNIT_KEPT', 'KAFKA_SASL_BROKERS', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'KAFKA_SASL_MECHANISM', 'KAFKA_CA_FILE'];

describe('loadServicesEnv (demo, produce)', () => {
  const saved = new Map(KEYS.map((k) => [k, process.env[k]]));
  const dirs: string[] = [];
  afterEach(async () => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('fills in unset variables but leaves out the SASL_SSL listener, which would turn SASL on for the PLAINTEXT one', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'st-env-'));
    dirs.push(cwd);
    await mkdir(join(cwd, '.services'));
    await writeFile(
      join(cwd, '.services/services.env'),
      [
        '# comment',
        'ST_UNIT_BROKERS=127.0.0.1:9092',
        'ST_UNIT_KEPT=from-file',
        'KAFKA_SASL_BROKERS=127.0.0.1:9094',
        'KAFKA_SASL_USERNAME=streamtrain',
        'KAFKA_SASL_PASSWORD=secret',
        'KAFKA_SASL_MECHANISM=scram-sha-512',
        'KAFKA_CA_FILE=/tmp/ca.pem',
        '',
      ].join('\n'),
    );
    for (const k of KEYS) delete process.env[k];
    process.env.ST_UNIT_KEPT = 'from-env';
    expect(loadServicesEnv(cwd)).toBe(true);
    expect(process.env.ST_UNIT_BROKERS).toBe('127.0.0.1:9092');
    expect(process.env.ST_UNIT_KEPT).toBe('from-env');
    for (const k of KEYS.slice(2)) expect(process.env[k], k).toBeUndefined();
    expect(loadServicesEnv(join(cwd, 'nowhere'))).toBe(false);
  });
});
