// @vitest-environment node
/**
 * The lab service's sweep calls without running one: the shipped sweeps are listed with their
 * cells and no figures yet, an invalid file says why, results already in a sweep folder are read
 * back per cell, and a sweep outside the sweeps folder or unknown is refused.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createLabService } from '../../../src-main/lab/service'

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-service-sweeps-'))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

function service() {
  const sweepsDir = path.join(scratch, 'sweeps')
  fs.mkdirSync(sweepsDir, { recursive: true })
  fs.writeFileSync(path.join(sweepsDir, 'two.sweep.yaml'), 'name: two\nexperiment: {protocol: raft, seed: 4}\naxes: {protocol: [raft, pbft], faultTolerance: [1]}\nrepetitions: 2\n')
  fs.writeFileSync(path.join(sweepsDir, 'broken.sweep.yaml'), 'name: broken\nexperiment: {protocol: raft}\naxes: {protocol: [raft, pbft], nodes: [3]}\n')
  return createLabService({ experimentsDir: scratch, userExperimentsDir: scratch, runsDir: path.join(scratch, 'runs'), sweepsDir })
}

describe('the lab service for sweeps', () => {
  it('lists each sweep with its cells, an invalid one with the reason', async () => {
    const [broken, two] = await service().listSweeps()
    expect(broken!.error).toMatch(/broken\.sweep\.yaml: cell pbft, 3 nodes: cluster\.nodes: PBFT needs at least 4 replicas/)
    expect(two!.runsTotal).toBe(4)
    expect(two!.summary!.cells.map((cell) => [cell.id, cell.nodes, cell.runsCompleted])).toEqual([['raft-f1', 3, 0], ['pbft-f1', 4, 0]])
    expect(two!.runIds).toEqual({})
  })

  it('reads results already in the sweep folder back per cell', async () => {
    const lab = service()
    const [, fresh] = await lab.listSweeps()
    const dir = path.join(scratch, 'runs', 'sweeps', 'two')
    fs.mkdirSync(dir, { recursive: true })
    const result = { cellId: 'pbft-f1', repetition: 1, seed: 4, runId: 'run-x', runDir: '../../run-x', completed: true, verdict: 'PASS', p50Ms: 3, p99Ms: 9, throughput: 300, opsOk: 900, opsFail: 0, elapsedMs: 5000, experimentDigest: 'd' }
    fs.writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify({ name: 'two', sweepDigest: 'x', results: [result] }))
    const [, two] = await lab.listSweeps()
    expect(fresh!.runIds).toEqual({})
    expect(two!.runIds).toEqual({ 'pbft-f1': ['run-x'] })
    expect(two!.summary!.cells[1]!.p50Ms!.median).toBe(3)
  })

  it('refuses a sweep that is not one of its own files', async () => {
    expect(await service().startSweep('../two.sweep.yaml')).toEqual({ ok: false, error: expect.stringMatching(/no sweep/) })
    expect(await service().startSweep('none.sweep.yaml')).toEqual({ ok: false, error: expect.stringMatching(/no sweep "none\.sweep\.yaml"/) })
    expect(await service().startSweep('broken.sweep.yaml')).toEqual({ ok: false, error: expect.stringMatching(/PBFT needs at least 4 replicas/) })
  })
})
