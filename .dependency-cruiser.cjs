/**
 * The folder rules of docs/design.md, checked on every test run: stage folders (labels too) import only src/core,
 * drift has no tfjs or kafkajs, rollout imports only core, learner and checkpoints no kafkajs, adaptation (the drift
 * responses) imports only core, learner and drift, cluster and dashboard only core and checkpoints, metrics nothing
 * of ours, the decider no trainer code, and there are no cycles. The package's entry
 * points (src/index.ts, src/subscriber/index.ts, src/drift/index.ts: package.json `exports`) keep their
 * promises transitively: `streamtrain/drift` reaches no npm package, `streamtrain/subscriber` no training code.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const stages = ['consumers', 'learner', 'drift', 'checkpoints', 'producers', 'labels'];

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'core-imports-nothing-of-ours', severity: 'error', from: { path: '^src/core/' }, to: { path: '^src/(?!core/)' } },
    ...stages.map((stage) => ({
      name: `${stage}-imports-only-core`,
      comment: 'Stage folders never import each other: shared things belong in src/core.',
      severity: 'error',
      from: { path: `^src/${stage}/` },
      to: { path: `^src/(?!core/|${stage}/)` },
    })),
    {
      name: 'metrics-imports-nothing-of-ours',
      comment: 'The status series helper (src/metrics) is generic: prom-client only, shared by the server and the subscriber.',
      severity: 'error',
      from: { path: '^src/metrics/' },
      to: { path: '^src/(?!metrics/)' },
    },
    {
      name: 'rollout-imports-only-core',
      comment: 'The rollout decisions (tests, split, interleaving, the machine) are pure: src/core only, no Kafka.',
      severity: 'error',
      from: { path: '^src/rollout/' },
      to: { path: '^src/(?!core/|rollout/)' },
    },
    {
      name: 'cluster-scope',
      comment: 'Leadership and standby: core and checkpoints only (docs/design.md).',
      severity: 'error',
      from: { path: '^src/cluster/' },
      to: { path: '^src/(?!core/|checkpoints/index\\.ts$|cluster/)' },
    },
    {
      name: 'dashboard-scope',
      comment: 'The dashboard (mounted by the service and by subscribers): core and checkpoints only.',
      severity: 'error',
      from: { path: '^src/dashboard/' },
      to: { path: '^src/(?!core/|checkpoints/index\\.ts$|dashboard/)' },
    },
    {
      name: 'dashboard-mounted-by-server-and-subscriber',
      comment: 'The HTTP server and the subscriber entry mount the dashboard; nothing else needs it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(server/|subscriber/|dashboard/|index\\.ts$)' },
      to: { path: '^src/dashboard/' },
    },
    { name: 'drift-is-pure', severity: 'error', from: { path: '^src/drift/' }, to: { path: 'node_modules/(@tensorflow|kafkajs)' } },
    { name: 'learner-no-kafka', severity: 'error', from: { path: '^src/learner/' }, to: { path: 'node_modules/kafkajs' } },
    { name: 'checkpoints-no-kafka', severity: 'error', from: { path: '^src/checkpoints/' }, to: { path: 'node_modules/kafkajs' } },
    {
      name: 'adaptation-imports-core-learner-drift',
      comment: 'The drift responses sit between the stages and the pipeline: the pipeline imports them, never the reverse.',
      severity: 'error',
      from: { path: '^src/adaptation/' },
      to: { path: '^src/(?!core/|learner/|drift/|adaptation/)' },
    },
    { name: 'adaptation-no-kafka', severity: 'error', from: { path: '^src/adaptation/' }, to: { path: 'node_modules/kafkajs' } },
    {
      name: 'pipeline-not-imported-by-stages',
      severity: 'error',
      from: { path: '^src/(core|consumers|learner|drift|checkpoints|producers|labels)/' },
      to: { path: '^src/(adaptation|pipeline|cli|server|subscriber|decider)/' },
    },
    {
      name: 'subscriber-scope',
      comment: 'Downstream services get core, checkpoints, consumers and the dashboard (src/dashboard/index.ts) only.',
      severity: 'error',
      from: { path: '^src/subscriber/' },
      to: { path: '^src/(learner|drift|producers|labels|adaptation|pipeline|cli|server|decider)/' },
    },
    {
      name: 'barrels-only',
      comment: 'Other folders enter a stage folder through its index.ts only.',
      severity: 'error',
      from: { path: '^src/(pipeline|cli|server|subscriber|decider)/' },
      to: { path: '^src/(consumers|learner|drift|checkpoints|producers|labels|adaptation|rollout|cluster|dashboard|metrics)/(?!index\\.ts$)' },
    },
    {
      name: 'decider-scope',
      comment: 'The rollout decider reads Kafka and the store and writes decisions; the trainer, the CLI, the server and the subscriber are not its business.',
      severity: 'error',
      from: { path: '^src/decider/' },
      to: { path: '^src/(pipeline|cli|server|subscriber|learner|adaptation|drift|producers|dashboard)/' },
    },
    {
      name: 'adaptation-through-barrels',
      comment: 'adaptation enters learner and drift through their index.ts only.',
      severity: 'error',
      from: { path: '^src/adaptation/' },
      to: { path: '^src/(learner|drift)/(?!index\\.ts$)' },
    },
    {
      name: 'root-entry-through-barrels',
      comment: 'src/index.ts (the `streamtrain` entry) re-exports folders through their index.ts only.',
      severity: 'error',
      from: { path: '^src/index\\.ts$' },
      to: { path: '^src/[^/]+/(?!index\\.ts$)' },
    },
    {
      name: 'root-entry-not-imported',
      comment: 'src/index.ts is for users of the package; our own modules import the folders.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/index\\.ts$' },
      to: { path: '^src/index\\.ts$' },
    },
    {
      name: 'drift-entry-reaches-no-package',
      comment: '`streamtrain/drift` is pure TypeScript: nothing it loads, directly or not, is an npm package.',
      severity: 'error',
      from: { path: '^src/drift/' },
      to: { path: 'node_modules/', reachable: true },
    },
    {
      name: 'subscriber-entry-is-light',
      comment:
        '`streamtrain/subscriber` never loads the training code, the publishers, tfjs-node or the union package @tensorflow/tfjs (tfjs-data, the converter, WebGL), directly or not.',
      severity: 'error',
      from: { path: '^src/subscriber/' },
      to: {
        path: ['^src/(learner|pipeline|producers|drift|server|cli|datasets)/', 'node_modules/@tensorflow/(tfjs|tfjs-node|tfjs-data|tfjs-converter)/'],
        reachable: true,
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
