/**
 * Killing the orchestrator (SIGKILL, no cleanup of its own) leaves no replica or workload process:
 * running replicas notice their control channel closing, and the guardian kills a paused one.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { repositoryRoot } from '../../src-main/lab/paths.js'

const scratch: string[] = []
afterEach(() => {
  for (const directory of scratch.splice(0)) fs.rmSync(directory, { recursive: true, force: true })
})

/** Pids of live processes whose command line mentions `marker` (here: the run's directory). */
function processesMentioning(marker: string): number[] {
  const pids: number[] = []
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      const commandLine = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8')
      const state = fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0]
      if (commandLine.includes(marker) && state !== 'Z') pids.push(Number(entry))
    } catch {
      // The process ended while we looked.
    }
  }
  return pids
}

/** Polls a condition on the process table: there is no event for an unrelated process ending. */
async function eventually(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('orchestrator death', () => {
  it('takes every replica and the workload with it, paused replicas included', async () => {
    const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-orphans-'))
    scratch.push(runsDir)
    const experiment = path.join(runsDir, 'long.yaml')
    fs.writeFileSync(experiment, 'protocol: raft\ncluster: {nodes: 3}\nworkload: {duration: 60s, clients: 2}\n')
    const orchestrator = spawn(process.execPath, [path.join(repositoryRoot(), 'out/node/lab.js'), 'run', experiment, '--runs-dir', runsDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    await new Promise<void>((resolve, reject) => {
      orchestrator.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
        if (/ops [1-9]\d* ok/.test(stderr)) resolve()
      })
      orchestrator.on('exit', () => reject(new Error(`the run ended early:\n${stderr}`)))
    })
    const children = processesMentioning(runsDir).filter((pid) => pid !== orchestrator.pid)
    // Three replicas; the workload's command line does not name the run directory.
    expect(children.length).toBeGreaterThanOrEqual(3)
    process.kill(children[0]!, 'SIGSTOP')
    orchestrator.kill('SIGKILL')
    await eventually(() => processesMentioning(runsDir).length === 0, 'every replica to exit', 10_000)
    expect(processesMentioning(runsDir)).toEqual([])
  })
})
