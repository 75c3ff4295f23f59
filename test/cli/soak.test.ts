/**
 * `npm run soak`, as a person runs it (the built out/node/soak.js): the simulator sweep reports
 * each failing seed with a replay command that replays it, and the real-process soak runs
 * randomized nemesis experiments, judges each, and reports the table.
 */
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import type { SoakReport } from '../../src-main/lab/soak/session.js'
import { descendantsOf, killLeftovers, waitUntilGone } from '../support/process-tree.js'

const root = repositoryRoot()
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'soak-cli-'))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

function node(script: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, 'out/node', script), ...args], { encoding: 'utf8', timeout: 240_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('soak sim', () => {
  it('passes the seeds of a correct core on two threads, and says what they exercised', () => {
    const result = node('soak.js', 'sim', 'raft', '--seeds', '1..6', '--steps', '2000', '--jobs', '2')
    expect(result.stdout).toMatch(/^raft seeds 1\.\.6, 2000 steps each, faults all: 6 passed, 0 failed \(0 safety, 0 liveness\)/m)
    expect(result.stdout).toMatch(/exercised: \d+ crashes, \d+ pauses, \d+ cuts, [1-9]\d* acknowledged client operations/)
    expect(result.code).toBe(0)
  })

  it('catches a deliberate bug, names each failing seed, and the printed replay command fails the same way', () => {
    const result = node('soak.js', 'sim', 'raft', '--seeds', '1..6', '--mutation', 'voteWithoutLogCheck', '--jobs', '2')
    expect(result.code).toBe(1)
    const failure = /^seed (\d+): ([a-z-]+): .*\n {2}replay: npm run lab -- simulate (raft --seed \d+ --mutation voteWithoutLogCheck --steps 10000) --verbose$/m.exec(result.stdout)
    expect(failure, result.stdout).not.toBeNull()
    expect(result.stdout).toMatch(/failing seeds: \d+ \(/)
    const replay = node('lab.js', 'simulate', ...failure![3]!.split(' '))
    expect(replay.code).toBe(1)
    expect(replay.stdout).toContain(`${failure![2]} broken at step`)
  })

  it.each([
    [['sim'], /sim needs a protocol/],
    [['sim', 'raft', '--seeds', '5..1'], /--seeds must be A\.\.B/],
    [['sim', 'raft', '--jobs', '0'], /--jobs must be a whole number from 1/],
    [['sim', 'raft', '--mutation', 'nope'], /unknown mutation "nope" for raft/],
    [['raft'], /say how many runs: --runs N/],
    [['raft', '--runs', 'many'], /--runs must be a whole number/],
    [['raft', '--runs', '1', '--duration', 'long'], /--duration must be a duration/],
    [['paxos'], /unknown command "paxos"/],
  ])('refuses %j with a clear message and exit 2', (args, message) => {
    const result = node('soak.js', ...args)
    expect(result.stderr.split('\n')[0]).toMatch(message)
    expect(result.code).toBe(2)
  })
})

describe('soak on real processes', () => {
  for (const protocol of ['raft', 'pbft'] as const) {
    it(`${protocol}: runs a randomized nemesis experiment, judges it, and reports the table's figures`, { timeout: 240_000 }, () => {
      const runsDir = path.join(scratch, `runs-${protocol}`)
      const result = node('soak.js', protocol, '--runs', '1', '--seed', '2', '--duration', '4s', '--runs-dir', runsDir, '--json')
      const report = JSON.parse(result.stdout) as SoakReport
      expect(report.totals.runs).toBe(1)
      expect(report.totals.acknowledgedWrites).toBeGreaterThan(0)
      expect(report.totals.runsWithoutFinalReads).toBe(0)
      for (const figure of ['lostWrites', 'violations', 'unknownVerdicts', 'replicasDied', 'faultsFailed', 'staleReads'] as const) expect(report.totals[figure]).toBeGreaterThanOrEqual(0)
      expect(Object.keys(report.totals.faults).sort()).toEqual(['clockSkew', 'crash', 'loss', 'partition', 'pause', 'slowDisk'])
      // The exit code says whether every run was clean; a run that was not is listed with its directory.
      expect(result.code, result.stdout).toBe(report.totals.runsClean === 1 ? 0 : 1)
      expect(report.notClean).toHaveLength(1 - report.totals.runsClean)
      // --runs-dir keeps every run, clean or not, with the experiment to run again.
      const [runId] = fs.readdirSync(runsDir)
      expect(fs.existsSync(path.join(runsDir, runId!, 'experiment.source.yaml'))).toBe(true)
      expect(result.stderr).toMatch(new RegExp(`^run 1/1 seed 2: ${protocol} \\d nodes`, 'm'))
    })
  }

  it('stops by itself when told to, mid-run: the table so far, every process gone, exit 143', { timeout: 240_000 }, async () => {
    const child = spawn(process.execPath, [path.join(root, 'out/node/soak.js'), 'raft', '--runs', '3', '--duration', '60s', '--runs-dir', path.join(scratch, 'runs-stopped')], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    // The first run is under way once its replicas are running (/proc is polled: they print nothing).
    await new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => {
        clearInterval(poll)
        reject(new Error(`the first run did not start:\n${stderr}`))
      }, 120_000)
      const poll = setInterval(() => {
        if (!/^run 1\/3 seed 1:/m.test(stderr) || descendantsOf(child.pid!).filter((record) => record.command.includes('replica.js')).length < 3) return
        clearTimeout(timeout)
        clearInterval(poll)
        resolve()
      }, 100)
    })
    const recorded = descendantsOf(child.pid!)
    try {
      child.kill('SIGTERM')
      expect(await exited).toBe(143)
      expect(await waitUntilGone(recorded, 30_000)).toEqual([])
    } finally {
      killLeftovers(recorded)
    }
    expect(stdout).toMatch(/runs +1 of 3 \(interrupted by SIGTERM\)/)
    expect(stdout).toMatch(/did not complete: interrupted by SIGTERM/)
  })
})
