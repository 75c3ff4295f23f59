/**
 * A fault fires at its time. Faults on one node keep their order (a fault on a node waits for the
 * node's earlier fault), and a slow restart of one node holds up no fault on another; at the end of
 * the run, faults still waiting are not carried out, and a restart still starting is cancelled, not
 * failed. Each record says when the fault was due and when it was applied.
 *
 * The slow restart is real and deterministic: a preloaded hook (test/fixtures/preload/hold-restart.cjs)
 * makes node C's restarted process stop itself (SIGSTOP) before the replica code runs, as a process a
 * loaded machine does not schedule; the test lets it go on (SIGCONT) when it chooses, or never.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { validateExperiment } from '../../src-main/api/validate.js'
import type { InjectedFault } from '../../src-main/api/summary.js'
import type { TraceEvent } from '../../src-main/api/trace.js'
import { ExperimentRun } from '../../src-main/lab/runner.js'
import { FaultInjector } from '../../src-main/lab/faults.js'
import { seededRandom } from '../../src-main/protocols/common/random.js'
import { startTestCluster, type TestCluster } from '../support/cluster-harness.js'

const holdDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-hold-'))
const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-fault-timing-'))
const preload = path.resolve(import.meta.dirname, '../fixtures/preload/hold-restart.cjs')
const saved = { args: process.env.CONSENSUS_LAB_REPLICA_NODE_ARGS, node: process.env.CONSENSUS_LAB_TEST_HOLD_NODE, dir: process.env.CONSENSUS_LAB_TEST_HOLD_DIR }

beforeAll(() => {
  process.env.CONSENSUS_LAB_REPLICA_NODE_ARGS = `--require ${preload}`
  process.env.CONSENSUS_LAB_TEST_HOLD_NODE = 'C'
  process.env.CONSENSUS_LAB_TEST_HOLD_DIR = holdDir
})
afterAll(() => {
  restore('CONSENSUS_LAB_REPLICA_NODE_ARGS', saved.args)
  restore('CONSENSUS_LAB_TEST_HOLD_NODE', saved.node)
  restore('CONSENSUS_LAB_TEST_HOLD_DIR', saved.dir)
  fs.rmSync(holdDir, { recursive: true, force: true })
  fs.rmSync(runsDir, { recursive: true, force: true })
})

let running: TestCluster | undefined
afterEach(async () => {
  await running?.close()
  running = undefined
  fs.rmSync(path.join(holdDir, 'C.pid'), { force: true })
})

function restore(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name]
  else process.env[name] = value
}

/** The pid of C's held restart, once its process has stopped itself. */
async function heldPid(): Promise<number> {
  const file = path.join(holdDir, 'C.pid')
  const boundMs = 15_000
  const startedMs = performance.now()
  while (performance.now() - startedMs < boundMs) {
    if (fs.existsSync(file)) {
      const pid = Number(fs.readFileSync(file, 'utf8'))
      if (processState(pid) === 'T') return pid
    }
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error(`C's restarted process did not stop itself within ${boundMs} ms`)
}

function processState(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0]
  } catch {
    return undefined
  }
}

describe('faults on a node wait only for that node', () => {
  it('a fault on another node applies while a restart is held; one on the restarting node waits for it and then applies, late, with its due time', async () => {
    running = await startTestCluster(['A', 'B', 'C'])
    const cluster = running
    await cluster.until(() => cluster.leaders.leader() !== undefined, 'a leader')
    let nowMs = 0
    const faults = new FaultInjector(cluster.cluster, cluster.leaders, { delayMs: 0, jitterMs: 0, loss: 0, duplicate: 0, reorder: 0 }, seededRandom(1, 'faults'), () => nowMs)
    await faults.inject({ kind: 'crash', target: 'C' }, 0)
    nowMs = 100
    const restart = faults.inject({ kind: 'restart', target: 'C' }, 100)
    const pid = await heldPid()
    nowMs = 200
    const slowDisk = faults.inject({ kind: 'slowDisk', target: 'C', ms: 1 }, 200)
    nowMs = 300
    const pause = await faults.inject({ kind: 'pause', target: 'B' }, 300)
    expect(pause).toMatchObject({ atMs: 300, scheduledAtMs: 300, targets: ['B'], outcome: 'applied' })
    expect(cluster.cluster.replicas.get('B')!.state).toBe('paused')
    expect(cluster.cluster.replicas.get('C')!.state, 'C is still starting when B is paused').toBe('starting')
    const settledEarly = await Promise.race([slowDisk.then(() => 'settled'), new Promise((resolve) => setImmediate(() => resolve('waiting')))])
    expect(settledEarly, 'the fault on C waits for C\'s restart').toBe('waiting')
    nowMs = 900
    process.kill(pid, 'SIGCONT')
    const restarted = await restart
    expect(restarted).toMatchObject({ atMs: 100, scheduledAtMs: 100, targets: ['C'], outcome: 'applied' })
    expect(restarted.detail).toMatch(/^up after \d+ ms$/)
    const late = await slowDisk
    expect(late).toMatchObject({ scheduledAtMs: 200, atMs: 900, targets: ['C'], outcome: 'applied' })
    expect(faults.injected.map((fault) => fault.action)).toEqual(['crash C', 'pause B', 'restart C', 'slow disk C +1 ms per fsync'])
    await faults.inject({ kind: 'resume', target: 'B' })
  })
})

