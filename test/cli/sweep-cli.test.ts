/**
 * `lab sweep` as a person uses it: a small Raft-vs-PBFT sweep (2 protocols × 2 link delays, one
 * short run each) on real processes, killed with SIGKILL after its first run and started again: the
 * run that completed is kept, not redone, and the summary, CSV and report cover every cell.
 */
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import type { SweepState } from '../../src-main/lab/sweep/session.js'
import type { SweepSummary } from '../../src-main/api/report/sweep-results.js'

const root = repositoryRoot()
const lab = path.join(root, 'out/node/lab.js')
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-cli-'))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const sweepText = `name: tiny
experiment:
  protocol: raft
  seed: 3
  workload: { duration: 1500ms, clients: 2, keys: 5, mix: { get: 0.5, put: 0.5 } }
axes:
  protocol: [raft, pbft]
  faultTolerance: [1]
  delayMs: [0, 5]
`

function readState(dir: string): SweepState | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'sweep.json'), 'utf8')) as SweepState
  } catch {
    return undefined
  }
}

/** Resolves once the sweep's state file holds `count` results (it is written after each run). */
function resultsWritten(dir: string, count: number, child: ReturnType<typeof spawn>): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if ((readState(dir)?.results.length ?? 0) >= count) {
        watcher.close()
        resolve()
      }
    }
    fs.mkdirSync(dir, { recursive: true })
    const watcher = fs.watch(dir, check)
    child.once('exit', (code) => {
      watcher.close()
      reject(new Error(`the sweep exited (${code}) before ${count} results`))
    })
    check()
  })
}

describe('lab sweep', () => {
  it('refuses a sweep with a cell that breaks a protocol rule, naming the cell, and runs nothing', () => {
    const file = path.join(scratch, 'bad.sweep.yaml')
    fs.writeFileSync(file, 'name: bad\nexperiment: {protocol: raft}\naxes: {protocol: [raft, pbft], nodes: [3]}\n')
    const result = spawnSync(process.execPath, [lab, 'sweep', file, '--runs-dir', path.join(scratch, 'bad')], { encoding: 'utf8', timeout: 60_000 })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain(`${file}: cell pbft, 3 nodes: cluster.nodes: PBFT needs at least 4 replicas (n >= 3f + 1 with f >= 1), got 3`)
    expect(fs.existsSync(path.join(scratch, 'bad'))).toBe(false)
  })

  it('runs every cell, resumes after SIGKILL without redoing a finished run, and reports the sweep', async () => {
    const file = path.join(scratch, 'tiny.sweep.yaml')
    fs.writeFileSync(file, sweepText)
    const dir = path.join(scratch, 'tiny')
    const first = spawn(process.execPath, [lab, 'sweep', file, '--runs-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
    let firstErr = ''
    first.stderr.on('data', (chunk) => (firstErr += chunk))
    await resultsWritten(dir, 1, first)
    first.kill('SIGKILL')
    await new Promise((resolve) => first.once('exit', resolve))
    expect(firstErr).toMatch(/sweep tiny: 4 cells × 1 = 4 runs into/)
    expect(firstErr).toMatch(/\[\.+\] 1\/4 raft, f=1, delay 0 ms \(seed 3\); about \d+ s left/)
    const kept = readState(dir)!.results
    expect(kept.length).toBeGreaterThanOrEqual(1)
    const keptDirs = kept.map((result) => result.runDir)

    const second = spawnSync(process.execPath, [lab, 'sweep', file, '--runs-dir', dir], { encoding: 'utf8', timeout: 300_000 })
    expect(second.stderr).toContain('(resuming)')
    expect(second.status, second.stderr).toBe(0)
    expect(second.stdout).toContain(`${4 - kept.length} runs made, ${kept.length} kept from before`)
    const state = readState(dir)!
    expect(state.results.map((result) => result.cellId).sort()).toEqual(['pbft-f1-delay0ms', 'pbft-f1-delay5ms', 'raft-f1-delay0ms', 'raft-f1-delay5ms'])
    // The runs kept are the very ones of the first process.
    for (const runDir of keptDirs) expect(state.results.map((result) => result.runDir)).toContain(runDir)
    for (const result of state.results) {
      expect(result.completed, result.error).toBe(true)
      expect(result.verdict).toBe('PASS')
      expect(fs.existsSync(path.join(dir, result.runDir, 'summary.json'))).toBe(true)
    }
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'sweep-summary.json'), 'utf8')) as SweepSummary
    expect(summary.cells.map((cell) => [cell.id, cell.nodes, cell.runsCompleted])).toEqual([
      ['raft-f1-delay0ms', 3, 1], ['raft-f1-delay5ms', 3, 1], ['pbft-f1-delay0ms', 4, 1], ['pbft-f1-delay5ms', 4, 1],
    ])
    expect(summary.ratios.map((ratio) => ratio.other)).toEqual(['pbft-f1-delay0ms', 'pbft-f1-delay5ms'])
    for (const cell of summary.cells) expect(cell.p50Ms!.median).toBeGreaterThan(0)
    expect(fs.readFileSync(path.join(dir, 'sweep-summary.csv'), 'utf8').trim().split('\n')).toHaveLength(5)

    const html = path.join(scratch, 'tiny.html')
    const report = spawnSync(process.execPath, [lab, 'sweep', 'report', dir, '--out', html], { encoding: 'utf8', timeout: 60_000 })
    expect(report.status, report.stderr).toBe(0)
    const text = fs.readFileSync(html, 'utf8')
    expect(text).toContain('Latency against link delay (ms)')
    expect(text).toContain('pbft-f1-delay5ms / raft-f1-delay5ms')
    // Again: nothing left to run.
    const third = spawnSync(process.execPath, [lab, 'sweep', file, '--runs-dir', dir], { encoding: 'utf8', timeout: 60_000 })
    expect(third.stdout).toContain('0 runs made, 4 kept from before')
  }, 360_000)
})
