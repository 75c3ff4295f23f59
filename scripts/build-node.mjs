// Bundles the Node entry points (CLI, bench, soak, replica, workload) into out/node with esbuild.
// Replicas and the workload are spawned from these bundles, so tests and the CLI run the same code.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import fs from 'node:fs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const quiet = process.argv.includes('--quiet')
const outdirFlag = process.argv.indexOf('--outdir')
const outdir = outdirFlag === -1 ? 'out/node' : path.resolve(process.argv[outdirFlag + 1])
const entryPoints = {
  lab: 'src-main/cli/lab.ts',
  bench: 'src-main/cli/bench.ts',
  soak: 'src-main/cli/soak.ts',
  replica: 'src-main/replica/main.ts',
  workload: 'src-main/lab/workload/main.ts',
  guardian: 'src-main/lab/guardian.ts',
  serve: 'src-main/server/main.ts',
  launch: 'src-main/launch/launch.ts',
  fonts: 'src-main/lab/report/fonts.ts',
}
const started = performance.now()
// Other processes may be running these bundles while we build (a test calls `npm run lab` while
// others run out/node/lab.js): each file is replaced by a rename, never rewritten in place, so a
// reader sees the old bundle or the new one, never half of one. An unchanged file is not touched.
const result = await build({
  write: false,
  absWorkingDir: root,
  entryPoints,
  outdir,
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
for (const file of result.outputFiles) {
  let unchanged = false
  try {
    unchanged = Buffer.compare(fs.readFileSync(file.path), file.contents) === 0
  } catch {
    // not there yet
  }
  if (unchanged) continue
  fs.mkdirSync(path.dirname(file.path), { recursive: true })
  const temporary = `${file.path}.${process.pid}.tmp`
  fs.writeFileSync(temporary, file.contents)
  fs.renameSync(temporary, file.path)
}
// Chunks of earlier builds are no longer referenced. A process started before this build may still
// load one of them lazily (a command's code loads when the command runs), so only chunks unreferenced
// and older than an hour are removed.
const staleChunkAgeMs = 60 * 60 * 1000
const chunksDir = path.resolve(root, outdir, 'chunks')
const current = new Set(result.outputFiles.map((file) => path.resolve(file.path)))
for (const name of fs.existsSync(chunksDir) ? fs.readdirSync(chunksDir) : []) {
  const file = path.join(chunksDir, name)
  if (current.has(file)) continue
  const ageMs = Date.now() - fs.statSync(file).mtimeMs
  if (ageMs > staleChunkAgeMs) fs.rmSync(file, { force: true })
}
if (process.argv.includes('--metafile')) fs.writeFileSync(path.resolve(root, outdir, 'meta.json'), JSON.stringify(result.metafile))
// The Korean font the renderer ships (Vite's public folder: out/public), so Hangul renders on a
// machine that has no Korean font of its own.
const { writeAppFonts } = await import(path.resolve(root, outdir, 'fonts.js'))
// Resolved from the repository (a bundle built into another --outdir has no node_modules beside it).
const fonts = writeAppFonts(path.join(root, 'out/public/fonts'), path.join(root, 'package.json'))
if (!quiet) console.log(`built ${outdir} in ${(performance.now() - started).toFixed(0)} ms; out/public/fonts: ${fonts.files} slices of Noto Sans KR, ${(fonts.bytes / 1024).toFixed(0)} KiB`)
