/**
 * A bench row and `npm run lab -- run` of the same experiment file must measure the same thing.
 * They once did not: a lab run reads every written key back after the load (final reads, for the
 * acknowledged-writes check) and those reads entered the run's latency histogram and ok count, so
 * a write-only run's p50 and throughput mixed in hundreds of reads the bench (final reads off) did
 * not have: on a 1-client, 1 s run about as many reads as writes, and p50 about half the bench's.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as hdr from 'hdr-histogram-js'
import { afterEach, describe, expect, it } from 'vitest'
import { benchExperiment, benchExperimentInput, benchExperimentPath, benchRunOptions } from '../../src-main/lab/bench/shape.js'
import { loadExperimentFile } from '../../src-main/lab/experiment-file.js'
import type { ClientDriver, Outcome } from '../../src-main/lab/workload/client.js'
import type { WorkloadStats } from '../../src-main/lab/workload/protocol.js'
import type { Command } from '../../src-main/protocols/types.js'
import { runEngineAlone } from '../support/engine-alone.js'

const scratch: string[] = []
afterEach(() => {
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})

function scratchDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-equals-run-'))
  scratch.push(dir)
  return dir
}

/** A store that answers every operation on the next turn of the event loop. */
class InstantStore implements ClientDriver {
  readonly values = new Map<string, string>()
  readonly calls: Command['op'][] = []
  execute(_clientId: string, _seq: number, command: Command): Promise<Outcome> {
    this.calls.push(command.op)
    return new Promise((resolve) =>
      setImmediate(() => {
        if (command.op === 'put') {
          this.values.set(command.key, command.value)
          resolve({ type: 'ok', node: 'n1' })
        } else if (command.op === 'get') resolve({ type: 'ok', node: 'n1', value: this.values.get(command.key) ?? null })
        else resolve({ type: 'fail', error: `not in this test: ${command.op}` })
      }),
    )
  }
}

async function runEngine(finalReads: boolean): Promise<{ stats: WorkloadStats; driver: InstantStore; history: string[] }> {
  const dir = scratchDir()
  const driver = new InstantStore()
  const historyPath = path.join(dir, 'history.ndjson')
  const stats = await runEngineAlone(driver, { historyPath, finalReads, seed: 1, durability: 'fsync' })
  const history = fs.readFileSync(historyPath, 'utf8').trim().split('\n')
  return { stats, driver, history }
}

describe('a bench row and a lab run of the same shape', () => {
  it('final reads are in the history but not in the measured latency or ok count', async () => {
    const { stats, driver, history } = await runEngine(true)
    const finalReads = driver.calls.filter((op) => op === 'get').length
    expect(finalReads, 'the engine read the written keys back').toBeGreaterThan(0)
    expect(history.filter((line) => line.includes('"f":"get"') && line.includes('"type":"ok"'))).toHaveLength(finalReads)
    expect(Object.keys(stats.byFunction)).toEqual(['put'])
    expect(Object.keys(stats.histogramsByFunction)).toEqual(['put'])
    expect(stats.ok).toBe(stats.byFunction.put!.ok)
    expect(stats.ok).toBe(driver.calls.filter((op) => op === 'put').length)
    expect(hdr.decodeFromCompressedBase64(stats.histogram).totalCount).toBe(stats.ok)
  })

  it('with final reads off the statistics are computed the same way (only the load)', async () => {
    const { stats, driver } = await runEngine(false)
    expect(driver.calls.filter((op) => op === 'get')).toHaveLength(0)
    expect(Object.keys(stats.byFunction)).toEqual(['put'])
    expect(hdr.decodeFromCompressedBase64(stats.histogram).totalCount).toBe(stats.ok)
  })

  it('the file the bench writes loads into the very experiment the bench runs', () => {
    const dir = scratchDir()
    const shape = { nodes: 3, clients: 1, durability: 'fsync' as const, durationMs: 1000, warmupMs: 1000, seed: 1 }
    const ran = benchExperiment(shape, dir)
    const loaded = loadExperimentFile(benchExperimentPath(dir, benchExperimentInput(shape)))
    if (!loaded.ok) throw new Error(loaded.message)
    expect(loaded.experiment).toEqual(ran)
    expect(ran.trace.messages).toBe(false)
  })

  it('a raft-vs-parallel-raft row on lossy links is a file too: the look-behind buffer and the links from the start', () => {
    const dir = scratchDir()
    const shape = { protocol: 'parallel-raft' as const, nodes: 3, clients: 16, durability: 'fsync' as const, durationMs: 1000, warmupMs: 1000, seed: 1, links: { delayMs: 5, jitterMs: 20, loss: 0.05 }, lookBehindEntries: 64 }
    const ran = benchExperiment(shape, dir)
    const loaded = loadExperimentFile(benchExperimentPath(dir, benchExperimentInput(shape)))
    if (!loaded.ok) throw new Error(loaded.message)
    expect(loaded.experiment).toEqual(ran)
    expect(ran.cluster.lookBehindEntries).toBe(64)
    expect(ran.faults).toHaveLength(1)
    expect(ran.name).toBe('bench-parallel-raft-3n-16c-fsync-lossy')
  })

  it('the bench runs with a lab run`s options minus the checks after the load', () => {
    expect(benchRunOptions('/runs')).toEqual({ runsDir: '/runs', check: false, finalReads: false })
  })
})
