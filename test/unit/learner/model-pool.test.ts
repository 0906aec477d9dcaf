import { beforeAll, describe, expect, it } from 'vitest';
import { ModelManager } from '../../../src/adaptation/index.js';
import { createLogger, parseConfig, poolMemberName as memberName } from '../../../src/core/index.js';
import { createLearner, loadModelArtifacts, memberSpec, ModelPool, OnlineLearner, selectBackend, tf } from '../../../src/learner/index.js';
import { snapshotFromJson } from '../../../src/learner/snapshot-json.js';
import { testModelSpec } from '../../support/model-spec.js';

const logger = createLogger({ level: 'silent' });
const pool = { members: [[], [16]], window: 200, margin: 0.02 };
const spec = testModelSpec({ type: 'auto', pool, standardize: true });
const opts = { spec, inputWidth: 2, metricsWindow: 500, logger, updateBatchSize: 1 };

/** Seeded batches; `xor`: y = 1 iff x0 and x1 have the same sign (no linear model does better than chance), else y = 1 iff x0 + x1 > 0. */
function batch(seed: number, xor: boolean, size = 100) {
  let s = seed * 7919 + 1;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  const features = new Float32Array(size * 2).map(rnd);
  const labels = new Float32Array(size).map((_, i) => {
    const [a, b] = [features[2 * i] as number, features[2 * i + 1] as number];
    return (xor ? a * b > 0 : a + b > 0) ? 1 : 0;
  });
  return { size, width: 2, features, labels };
}

