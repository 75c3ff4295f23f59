/**
 * Finding a run's replica processes from outside the lab, the way a person with `ps` would: by the
 * replica's command line, which carries its node id and its data directory inside the run directory.
 */
import fs from 'node:fs'
import path from 'node:path'

/** The pid of node `node`'s replica in run directory `runDir`, or undefined when none is running. */
export function replicaPid(runDir: string, node: string): number | undefined {
  const dataDir = JSON.stringify(path.join(runDir, 'nodes', node))
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let commandLine: string
    try {
      commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8')
    } catch {
      continue // the process ended while we looked
    }
    const args = commandLine.split('\0')
    if (!args.some((arg) => arg.endsWith('replica.js'))) continue
    if (args.some((arg) => arg.includes(`"id":${JSON.stringify(node)}`) && arg.includes(`"dataDir":${dataDir}`))) return Number(entry)
  }
  return undefined
}
