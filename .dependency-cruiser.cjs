/**
 * The layer rules (issue 14), checked by `npm run lint:layers` and by test/layers.test.ts, which
 * `npm test` runs. Paths are relative to the repository root. A rule at severity 'error' fails the
 * test; 'warn' would be reported only (every rule is an error).
 */
/** The hosts: each runs the lab in its own way. launch/ (npm start) is above them: the one place that knows two. */
const hosts = ['electron', 'server', 'cli']

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'pure-core-no-io',
      severity: 'error',
      comment:
        'Protocol cores and the fault vocabulary are pure: no I/O, so no Node built-in modules (node:fs, node:net, ...). ' +
        'Time and randomness enter as inputs.',
      from: { path: '^src-main/(protocols|faults)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'renderer-imports-only-api',
      severity: 'error',
      comment: 'The renderer talks to the lab through the contract in src-main/api/ only, never a host or the lab itself.',
      from: { path: '^src-renderer/' },
      to: { path: '^src-main/', pathNot: '^src-main/api/' },
    },
    ...hosts.map((host) => ({
      name: `no-host-imports-another-host (${host})`,
      severity: 'error',
      comment: 'Hosts (electron/, server/, cli/) are siblings: what two of them share lives in api/ or lab/. None imports the launcher.',
      from: { path: `^src-main/${host}/` },
      to: { path: `^src-main/(${[...hosts.filter((other) => other !== host), 'launch'].join('|')})/` },
    })),
    {
      name: 'sim-beside-the-cores',
      severity: 'error',
      comment: 'The simulator sits beside the cores, not above the lab: it imports neither replica/ nor lab/.',
      from: { path: '^src-main/sim/' },
      to: { path: '^src-main/(replica|lab)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|out|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.vue', '.json'] },
  },
}
