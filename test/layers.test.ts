/**
 * The layer rules of .dependency-cruiser.cjs hold over the source (`npm test` runs this; `npm run
 * lint:layers` prints the same), and each rule catches a planted break in a small fixture tree
 * (test/fixtures/layers), so a rule that matched nothing would not pass unnoticed.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '..')
const config = path.join(root, '.dependency-cruiser.cjs')
const depcruise = path.join(root, 'node_modules', '.bin', 'depcruise')
/** Cruising the whole source takes ~25 s on a loaded 2-core machine. */
const cruiseTimeoutMs = 240_000

interface Violation {
  from: string
  to: string
  rule: { name: string; severity: 'error' | 'warn' | 'info' }
}

async function cruise(cwd: string, folders: string[]): Promise<Violation[]> {
  // Exit code 1 means violations of severity error: the JSON says which, so read it either way.
  const run = promisify(execFile)(depcruise, [...folders, '--config', config, '--output-type', 'json'], { cwd, maxBuffer: 256 * 1024 * 1024 })
  const { stdout } = await run.catch((caught: { stdout?: string; stderr?: string; message: string }) => {
    if (caught.stdout === undefined || caught.stdout === '') throw new Error(`depcruise failed: ${caught.stderr ?? caught.message}`)
    return { stdout: caught.stdout }
  })
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations
}

const line = (violation: Violation) => `${violation.rule.severity} ${violation.rule.name}: ${violation.from} -> ${violation.to}`

describe('layer rules', () => {
  it('the source keeps them', async () => {
    const violations = await cruise(root, ['src-main', 'src-renderer/src'])
    // Every rule is an error now: a warning would be a rule someone turned down.
    expect(violations.map(line)).toEqual([])
  }, cruiseTimeoutMs)

  it('each rule catches its planted break, and allows what is allowed', async () => {
    const violations = await cruise(path.join(root, 'test/fixtures/layers'), ['src-main', 'src-renderer'])
    expect(violations.map(line).sort()).toEqual([
      'error no-host-imports-another-host (server): src-main/server/main.ts -> src-main/electron/window.ts',
      'error pure-core-no-io: src-main/protocols/x/core.ts -> fs',
      'error renderer-imports-only-api: src-renderer/src/view.ts -> src-main/lab/thing.ts',
      'error sim-beside-the-cores: src-main/sim/sim.ts -> src-main/lab/thing.ts',
    ])
  }, cruiseTimeoutMs)
})
