/**
 * Prints `{ "river_parity_mismatches": N }`: the (detector, parameter set, stream) cases of
 * test/fixtures/river/*.json where our drift or warning indices differ from River's. For the benchmark summary.
 *   npx tsx scripts/river/parity-count.ts
 */
import { replayAll } from '../../test/unit/drift/river-vectors.js';

const cases = replayAll();
const failed = cases.filter((c) => !c.match);
console.log(JSON.stringify({ river_parity_mismatches: failed.length }));
console.error(`${cases.length} cases replayed`);
for (const c of failed) console.error(`mismatch: ${c.detector} ${c.paramSet} ${c.stream}`);
