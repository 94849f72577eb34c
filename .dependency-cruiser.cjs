/**
 * The API's layers, checked in `npm test`: routes -> services -> ports <- adapters, and main.ts
 * (with app.ts) alone picks the adapters. See the README's architecture part.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Import cycles tangle the layers; type-only cycles count too.',
      from: { path: '^apps/api/src' },
      to: { circular: true },
    },
    {
      name: 'services-see-only-ports',
      severity: 'error',
      comment: 'Services hold the logic and see ports, never an adapter, the database, HTTP or a provider implementation.',
      from: { path: '^apps/api/src/services/' },
      to: { path: '^apps/api/src/(adapters|db|routes|http|providers)/|^apps/api/src/(app|main)\\.ts$' },
    },
    {
      name: 'routes-call-services',
      severity: 'error',
      comment: 'Routes validate and make one service call; they never reach an adapter or the database.',
      from: { path: '^apps/api/src/routes/' },
      to: { path: '^apps/api/src/(adapters|db|providers)/' },
    },
    {
      name: 'ports-speak-the-domain',
      severity: 'error',
      comment: 'Ports are interfaces in domain terms; they depend on nothing but the domain.',
      from: { path: '^apps/api/src/ports/' },
      to: { path: '^apps/api/src/(adapters|db|routes|http|services|providers)/|^apps/api/src/(app|main)\\.ts$' },
    },
    {
      name: 'adapters-implement-ports',
      severity: 'error',
      comment: 'Adapters implement ports; they never call services or routes.',
      from: { path: '^apps/api/src/adapters/' },
      to: { path: '^apps/api/src/(services|routes)/|^apps/api/src/(app|main)\\.ts$' },
    },
    {
      name: 'only-main-picks-adapters',
      severity: 'error',
      comment: 'The entry points (main.ts, the commands in cli/) and the wiring in app.ts alone choose adapters.',
      from: { path: '^apps/api/src/', pathNot: '^apps/api/src/(adapters/|cli/|app\\.ts$|main\\.ts$)|\\.test\\.ts$' },
      to: { path: '^apps/api/src/adapters/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    combinedDependencies: false,
  },
};