describe('ModelPool (model.type: auto)', () => {
  beforeAll(async () => {
    await selectBackend('auto', logger);
  });

  it('is what the config builds by default: a linear model and an MLP, standardized, a step per sample', () => {
    const c = parseConfig({ model: { name: 'm' }, kafka: { topics: ['t'] }, input: { features: [{ field: 'a' }], label: { field: 'y' } } }, { env: {} });
    expect(c.model.type).toBe('auto');
    expect(c.model.standardize).toBe(true);
    expect(c.model.pool?.members.length ?? 0).toBeGreaterThanOrEqual(2);
    expect(c.model.pool?.members.map(memberName)).toEqual(['linear-sgd-plain', 'linear', 'mlp-16', 'mlp-64']);
    expect(memberSpec(c.model, c.model.pool?.members[0] as never)).toMatchObject({ optimizer: { type: 'sgd', learningRate: 0.01 }, averaging: { horizon: 0 } });
    expect(c.learner.updateBatchSize).toBe('auto');
    const r = parseConfig(
      { model: { name: 'm', task: 'regression' }, kafka: { topics: ['t'] }, input: { features: [{ field: 'a' }], label: { field: 'y' } } },
      { env: {} },
    );
    expect([r.model.type, r.model.pool?.members.map(memberName)]).toEqual(['auto', ['linear-sgd-plain', 'mlp-64']]);
    expect([c.model.standardizeBy, r.model.standardizeBy]).toEqual(['record', 'record']);
    const own = parseConfig(
      { model: { name: 'm', pool: { members: [[], [8, 8]] } }, kafka: { topics: ['t'] }, input: { features: [{ field: 'a' }], label: { field: 'y' } } },
      { env: {} },
    );
    expect(own.model.pool?.members).toEqual([
      { name: 'linear', hidden: [] },
      { name: 'mlp-8-8', hidden: [8, 8] },
    ]);
  });

  it('takes members with their own optimizer or without averaging, named after what differs; a repeated name is refused', () => {
    const tree = (members: unknown) => ({
      model: { name: 'm', pool: { members } },
      kafka: { topics: ['t'] },
      input: { features: [{ field: 'a' }], label: { field: 'y' } },
    });
    const c = parseConfig(
      tree([{ hidden: [], optimizer: { type: 'sgd' }, averaging: false }, [], { hidden: [16], optimizer: { learningRate: 0.1 }, name: 'fast' }]),
      { env: {} },
    );
    expect(c.model.pool?.members.map(memberName)).toEqual(['linear-sgd-plain', 'linear', 'fast']);
    expect(memberSpec(c.model, c.model.pool?.members[0] as never)).toMatchObject({
      type: 'logistic',
      optimizer: { type: 'sgd', learningRate: 0.01 },
      averaging: { horizon: 0 },
    });
    expect(memberSpec(c.model, c.model.pool?.members[2] as never)).toMatchObject({
      type: 'mlp',
      hiddenUnits: [16],
      optimizer: { type: 'adam', learningRate: 0.1 },
    });
    expect(() => parseConfig(tree([[], { hidden: [] }]), { env: {} })).toThrow(/model\.pool\.members\[1\]`.*`linear` of member 0/s);
    expect(() => parseConfig(tree([{ hidden: [], optimizer: { kind: 'sgd' } }]), { env: {} })).toThrow(/model\.pool\.members\[0\]/);
  });

  it('a member with its own optimizer and no averaging learns as a single model so configured', async () => {
    const members = [[], { hidden: [], optimizer: { type: 'sgd' as const, learningRate: 0.05 }, averaging: false }];
    const p = (await createLearner({ ...opts, spec: testModelSpec({ type: 'auto', pool: { ...pool, members }, standardize: true }) })) as ModelPool;
    const plainSpec = testModelSpec({ type: 'logistic', standardize: true, optimizer: { type: 'sgd', learningRate: 0.05, clipNorm: 10 } });
    const single = await OnlineLearner.create({ ...opts, spec: { ...plainSpec, averaging: { ...plainSpec.averaging, horizon: 0 } } });
    for (let i = 0; i < 10; i++) {
      p.step(batch(i, false));
      single.step(batch(i, false));
    }
    const snap = await p.snapshot();
    const member = snap.learner.pool.members[1];
    expect(member?.name).toBe('linear-sgd-lr0.05-plain');
    const restored = await OnlineLearner.create({ ...opts, spec: plainSpec }, snapshotFromJson(member?.snapshot as never));
    const probe = batch(321, false, 16);
    expect(restored.predict(probe.features, 16)).toEqual(single.predict(probe.features, 16));
    for (const l of [p, single, restored]) l.dispose();
  });

  it('when the members change, the ones kept continue from the checkpoint, new ones start afresh, the serving one stays', async () => {
    const a = (await createLearner(opts)) as ModelPool;
    for (let i = 0; i < 40; i++) a.step(batch(i, i >= 5));
    expect(a.servingMember).toBe('mlp-16');
    const snap = await a.snapshot();
    const wider = { ...pool, members: [[], { hidden: [], optimizer: { type: 'sgd' as const }, averaging: false }, [16]] };
    const b = (await createLearner({ ...opts, spec: testModelSpec({ type: 'auto', pool: wider, standardize: true }) }, snap)) as ModelPool;
    expect(b.servingMember).toBe('mlp-16');
    const probe = batch(654, true, 16);
    expect(b.predict(probe.features, 16)).toEqual(a.predict(probe.features, 16));
    // The new member learned nothing: its snapshot's weights are a fresh model's.
    const fresh = (await createLearner({ ...opts, spec: testModelSpec({ type: 'auto', pool: wider, standardize: true }) })) as ModelPool;
    const [sb, sf] = [await b.snapshot(), await fresh.snapshot()];
    expect(sb.learner.pool.members[1]?.snapshot).toEqual(sf.learner.pool.members[1]?.snapshot);
    expect(sb.learner.pool.members[0]?.snapshot).not.toEqual(sf.learner.pool.members[0]?.snapshot);
    for (const l of [a, b, fresh]) l.dispose();
  });

  it('when the serving member is no longer listed, a member the checkpoint holds serves, published as a switch', async () => {
    const a = (await createLearner(opts)) as ModelPool;
    for (let i = 0; i < 5; i++) a.step(batch(i, false));
    expect(a.servingMember).toBe('linear');
    const snap = await a.snapshot();
    const held = await OnlineLearner.create({ ...opts, spec: memberSpec(spec, [16]) }, snapshotFromJson(snap.learner.pool.members[1]?.snapshot as never));
    const other = { ...pool, members: [{ hidden: [], optimizer: { type: 'sgd' as const }, averaging: false }, [16]] };
    const b = (await createLearner({ ...opts, spec: testModelSpec({ type: 'auto', pool: other, standardize: true }) }, snap)) as ModelPool;
    expect(b.servingMember).toBe('mlp-16');
    expect(b.takeSwitch()).toMatchObject({ from: 'linear', to: 'mlp-16' });
    expect(b.takeSwitch()).toBeUndefined();
    const probe = batch(987, false, 16);
    expect(b.predict(probe.features, 16)).toEqual(held.predict(probe.features, 16));
    for (const l of [a, b, held]) l.dispose();
  });

  it('serves the linear member on a linear concept, and switches to the MLP (a new major) when only it can learn the concept', async () => {
    const m = await ModelManager.create({ spec, drift: { ...parseDrift(), responses: [] }, inputWidth: 2, metricsWindow: 500, logger, updateBatchSize: 1 });
    for (let i = 0; i < 20; i++) await m.step(batch(i, false));
    expect(m.metrics().pool_serving).toBe(0);
    const switches = [];
    for (let i = 20; i < 80; i++) switches.push(...(await m.step(batch(i, true))).events.filter((e) => e.kind === 'pool-switched'));
    expect(switches[0]).toMatchObject({ kind: 'pool-switched', from: 'linear', to: 'mlp-16' });
    expect(m.metrics().pool_serving).toBe(1);
    expect(m.metrics().pool_errors_mlp_16).toBeLessThan(m.metrics().pool_errors_linear as number);
    // The published model is the MLP's: a loader of the snapshot gets a hidden layer, and predicts what the pool predicts.
    const snap = await m.learner.snapshot();
    expect(snap.weightSpecs.map((w) => w.shape)).toEqual([[2, 16], [16], [16, 1], [1]]);
    const probe = batch(999, true, 16);
    const loaded = await loadModelArtifacts(snap);
    const out = tf.tidy(() => (loaded.predict(tf.tensor2d(probe.features, [16, 2])) as tf.Tensor).dataSync() as Float32Array);
    const own = m.learner.predict(probe.features, 16);
    own.forEach((v, i) => expect(v).toBeCloseTo(out[i] as number, 4));
    loaded.dispose();
    // The served metric covers both members' turns.
    expect(m.metrics().served_samples).toBe(80 * 100);
    m.dispose();
  });

  it('continues exactly after a snapshot and restore: every member, the window and the serving choice', async () => {
    const a = (await createLearner(opts)) as ModelPool;
    for (let i = 0; i < 30; i++) a.step(batch(i, i >= 10));
    const snap = await a.snapshot();
    const b = (await createLearner(opts, { ...snap, learner: JSON.parse(JSON.stringify(snap.learner)) as unknown })) as ModelPool;
    expect(b).toBeInstanceOf(ModelPool);
    expect(b.servingMember).toBe(a.servingMember);
    for (let i = 30; i < 40; i++) {
      const [ra, rb] = [a.step(batch(i, true)), b.step(batch(i, true))];
      expect(rb.loss).toBe(ra.loss);
      expect(rb.errors).toEqual(ra.errors);
    }
    expect(b.liveMetrics().pool_switches).toBe(a.liveMetrics().pool_switches);
    a.dispose();
    b.dispose();
  });

  it('keeps the serving member while the others skip batches (poolEvery > 1), and reconsiders once they learn every batch', async () => {
    const a = (await createLearner(opts)) as ModelPool;
    for (let i = 0; i < 60; i++) a.step({ ...batch(i, true), poolEvery: 2 });
    expect(a.liveMetrics().pool_switches).toBe(0);
    for (let i = 60; i < 120; i++) a.step(batch(i, true));
    expect(a.servingMember).toBe('mlp-16');
    a.dispose();
  });

  it('keeps the serving member while the learner is behind its input, and reconsiders once it catches up', async () => {
    const a = (await createLearner(opts)) as ModelPool;
    for (let i = 0; i < 60; i++) a.step({ ...batch(i, true), stepSamples: 100, behind: true });
    expect(a.liveMetrics().pool_switches).toBe(0);
    for (let i = 60; i < 120; i++) a.step(batch(i, true));
    expect(a.servingMember).toBe('mlp-16');
    a.dispose();
  });

  it('does not follow chance: on labels that no member can predict it switches rarely, and ends on a simple member', async () => {
    const a = (await createLearner(opts)) as ModelPool;
    let s = 12345;
    const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 300; i++) {
      const b = batch(i, false);
      a.step({ ...b, labels: b.labels.map(() => (rnd() < 0.5 ? 1 : 0)) });
    }
    // 30,000 samples of coin flips: a selector that followed the lowest recent error would switch hundreds of times.
    expect(a.liveMetrics().pool_switches).toBeLessThanOrEqual(4);
    a.dispose();
  });

  it('under backpressure (poolEvery) the other members learn one batch in poolEvery; the serving one learns every batch', async () => {
    const a = (await createLearner(opts)) as ModelPool;
    const serving = await OnlineLearner.create({ ...opts, spec: testModelSpec({ type: 'logistic', standardize: true }) });
    const other = await OnlineLearner.create({ ...opts, spec: testModelSpec({ type: 'mlp', hiddenUnits: [16], standardize: true }) });
    for (let i = 0; i < 12; i++) {
      const b = batch(i, false);
      const r = a.step({ ...b, poolEvery: 4 });
      // The serving (linear) member is a learner of its own: it learned every batch exactly as the pool's did.
      expect(r.errors).toEqual(serving.step(b).errors);
      if ((i + 1) % 4 === 0) other.step(b);
    }
    expect(a.liveMetrics().pool_skipped_batches).toBe(9);
    // The MLP learned batches 4, 8 and 12 only: the pool's snapshot of it equals a learner fed exactly those.
    const snap = await a.snapshot();
    const member = snap.learner.pool.members[1]?.snapshot;
    const probe = batch(777, false, 16);
    const restored = await OnlineLearner.create(
      { ...opts, spec: testModelSpec({ type: 'mlp', hiddenUnits: [16], standardize: true }) },
      snapshotFromJson(member as never),
    );
    expect(restored.predict(probe.features, 16)).toEqual(other.predict(probe.features, 16));
    for (const l of [a, serving, other, restored]) l.dispose();
  });

  it("seeds the member of a single model's shape from that model's checkpoint", async () => {
    const single = await OnlineLearner.create({ ...opts, spec: testModelSpec({ type: 'logistic', standardize: true }) });
    for (let i = 0; i < 10; i++) single.step(batch(i, false));
    const snap = await single.snapshot();
    const p = (await createLearner(opts, snap)) as ModelPool;
    const probe = batch(500, false, 32);
    expect(p.predict(probe.features, 32)).toEqual(single.predict(probe.features, 32));
    single.dispose();
    p.dispose();
  });
});

function parseDrift() {
  return parseConfig({ model: { name: 'm' }, kafka: { topics: ['t'] }, input: { features: [{ field: 'a' }], label: { field: 'y' } } }, { env: {} }).drift;
}
