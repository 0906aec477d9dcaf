/**
 * The folder rules of ../shared/DESIGN.md, checked on every test run: stage folders import only src/core,
 * drift has no tfjs or kafkajs, learner and checkpoints no kafkajs, adaptation (the drift responses) imports only
 * core, learner and drift, and there are no cycles.
 * @type {import('dependency-cruiser').IConfiguration}
 */
const stages = ['consumers', 'learner', 'drift', 'checkpoints', 'producers'];

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
      from: { path: '^src/(core|consumers|learner|drift|checkpoints|producers)/' },
      to: { path: '^src/(adaptation|pipeline|cli|server|subscriber)/' },
    },
    {
      name: 'subscriber-scope',
      comment: 'Downstream services get core, checkpoints and consumers only.',
      severity: 'error',
      from: { path: '^src/subscriber/' },
      to: { path: '^src/(learner|drift|producers|adaptation|pipeline|cli|server)/' },
    },
    {
      name: 'barrels-only',
      comment: 'Other folders enter a stage folder through its index.ts only.',
      severity: 'error',
      from: { path: '^src/(pipeline|cli|server|subscriber)/' },
      to: { path: '^src/(consumers|learner|drift|checkpoints|producers|adaptation)/(?!index\\.ts$)' },
    },
    {
      name: 'adaptation-through-barrels',
      comment: 'adaptation enters learner and drift through their index.ts only.',
      severity: 'error',
      from: { path: '^src/adaptation/' },
      to: { path: '^src/(learner|drift)/(?!index\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