describe('a run whose restart is still starting when the workload ends', () => {
  it('lets a restart due just before the workload ends come up: it is carried out and the final states include the restarted node, caught up', async () => {
    // B, not C: this file holds C's restarts. Scenario 6 on a loaded machine: the restart began on time but the replica took seconds to
    // start, the run ended first, and the final states had four of its five nodes.
    const validated = validateExperiment({
      name: 'late-restart',
      protocol: 'raft',
      seed: 6,
      cluster: { nodes: 3, durability: 'fsync', firstElectionTimeoutMs: { A: 150, B: 1000, C: 1000 } },
      workload: { duration: '2s', clients: 2, keys: 5, mix: { get: 0.5, put: 0.5 }, timeoutMs: 500 },
      faults: [
        { at: '500ms', crash: 'B' },
        { at: '1950ms', restart: 'B' },
      ],
    })
    if (!validated.ok) throw new Error(JSON.stringify(validated.errors))
    const summary = await new ExperimentRun(validated.experiment, { runsDir }).execute()
    expect(summary.completed, summary.error).toBe(true)
    expect(summary.faults.find((fault) => fault.action === 'restart B')).toMatchObject({ outcome: 'applied', targets: ['B'] })
    const finalStates = JSON.parse(fs.readFileSync(path.join(summary.runDir, 'final-states.json'), 'utf8')) as { node: string; hash: string }[]
    expect(finalStates.map((state) => state.node).sort()).toEqual(['A', 'B', 'C'])
    expect(new Set(finalStates.map((state) => state.hash)).size).toBe(1)
  }, 120_000)

  it('applies every other fault at its time, calls off the one waiting for that node, and cancels the restart: nothing failed, nothing late', async () => {
    const validated = validateExperiment({
      name: 'held-restart',
      protocol: 'raft',
      seed: 5,
      cluster: { nodes: 3, durability: 'fsync', firstElectionTimeoutMs: { A: 150, B: 1000, C: 1000 } },
      workload: { duration: '4s', clients: 2, keys: 5, mix: { get: 0.5, put: 0.5 }, timeoutMs: 500 },
      faults: [
        { at: '500ms', crash: 'C' },
        // Held: C's restarted process stops itself and is never let go.
        { at: '1s', restart: 'C' },
        // Another node's faults: due while C is starting, they must not wait for it.
        { at: '1500ms', pause: 'B' },
        { at: '2s', resume: 'B' },
        // C's own: it waits for C's restart, which the run outlasts.
        { at: '2500ms', slowDisk: { node: 'C', ms: 5 } },
      ],
    })
    if (!validated.ok) throw new Error(JSON.stringify(validated.errors))
    const summary = await new ExperimentRun(validated.experiment, { runsDir }).execute()
    expect(summary.completed, summary.error).toBe(true)
    const byAction = (action: string): InjectedFault => {
      const found = summary.faults.find((fault) => fault.action === action)
      if (!found) throw new Error(`no record of ${action} in ${JSON.stringify(summary.faults)}`)
      return found
    }
    expect(summary.faults.map((fault) => fault.scheduledAtMs).sort((a, b) => a! - b!)).toEqual([500, 1000, 1500, 2000, 2500])
    const durationMs = validated.experiment.workload.duration
    for (const action of ['crash C', 'pause B', 'resume B']) {
      const fault = byAction(action)
      expect(fault.outcome, action).toBe('applied')
      expect(fault.atMs, `${action} applied during the workload`).toBeLessThan(durationMs)
      expect(fault.atMs).toBeGreaterThanOrEqual(fault.scheduledAtMs!)
    }
    expect(byAction('restart C')).toMatchObject({ outcome: 'not-carried-out', targets: [] })
    expect(byAction('restart C').detail).toMatch(/^not carried out: the run ended while C was still starting \(\d+ ms after the restart began\)$/)
    expect(byAction('slow disk C +5 ms per fsync')).toMatchObject({ outcome: 'not-carried-out', targets: [] })
    expect(byAction('slow disk C +5 ms per fsync').detail).toBe('not carried out: the run ended while it waited for restart C on C')
    expect(summary.faults.filter((fault) => fault.outcome === 'failed' || fault.detail?.startsWith('failed'))).toEqual([])
    // B was paused and resumed while C had not come back up.
    const trace = fs.readFileSync(path.join(summary.runDir, 'trace.ndjson'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as TraceEvent)
    const processEvents = trace.filter((event): event is Extract<TraceEvent, { kind: 'process' }> => event.kind === 'process')
    const crashedC = processEvents.find((event) => event.node === 'C' && event.state === 'crashed')!
    expect(processEvents.filter((event) => event.node === 'C' && event.state === 'up' && event.t > crashedC.t)).toEqual([])
    expect(processEvents.filter((event) => event.node === 'B').map((event) => event.state)).toEqual(['up', 'paused', 'resumed'])
    expect(summary.replicaExits).toEqual([])
    expect(summary.verdict?.invariants.find((invariant) => invariant.name === 'replicas-healthy')?.ok).toBe(true)
  }, 120_000)
})
