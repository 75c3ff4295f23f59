/**
 * A run that broke must not pass: a replica process that exits on its own (an uncaught error, an
 * assertion, out of memory, a kill from outside the lab) fails the verdict's replicas-healthy, and
 * only the stops the experiment asked for (crash faults, pauses, the run's own shutdown) are expected.
 * Real processes; the test kills a replica itself, by pid, outside the fault schedule.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { validateExperimentText } from '../../src-main/api/validate.js'
import { verdictWord } from '../../src-main/api/report/analysis.js'
import type { RunSummary } from '../../src-main/api/summary.js'
import type { TraceEvent } from '../../src-main/api/trace.js'
import { ExperimentRun } from '../../src-main/lab/runner.js'
import { replicaPid } from '../support/processes.js'

const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-replica-exits-'))
afterAll(() => fs.rmSync(runsDir, { recursive: true, force: true }))

function experiment(text: string) {
  const validated = validateExperimentText(text)
  if (!validated.ok) throw new Error(validated.errors.map((error) => `${error.path}: ${error.message}`).join('\n'))
  return validated.experiment
}

const healthy = (summary: RunSummary) => summary.verdict?.invariants.find((invariant) => invariant.name === 'replicas-healthy')

function traceOf(summary: RunSummary): TraceEvent[] {
  return fs
    .readFileSync(path.join(summary.runDir, 'trace.ndjson'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TraceEvent)
}

describe('a replica that exits on its own fails the run', () => {
  it('a replica SIGKILLed from outside the schedule fails replicas-healthy, naming the node, and the verdict is FAIL', async () => {
    const run = new ExperimentRun(experiment('name: outside-kill\nprotocol: raft\nseed: 3\ncluster: {nodes: 3}\nworkload: {duration: 3s, clients: 4, keys: 10}\n'), {
      runsDir,
      onMessage: (message) => {
        if (message.kind !== 'frame' || killed !== undefined || message.ops.ok < 20) return
        const pid = replicaPid(run.dir, 'B')
        if (pid === undefined) return
        killed = pid
        process.kill(pid, 'SIGKILL')
      },
    })
    let killed: number | undefined
    const summary = await run.execute()
    expect(killed, 'the test found and killed B').toBeDefined()
    expect(summary.completed, summary.error).toBe(true)
    expect(healthy(summary)?.ok).toBe(false)
    expect(healthy(summary)?.detail).toMatch(/^B exited on its own at \d+\.\d\d s: killed by SIGKILL/)
    expect(summary.replicaExits).toEqual([{ node: 'B', atMs: expect.any(Number), reason: expect.stringMatching(/^killed by SIGKILL/) }])
    expect(verdictWord(summary)).toBe('FAIL')
  })

  it('the experiment\'s own stops never count: crash faults, a restart, and a node still paused when the run shuts down', async () => {
    const summary = await new ExperimentRun(
      experiment(`name: expected-stops
protocol: raft
seed: 5
cluster: {nodes: 3}
workload: {duration: 3s, clients: 2, keys: 10}
faults:
  - {at: 500ms, crash: follower}
  - {at: 1200ms, restart: crashed}
  - {at: 2s, pause: follower}
`),
      { runsDir },
    ).execute()
    expect(summary.completed, summary.error).toBe(true)
    expect(healthy(summary)).toMatchObject({ name: 'replicas-healthy', ok: true, detail: 'no replica exited on its own (1 crash by the experiment)' })
    expect(summary.replicaExits).toEqual([])
    expect(traceOf(summary).filter((event) => event.kind === 'process' && event.state === 'exited')).toEqual([])
  })
})

/**
 * The issue's own case: 64 KiB values and a follower down for 3 s. A catch-up AppendEntries of up to
 * 1024 entries once made a frame far over the frame limit and killed the leaders while the run said
 * PASS. Whether the replicas survive depends on the transport; what must never happen is a PASS with
 * a dead replica.
 */
describe('64 KiB values with a follower down for 3 s', () => {
  it('either no replica dies and the run passes, or the verdict fails: never a PASS with a dead replica', async () => {
    const summary = await new ExperimentRun(
      experiment(`name: raft-3-64k-follower-down
protocol: raft
seed: 10
cluster: {nodes: 3}
workload: {duration: 6s, clients: 4, keys: 50, valueBytes: 65536, mix: {get: 0.2, put: 0.8}}
faults:
  - {at: 1s, crash: follower}
  - {at: 4s, restart: crashed}
`),
      { runsDir },
    ).execute()
    expect(summary.completed, summary.error).toBe(true)
    // Whether a replica died, read independently of the verdict: a replica that stops on an error says so in its log.
    const logs = path.join(summary.runDir, 'logs')
    const died = fs.readdirSync(logs).filter((file) => file !== 'workload.log' && /stopped:/.test(fs.readFileSync(path.join(logs, file), 'utf8')))
    if (died.length === 0) {
      expect(healthy(summary)?.ok, healthy(summary)?.detail).toBe(true)
      expect(verdictWord(summary), JSON.stringify(summary.verdict, null, 2)).toBe('PASS')
    } else {
      console.log(`64 KiB values: ${died.join(', ')} died; verdict ${verdictWord(summary)}: ${healthy(summary)?.detail}`)
      expect(healthy(summary)?.ok).toBe(false)
      expect(verdictWord(summary)).toBe('FAIL')
      for (const file of died) expect(healthy(summary)?.detail).toContain(`${path.basename(file, '.log')} exited on its own`)
    }
  })
})
