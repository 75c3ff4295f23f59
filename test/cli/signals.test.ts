/**
 * `npm run lab` and `npm run serve` stop everything when npm is stopped: SIGTERM or SIGINT to npm
 * (a supervisor, an IDE's stop button) or SIGHUP (a closed terminal). Within a bound, no
 * orchestrator, replica, workload or guardian of the run is left, and the run directory says the
 * run was interrupted and by what.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { descendantsOf, killLeftovers, waitUntilGone, type ProcessRecord } from '../support/process-tree.js'
import { connectWire } from '../server/support.js'

const root = repositoryRoot()
/** From the signal to the last process of the run gone: a clean stop, on a loaded machine. */
const stopTimeoutMs = 30_000
/** npm builds the bundles first; the run then starts its replicas. */
const startTimeoutMs = 90_000

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-signals-'))
/** Long enough never to end by itself during a test; a follower is paused, which a dying parent cannot see. */
const experimentText = [
  'name: stopped-by-a-signal',
  'protocol: raft',
  'cluster: {nodes: 3, durability: none}',
  'workload: {duration: 300s, clients: 2, keys: 5}',
  'faults: [{at: 1s, pause: follower}]',
  '',
].join('\n')
const experimentFile = path.join(scratch, 'long.yaml')
fs.writeFileSync(experimentFile, experimentText)

let recorded: ProcessRecord[] = []
let npmProcess: ChildProcess | undefined
afterEach(() => {
  // Whatever a failing test left behind.
  killLeftovers(recorded)
  if (npmProcess?.exitCode === null && npmProcess.signalCode === null) npmProcess.kill('SIGKILL')
  recorded = []
  npmProcess = undefined
})

/** `detached`: npm leads a process group of its own, as a terminal's foreground job does. */
function npm(args: string[], detached = false): { child: ChildProcess; output: () => string; exited: Promise<void> } {
  const child = spawn('npm', args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached })
  npmProcess = child
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return { child, output: () => output, exited }
}

/** Resolves with the first match of `pattern` in `text()`, polled as output arrives. */
async function waitForOutput(source: { child: ChildProcess; output: () => string }, pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const match = pattern.exec(source.output())
      if (match === null) return
      cleanup()
      resolve(match)
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`timed out waiting for ${what}:\n${source.output()}`))
    }, startTimeoutMs)
    const exit = () => {
      cleanup()
      reject(new Error(`npm exited before ${what}:\n${source.output()}`))
    }
    const cleanup = () => {
      clearTimeout(timer)
      source.child.stdout!.off('data', check)
      source.child.stderr!.off('data', check)
      source.child.off('exit', exit)
    }
    source.child.stdout!.on('data', check)
    source.child.stderr!.on('data', check)
    source.child.once('exit', exit)
    check()
  })
}

/** Polls the run's trace until the scheduled pause has happened. */
async function waitForPause(runDir: string): Promise<void> {
  const deadline = Date.now() + startTimeoutMs
  const trace = path.join(runDir, 'trace.ndjson')
  while (!(fs.existsSync(trace) && /"state":"paused"/.test(fs.readFileSync(trace, 'utf8')))) {
    if (Date.now() > deadline) throw new Error(`no replica was paused in ${runDir}`)
    await delay(100)
  }
}

/** Every process of the run, recorded before the signal: the orchestrator, 3 replicas, the workload, the guardian. */
function recordRun(npmPid: number): ProcessRecord[] {
  const processes = descendantsOf(npmPid)
  const replicas = processes.filter((record) => record.command.includes('out/node/replica.js'))
  expect(replicas, processes.map((record) => record.command.slice(0, 100)).join('\n')).toHaveLength(3)
  expect(processes.filter((record) => record.command.includes('out/node/workload.js')).length).toBeLessThanOrEqual(1)
  expect(processes.some((record) => record.command.includes('out/node/guardian.js'))).toBe(true)
  return processes
}

