/** The headless lab as a person uses it: `node out/node/lab.js <command>`. */
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { experimentJsonSchema } from '../../src-main/api/json-schema.js'
import { replicaPid } from '../support/processes.js'

const root = repositoryRoot()
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-cli-'))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

function lab(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, 'out/node/lab.js'), ...args], { encoding: 'utf8', timeout: 120_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

function experimentFile(name: string, text: string): string {
  const file = path.join(scratch, name)
  fs.writeFileSync(file, text)
  return file
}

describe('lab run with an invalid experiment file', () => {
  const cases: [string, string, RegExp][] = [
    ['a rate that is not a number', 'protocol: raft\nworkload: {rate: fast}\n', /workload\.rate: expected a positive number of ops per second, got "fast"/],
    ['an unknown protocol', 'protocol: paxos\n', /protocol: expected one of raft, pbft, primary-backup, parallel-raft, got "paxos"/],
    ['a duration without a unit', 'protocol: raft\nworkload: {duration: 10}\n', /workload\.duration: expected a duration like 2s or 250ms, got 10/],
    ['a fault naming an unknown node', 'protocol: raft\nfaults: [{at: 1s, crash: Z}]\n', /faults\.0\.crash: unknown node "Z": expected one of A, B, C/],
    ['a fault after the end of the run', 'protocol: raft\nworkload: {duration: 2s}\nfaults: [{at: 5s, crash: leader}]\n', /faults\.0\.at: expected a time within the run \(2000 ms\), got 5000 ms/],
    ['duplicate node names', 'protocol: raft\ncluster: {nodes: [A, B, A]}\n', /cluster\.nodes: node names must be unique, A repeated/],
    ['a misspelled field', 'protocol: raft\nworkload: {clinets: 4}\n', /workload: unknown field clinets/],
    ['a script command the lab does not know', 'protocol: raft\nworkload: {script: ["MOVE x y"]}\n', /workload\.script\.0: expected SET key=value/],
    ['broken YAML', 'protocol: raft\nworkload: {clients: [\n', /not valid YAML or JSON/],
  ]
  for (const [what, text, expected] of cases) {
    it(`names the path and what was expected for ${what}, and starts nothing`, () => {
      const file = experimentFile(`${what.replace(/\W+/g, '-')}.yaml`, text)
      const result = lab('run', file, '--runs-dir', path.join(scratch, 'runs'))
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(file)
      expect(result.stderr).toMatch(expected)
      expect(fs.existsSync(path.join(scratch, 'runs'))).toBe(false)
    })
  }

  it('says so when the file does not exist', () => {
    const result = lab('run', path.join(scratch, 'missing.yaml'))
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/missing\.yaml: cannot read the experiment file \(no such file\)/)
  })
})

describe('lab run', () => {
  it('runs a short experiment and prints the summary as JSON, with the run directory kept', () => {
    const file = experimentFile('short.yaml', 'name: short\nprotocol: raft\ncluster: {nodes: 3}\nworkload: {duration: 1500ms, clients: 4, keys: 5}\n')
    const result = lab('run', file, '--json', '--check', '--runs-dir', path.join(scratch, 'json-runs'))
    expect(result.code, result.stderr).toBe(0)
    const summary = JSON.parse(result.stdout)
    expect(summary).toMatchObject({ protocol: 'raft', nodes: 3, completed: true })
    expect(summary.ops.ok).toBeGreaterThan(0)
    for (const field of ['p50', 'p90', 'p99', 'max']) expect(summary.latencyMs[field]).toBeGreaterThan(0)
    expect(summary.throughput).toBeGreaterThan(0)
    expect(summary.leaderChanges).toBeGreaterThanOrEqual(0)
    expect(summary.unavailableMs).toBeGreaterThanOrEqual(0)
    expect(summary.verdict.linearizable).toBe(true)
    for (const name of ['experiment.json', 'history.ndjson', 'trace.ndjson', 'summary.json', 'series.json', 'final-states.json']) {
      expect(fs.existsSync(path.join(summary.runDir, name)), name).toBe(true)
    }
    expect(result.stderr).toMatch(/leader [ABC] term \d+/)
  })
})

describe('lab schema', () => {
  it('matches the JSON Schema published in experiments/ for editors', () => {
    const published = JSON.parse(fs.readFileSync(path.join(root, 'experiments/experiment.schema.json'), 'utf8'))
    expect(published).toEqual(experimentJsonSchema())
  })
})

describe('the bundled experiments', () => {
  it('all validate', () => {
    const files = fs.readdirSync(path.join(root, 'experiments')).filter((file) => file.endsWith('.yaml'))
    expect(files.length).toBeGreaterThan(0)
    const result = lab('validate', ...files.map((file) => path.join(root, 'experiments', file)))
    expect(result.code, result.stderr).toBe(0)
  })
})

