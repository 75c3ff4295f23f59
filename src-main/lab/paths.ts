/**
 * Where the bundled Node entry points (replica, workload, guardian) are. The CLI and the servers run
 * from out/node; Electron's main from out/main; tests from the sources. All find the same bundles.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))

export function repositoryRoot(): string {
  let directory = here
  for (let depth = 0; depth < 6; depth += 1) {
    if (fs.existsSync(path.join(directory, 'package.json')) && fs.existsSync(path.join(directory, 'experiments'))) return directory
    directory = path.dirname(directory)
  }
  return process.cwd()
}

export function nodeBundle(name: 'replica' | 'workload' | 'guardian'): string {
  const candidates = [
    process.env.CONSENSUS_LAB_NODE_DIR,
    here.endsWith(path.join('out', 'node')) ? here : undefined,
    path.join(repositoryRoot(), 'out', 'node'),
  ].filter((candidate): candidate is string => Boolean(candidate))
  for (const directory of candidates) {
    const file = path.join(directory, `${name}.js`)
    if (fs.existsSync(file)) return file
  }
  throw new Error(`cannot find ${name}.js in ${candidates.join(' or ')}: run \`npm run build:node\` first`)
}

/** Environment for spawned Node processes: under Electron, its binary runs as plain Node. */
export function childProcessEnv(): NodeJS.ProcessEnv {
  return process.versions.electron ? { ...process.env, ELECTRON_RUN_AS_NODE: '1' } : process.env
}
