/**
 * A lab run's fault schedule replayed in the simulator (`lab simulate --from-run`): the faults as
 * the run carried them out (the nodes it hit, when it applied them, what it left out), refusals
 * with reasons for what the simulator cannot play, and one real run replayed end to end.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { validateExperimentText } from '../../src-main/api/validate.js'
import { runSimulateFromRun } from '../../src-main/cli/simulate-from-run.js'
import type { TimedFault } from '../../src-main/faults/fault.js'
import { ExperimentRun } from '../../src-main/lab/runner.js'
import { pinRecordedFaults, planReplay, type RecordedFault } from '../../src-main/sim/replay.js'
import { captureIo, scratchDir } from '../report/support.js'

const scratch = scratchDir('replay')
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

function experimentOf(text: string) {
  const validated = validateExperimentText(text)
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors))
  return validated.experiment
}

describe('pinning a schedule to what the run did', () => {
  const schedule: TimedFault[] = [
    { atMs: 500, fault: { kind: 'crash', target: 'leader' } },
    { atMs: 1000, fault: { kind: 'restart', target: 'crashed' } },
    { atMs: 1200, fault: { kind: 'pause', target: 'C' } },
    { atMs: 1500, fault: { kind: 'heal' } },
  ]

  it('plays a role on the node it named in the run, when the run applied it, and leaves out what the run did not carry out', () => {
    const records: RecordedFault[] = [
      { action: 'crash leader', scheduledAtMs: 500, atMs: 503, targets: ['B'], outcome: 'applied' },
      { action: 'restart crashed', scheduledAtMs: 1000, atMs: 1001, targets: ['B'], outcome: 'applied', detail: 'up after 180 ms' },
      { action: 'pause C', scheduledAtMs: 1200, atMs: 1400, targets: [], outcome: 'not-carried-out', detail: 'not carried out: the run ended' },
    ]
    const notes: string[] = []
    expect(pinRecordedFaults(schedule, records, notes)).toEqual([
      { atMs: 503, fault: { kind: 'crash', target: 'B' } },
      { atMs: 1001, fault: { kind: 'restart', target: 'B' } },
      { atMs: 1500, fault: { kind: 'heal' } },
    ])
    expect(notes).toEqual([
      'pause C due at 1.2 s: left out, the run did not carry it out (not carried out: the run ended)',
      'heal all due at 1.5 s: no record in the run; played at its time, its target chosen again',
    ])
  })

  it('leaves out a role that matched no node in the run', () => {
    const notes: string[] = []
    const pinned = pinRecordedFaults(schedule.slice(0, 1), [{ action: 'crash leader', scheduledAtMs: 500, atMs: 500, targets: [], outcome: 'applied' }], notes)
    expect(pinned).toEqual([])
    expect(notes).toEqual(['crash leader due at 0.5 s: left out, no node matched leader in the run'])
  })
})

describe('the replayed settings are what the protocol descriptor makes of the experiment', () => {
  it('Raft: the scripted first timeout and the lease rules in 10 ms ticks', () => {
    const experiment = experimentOf(`
name: raft-settings
protocol: raft
cluster: {nodes: [A, B, C], electionTimeoutMs: [150, 300], firstElectionTimeoutMs: {A: 100}, heartbeatMs: 50, readMode: lease, checkQuorum: true, leaseDriftMs: 20}
workload: {duration: 2s}
`)
    const plan = planReplay(experiment, [], { source: 'x', command: 'y' })
    if (!plan.ok) throw new Error(plan.reasons.join('\n'))
    expect(plan.replay.settings).toMatchObject({
      clusterSize: 3, electionTimeoutTicks: [15, 30], firstElectionTimeoutTicks: { A: 10 }, heartbeatTicks: 5,
      readMode: 'lease', checkQuorum: true, leaseDriftTicks: 2, groups: 1,
    })
  })

  it('PBFT: f, the timeouts and each liar as its core takes it', () => {
    const experiment = experimentOf(`
name: pbft-settings
protocol: pbft
cluster: {nodes: 4, requestTimeoutMs: 500, byzantine: {D: equivocate}}
workload: {duration: 2s}
`)
    const plan = planReplay(experiment, [], { source: 'x', command: 'y' })
    if (!plan.ok) throw new Error(plan.reasons.join('\n'))
    expect(plan.replay.settings).toMatchObject({ clusterSize: 4, f: 1, requestTimeoutTicks: 50, byzantine: { D: { kind: 'equivocate', colluders: ['D'] } } })
    expect(plan.replay.notes.join('\n')).toMatch(/keyed hash/)
  })

  it('refuses lying Raft nodes, which the simulator does not draw', () => {
    const experiment = experimentOf(`
name: raft-liar
protocol: raft
cluster: {nodes: 3, byzantine: {B: fake-ack}}
workload: {duration: 2s}
`)
    const plan = planReplay(experiment, [], { source: 'x', command: 'y' })
    expect(plan.ok).toBe(false)
    if (plan.ok) return
    expect(plan.reasons).toEqual(['the simulator has no lying Raft nodes (cluster.byzantine)'])
  })
})

describe('what the simulator cannot play is refused, with the reason', () => {
  it('a Byzantine fault and MultiRaft', () => {
    const experiment = experimentOf(`
name: cannot
protocol: raft
cluster: {nodes: 3, groups: 2}
workload: {duration: 2s}
faults:
  - {at: 1s, byzantine: {node: B, behaviour: fake-ack}}
`)
    const plan = planReplay(experiment, [{ atMs: 1000, fault: { kind: 'byzantine', target: 'B', behaviour: 'fake-ack' } }], { source: 'x', command: 'y' })
    expect(plan.ok).toBe(false)
    if (plan.ok) return
    expect(plan.reasons.join('\n')).toMatch(/MultiRaft/)
    expect(plan.reasons.join('\n')).toMatch(/the fault at 1 s \(byzantine\)/)
  })

  it('plays membership changes on Raft (they are carried out through the leader), and says why a protocol without them cannot', () => {
    const experiment = experimentOf(`
name: grows
protocol: raft
cluster: {nodes: 3}
workload: {duration: 4s}
faults:
  - {at: 1s, addNode: D}
  - {at: 2s, promote: D}
  - {at: 3s, removeNode: leader}
`)
    const schedule: TimedFault[] = [
      { atMs: 1000, fault: { kind: 'addNode', node: 'D' } },
      { atMs: 2000, fault: { kind: 'promote', node: 'D' } },
      { atMs: 3000, fault: { kind: 'removeNode', target: 'leader' } },
    ]
    const plan = planReplay(experiment, schedule, { source: 'x', command: 'y' })
    expect(plan.ok, plan.ok ? '' : plan.reasons.join('\n')).toBe(true)
    // Experiment validation refuses membership faults outside Raft; a schedule built by hand still meets the simulator's refusal.
    const pbft = experimentOf(`
name: pbft-grows
protocol: pbft
cluster: {nodes: 4}
workload: {duration: 4s}
`)
    const refused = planReplay(pbft, schedule.slice(0, 1), { source: 'x', command: 'y' })
    expect(refused).toEqual({ ok: false, reasons: ['the fault at 1 s (addNode): addNode is a membership change, and PBFT has none'] })
  })
})

describe('a real run replayed in the simulator', () => {
  it('crashes and restarts the node the run crashed, at the run\'s times, and passes; twice the same', async () => {
    const text = `
name: replay-live
protocol: raft
seed: 7
cluster: {nodes: 3}
workload: {duration: 2500ms, clients: 2, keys: 4}
faults:
  - {at: 500ms, crash: random}
  - {at: 1s, restart: crashed}
`
    const summary = await new ExperimentRun(experimentOf(text), { runsDir: path.join(scratch, 'runs'), sourceText: text }).execute()
    expect(summary.completed, summary.error).toBe(true)
    // A role the run resolved with its seed (a leader may not be elected yet on a loaded machine).
    const crashed = summary.faults.find((fault) => fault.action === 'crash random')
    expect(crashed?.targets).toHaveLength(1)
    const node = crashed!.targets[0]!

    const replay = async () => {
      const io = captureIo()
      const code = await runSimulateFromRun(['--from-run', summary.runDir, '--verbose'], io)
      return { code, io }
    }
    const first = await replay()
    expect(first.code, first.io.out + first.io.err).toBe(0)
    const lines = first.io.out.split('\n')
    // The fault lines: "<step> <virtual µs> crash B (...)"; times within the run's own.
    const crashLine = lines.find((line) => new RegExp(`^\\d+ \\d+ crash ${node}\\b`).test(line))
    expect(crashLine, first.io.out.slice(-3000)).toBeDefined()
    const virtualUs = (line: string) => Number(line.split(' ')[1])
    expect(virtualUs(crashLine!)).toBe(Math.round(crashed!.atMs * 1000))
    // A restart still starting when the run ended (a loaded machine) is not carried out: the replay leaves it out and says so.
    const restarted = summary.faults.find((fault) => fault.action === 'restart crashed')!
    const restartLine = lines.find((line) => new RegExp(`^\\d+ \\d+ restart ${node}\\b`).test(line))
    if (restarted.outcome === 'applied') {
      expect(virtualUs(restartLine!)).toBe(Math.round(restarted.atMs * 1000))
      expect(first.io.out).toMatch(/replaying 2 faults of/)
    } else {
      expect(restartLine).toBeUndefined()
      expect(first.io.out).toMatch(/restart crashed due at 1 s: left out, the run did not carry it out/)
      expect(first.io.out).toMatch(/replaying 1 faults of/)
    }
    expect(first.io.out).toMatch(/passed/)

    const second = await replay()
    expect(second.io.out).toBe(first.io.out)
  }, 60_000)

  it('says why when the run directory cannot be replayed', async () => {
    const io = captureIo()
    expect(await runSimulateFromRun(['--from-run', path.join(scratch, 'nowhere')], io)).toBe(2)
    expect(io.err).toMatch(/no such run directory/)
    const empty = path.join(scratch, 'empty-run')
    fs.mkdirSync(empty)
    const io2 = captureIo()
    expect(await runSimulateFromRun(['--from-run', empty], io2)).toBe(2)
    expect(io2.err).toMatch(/experiment\.source\.yaml is missing/)
  })
})
