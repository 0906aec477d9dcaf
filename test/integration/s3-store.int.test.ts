import { randomUUID } from 'node:crypto';
import { afterAll, describe } from 'vitest';
import { S3Store } from '../../src/checkpoints/index.js';
import { storeContract } from '../support/store-contract.js';
import { s3Settings } from './services.js';

const stores: S3Store[] = [];
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
});

/** The same contract as the folder store, against the real MinIO: conditional writes included. */
describe('S3Store on a real S3-compatible server', () => {
  storeContract(async () => {
    const s3 = await s3Settings();
    const store = new S3Store({ ...s3, prefix: `contract/${randomUUID()}` });
    stores.push(store);
    return { store, model: 'm' };
  });
});