async function expectAllGone(processes: ProcessRecord[]): Promise<void> {
  const left = await waitUntilGone(processes, stopTimeoutMs)
  expect(left.map((record) => `${record.pid} ${record.state} ${record.command.slice(0, 80)}`), 'processes left running').toEqual([])
}

function readSummary(runDir: string): { completed: boolean; error?: string } {
  return JSON.parse(fs.readFileSync(path.join(runDir, 'summary.json'), 'utf8'))
}

describe('npm run lab -- run, stopped by a signal to npm', () => {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    it(`${signal}: every process of the run is gone and the run directory says interrupted by ${signal}`, { timeout: startTimeoutMs + stopTimeoutMs * 2 }, async () => {
      const runsDir = path.join(scratch, `runs-${signal}`)
      const lab = npm(['run', 'lab', '--', 'run', experimentFile, '--runs-dir', runsDir])
      const [, runId] = await waitForOutput(lab, /^run (\S+): raft, 3 nodes/m, 'the run to start')
      const runDir = path.join(runsDir, runId!)
      await waitForOutput(lab, /leader [ABC] term \d+/, 'a leader')
      await waitForPause(runDir)
      recorded = recordRun(lab.child.pid!)
      lab.child.kill(signal)
      await expectAllGone(recorded)
      const summary = readSummary(runDir)
      expect(summary.completed).toBe(false)
      expect(summary.error).toBe(`interrupted by ${signal}`)
    })
  }
})

describe('npm run lab -- run in a terminal: the signal reaches every process of the foreground job', () => {
  for (const [signal, what] of [['SIGINT', 'Ctrl-C'], ['SIGHUP', 'the terminal closed']] as const) {
    it(`${signal} (${what}): every process is gone and the run directory says interrupted by ${signal}`, { timeout: startTimeoutMs + stopTimeoutMs * 2 }, async () => {
      const runsDir = path.join(scratch, `runs-group-${signal}`)
      const lab = npm(['run', 'lab', '--', 'run', experimentFile, '--runs-dir', runsDir], true)
      const [, runId] = await waitForOutput(lab, /^run (\S+): raft, 3 nodes/m, 'the run to start')
      const runDir = path.join(runsDir, runId!)
      await waitForOutput(lab, /leader [ABC] term \d+/, 'a leader')
      await waitForPause(runDir)
      recorded = recordRun(lab.child.pid!)
      process.kill(-lab.child.pid!, signal)
      await expectAllGone(recorded)
      const summary = readSummary(runDir)
      expect(summary.completed).toBe(false)
      expect(summary.error).toBe(`interrupted by ${signal}`)
    })
  }
})

describe('npm run serve, stopped by a signal to npm during a run', () => {
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    it(`${signal}: the server, its run's replicas and workload are gone, and the run directory says interrupted`, { timeout: startTimeoutMs + stopTimeoutMs * 2 }, async () => {
      const dataDir = fs.mkdtempSync(path.join(scratch, `serve-${signal}-`))
      const runsDir = path.join(dataDir, 'runs')
      const serve = npm(['run', 'serve', '--', '--json', '--port', '0', '--user-experiments', path.join(dataDir, 'user'), '--runs', runsDir])
      const [line] = await waitForOutput(serve, /^\{"url".*\}$/m, 'the server to start')
      const { url, port } = JSON.parse(line!) as { url: string; port: number }
      const client = await connectWire(port, new URL(url).searchParams.get('token')!)
      const started = await client.call('startRun', experimentText)
      expect(started, JSON.stringify(started)).toMatchObject({ ok: true, value: { ok: true } })
      const runDir = path.join(runsDir, (started.value as { runId: string }).runId)
      await waitForPause(runDir)
      recorded = recordRun(serve.child.pid!)
      serve.child.kill(signal)
      await expectAllGone(recorded)
      await client.closed
      const summary = readSummary(runDir)
      expect(summary.completed).toBe(false)
      expect(summary.error).toBe(`interrupted by ${signal}`)
    })
  }
})
