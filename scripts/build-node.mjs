// Bundles the Node entry points (CLI, bench, soak, replica, workload) into out/node with esbuild.
// Replicas and the workload are spawned from these bundles, so tests and the CLI run the same code.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import fs from 'node:fs'

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
  launch: 'src-main/electron/launch.ts',
}
const started = performance.now()
const result = await build({
  absWorkingDir: root,
  entryPoints,
  outdir: 'out/node',
  bundle: true,
  // Each command's code (and the packages it imports) loads only when that command runs: `lab check`
  // starts without the runner, the schema library or echarts. Shared code goes to out/node/chunks.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  metafile: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  packages: 'external',
  logLevel: quiet ? 'error' : 'info',
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
})
if (!quiet) console.log(`built out/node in ${(performance.now() - started).toFixed(0)} ms`)
// Chunks of earlier builds are no longer referenced; a process already running keeps what it loaded.
const chunksDir = path.join(root, 'out/node/chunks')
const current = new Set(Object.keys(result.metafile.outputs).map((file) => path.resolve(root, file)))
for (const name of fs.existsSync(chunksDir) ? fs.readdirSync(chunksDir) : []) {
  const file = path.join(chunksDir, name)
  if (!current.has(file)) fs.rmSync(file, { force: true })
}
if (process.argv.includes('--metafile')) fs.writeFileSync(path.join(root, 'out/node/meta.json'), JSON.stringify(result.metafile))