/** Runs `lab run` in the background, calling `during` with each progress line until it exits. */
function labInBackground(args: string[], during: (stderrSoFar: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'out/node/lab.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const deadline = setTimeout(() => child.kill('SIGKILL'), 120_000)
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => {
      stderr += chunk
      during(stderr)
    })
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(deadline)
      resolve({ code, stdout, stderr })
    })
  })
}

describe('lab run --check: a run that broke does not pass', () => {
  it('exits 1 when a replica dies outside the experiment (killed here by pid), and says which', async () => {
    const file = experimentFile('killed.yaml', 'name: killed\nprotocol: raft\ncluster: {nodes: 3}\nworkload: {duration: 4s, clients: 4, keys: 5}\n')
    const runsDir = path.join(scratch, 'killed-runs')
    let killed: string | undefined
    const result = await labInBackground(['run', file, '--check', '--runs-dir', runsDir], (stderr) => {
      if (killed !== undefined || !/ops [1-9]\d* ok/.test(stderr)) return
      const [runDir] = fs.readdirSync(runsDir).map((name) => path.join(runsDir, name))
      const pid = runDir === undefined ? undefined : replicaPid(runDir, 'C')
      if (pid === undefined) return
      process.kill(pid, 'SIGKILL')
      killed = 'C'
    })
    expect(killed, result.stderr).toBe('C')
    expect(result.code, result.stdout + result.stderr).toBe(1)
    expect(result.stdout).toMatch(/^ {2}DIED {9}C at \d+\.\d\d s: killed by SIGKILL/m)
    expect(result.stdout).toMatch(/^ {2}FAIL {9}replicas-healthy: C exited on its own at \d+\.\d\d s: killed by SIGKILL/m)
    expect(result.stdout).toMatch(/^ {2}verdict {6}FAIL \(replicas-healthy\)$/m)
  })

  it('exits 4 (undecided) when no operation succeeded, with why, instead of a vacuous pass', () => {
    const file = experimentFile('no-leader.yaml', 'name: no-leader\nprotocol: raft\ncluster: {nodes: 3}\nworkload: {duration: 1500ms, clients: 2, keys: 5, timeoutMs: 300}\nfaults: [{at: 0s, partition: [[A], [B], [C]]}]\n')
    const result = lab('run', file, '--check', '--json', '--runs-dir', path.join(scratch, 'no-leader-runs'))
    expect(result.code, result.stderr).toBe(4)
    const summary = JSON.parse(result.stdout)
    expect(summary.ops.ok).toBe(0)
    expect(summary.verdict.linearizable).toBe('unknown')
    expect(summary.verdict.witness).toMatch(/^Unknown: none of the \d+ operations was acknowledged/)
  })
})

describe('lab check of several targets in one process', () => {
  const histories = path.join(root, 'test/fixtures/histories')
  const good = path.join(histories, 'good/cas-chain.ndjson')
  const bad = path.join(histories, 'bad/stale-read.ndjson')

  it('prints one row per target and the witness of each that failed; the exit code is the worst (a violation)', () => {
    const missing = path.join(scratch, 'no-such-history.ndjson')
    const result = lab('check', good, bad, missing)
    expect(result.code).toBe(1)
    const rows = result.stdout.split('\n')
    expect(rows[0]).toMatch(/^target\s+ops\s+keys\s+linearizable\s+invariants\s+ms\s+verdict$/)
    expect(rows.find((row) => row.startsWith(good))).toMatch(/\s4\s+1\s+yes\s+ok\s+\d+\s+PASS$/)
    expect(rows.find((row) => row.startsWith(bad))).toMatch(/\s3\s+1\s+NO\s+FAIL \(acknowledged-writes-kept\)\s+\d+\s+FAIL$/)
    expect(rows.find((row) => row.startsWith(missing))).toMatch(/UNREADABLE: .*no-such-history\.ndjson: no such file or directory$/)
    expect(result.stdout).toContain(`witness for ${bad}:`)
    expect(result.stdout).toContain('put(x, "2") completed at 3.000 ms, before the read began')
    expect(result.stdout).toContain('3 targets: 1 passed, 1 failed, 1 undecided or unreadable')
  })

  it('exits 2 when nothing failed but one target could not be read, and 0 when every one passes', () => {
    expect(lab('check', good, path.join(scratch, 'absent.ndjson')).code).toBe(2)
    expect(lab('check', good, good).code).toBe(0)
  })

  it('--json gives a list of {target, exitCode, verdict | error}', () => {
    const result = lab('check', good, bad, '--json')
    expect(result.code).toBe(1)
    const rows = JSON.parse(result.stdout) as { target: string; exitCode: number; verdict?: { linearizable: unknown } }[]
    expect(rows.map((row) => [row.target, row.exitCode, row.verdict?.linearizable])).toEqual([
      [good, 0, true],
      [bad, 1, false],
    ])
  })

  it('one target prints as before: the verdict of that history alone', () => {
    const result = lab('check', bad)
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^history: .*stale-read\.ndjson: 3 operations on 1 keys/)
    expect(result.stdout).toContain('verdict: FAIL')
  })
})
