// Bundles the Node entry points (CLI, bench, soak, replica, workload) into out/node with esbuild.
// Replicas and the workload are spawned from these bundles, so tests and the CLI run the same code.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const quiet = process.argv.includes('--quiet')
const entryPoints = {
  lab: 'src-main/cli/lab.ts',
  bench: 'src-main/cli/bench.ts',
  soak: 'src-main/cli/soak.ts',
  replica: 'src-main/replica/main.ts',
  workload: 'src-main/lab/workload/main.ts',
  guardian: 'src-main/lab/guardian.ts',
  serve: 'src-main/server/main.ts',
  launch: 'src-main/launch/launch.ts',
}
const started = performance.now()
await build({
  absWorkingDir: root,
  entryPoints,
  outdir: 'out/node',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  packages: 'external',
  logLevel: quiet ? 'error' : 'info',
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
})
if (!quiet) console.log(`built out/node in ${(performance.now() - started).toFixed(0)} ms`)
