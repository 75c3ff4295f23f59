/**
 * A full disk is a run that could not complete, never a violation: a one-line error, a summary that
 * says why (completed: false), a run directory the app can still load, and `lab run` exit 3. The
 * disks here are real: small tmpfs mounts, so every write fails with a real ENOSPC (needs root; the
 * tests say so and skip without it).
 */
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { validateExperimentText } from '../../src-main/api/validate.js'
import type { RunSummary } from '../../src-main/api/summary.js'
import { ExperimentRun } from '../../src-main/lab/runner.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { loadRunDirectory } from '../../src-main/lab/report/run-directory.js'

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-disk-full-'))
const mounts: string[] = []

/** A tmpfs of `size` (e.g. "4m") at a fresh directory, or why there cannot be one. */
function smallDisk(name: string, size: string): { dir: string } | { why: string } {
  const dir = path.join(scratch, name)
  fs.mkdirSync(dir)
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (error) {
    return { why: `cannot mount a tmpfs (${String((error as { stderr?: Buffer }).stderr ?? error).trim()}); these tests need root` }
  }
  mounts.push(dir)
  return { dir }
}

afterAll(() => {
  for (const dir of mounts) spawnSync('umount', ['-l', dir])
  fs.rmSync(scratch, { recursive: true, force: true })
})

const probe = smallDisk('probe', '64k')
const mountable = 'dir' in probe
if (!mountable) console.warn(`disk-full tests skipped: ${probe.why}`)

function experiment(text: string) {
  const validated = validateExperimentText(text)
  if (!validated.ok) throw new Error(validated.errors.map((error) => `${error.path}: ${error.message}`).join('\n'))
  return validated.experiment
}

function mounted(name: string, size: string): string {
  const disk = smallDisk(name, size)
  if (!('dir' in disk)) throw new Error(disk.why)
  return disk.dir
}

/** What a failed run must leave: summary.json saying why, and a directory the app can load. */
async function expectFailedRunRecord(summary: RunSummary): Promise<void> {
  expect(summary.completed).toBe(false)
  expect(summary.error).toMatch(/^no space left on device/)
  expect(summary.error).not.toContain('\n')
  expect(summary.verdict).toBeUndefined()
  const onDisk = JSON.parse(fs.readFileSync(path.join(summary.runDir, 'summary.json'), 'utf8')) as RunSummary
  expect(onDisk).toMatchObject({ completed: false, error: summary.error })
  const record = await loadRunDirectory(summary.runDir)
  expect(record.summary).toMatchObject({ completed: false, error: summary.error })
}

describe.skipIf(!mountable)('a full disk', () => {
  it('replicas that cannot write their WAL: lab run exits 3 with one line saying so, never 1, and keeps a failed-run record', () => {
    const runsDir = mounted('wal', '4m')
    const file = path.join(scratch, 'wal.yaml')
    fs.writeFileSync(file, 'name: disk-full-wal\nprotocol: raft\ncluster: {nodes: 3}\nworkload: {duration: 3s, clients: 4, keys: 10}\n')
    const result = spawnSync(process.execPath, [path.join(repositoryRoot(), 'out/node/lab.js'), 'run', file, '--json', '--check', '--runs-dir', runsDir], { encoding: 'utf8', timeout: 120_000 })
    expect(result.status, result.stderr).toBe(3)
    expect(result.stderr).toMatch(/^the run did not complete: no space left on device: replica [ABC] could not write to .*\/nodes\/[ABC]: .*ENOSPC.*$/m)
    const summary = JSON.parse(result.stdout) as RunSummary
    return expectFailedRunRecord(summary)
  })

  it('the run directory itself filling up (the trace): the run stops, and its summary says why', async () => {
    const runsDir = mounted('trace', '1m')
    const elsewhere = fs.mkdtempSync(path.join(scratch, 'nodes-'))
    const run = new ExperimentRun(
      experiment('name: disk-full-trace\nprotocol: raft\ncluster: {nodes: 3}\ntrace: {messages: true}\nworkload: {duration: 20s, clients: 8, keys: 10}\n'),
      { runsDir },
    )
    // The replicas' WALs live on a roomy disk, so only the lab's own files hit the full one.
    fs.symlinkSync(elsewhere, path.join(run.dir, 'nodes'))
    const summary = await run.execute()
    await expectFailedRunRecord(summary)
    expect(summary.error).toMatch(/^no space left on device: could not write .*\/(trace|history)\.ndjson$|^no space left on device: the workload/)
    // It stopped at the full disk rather than running out its 20 s.
    expect(summary.durationMs).toBeLessThan(20_000)
  })

  it('a disk already full when the run starts: a one-line error and nothing started', () => {
    const runsDir = mounted('full', '64k')
    fs.writeFileSync(path.join(runsDir, 'filler'), Buffer.alloc(60 * 1024))
    expect(() => new ExperimentRun(experiment('protocol: raft\n'), { runsDir })).toThrow(/^cannot start the run: no space left on device: could not write .*\.record-reserve$/)
  })
})
