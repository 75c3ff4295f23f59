/**
 * scripts/build-node.mjs runs while other processes run its bundles (a test calls `npm run lab`
 * beside tests running out/node/lab.js; CI once failed on a half-written lab.js). A rebuilt bundle
 * must arrive by rename — a new file in one step — and an unchanged one must not be touched.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { repositoryRoot } from '../../src-main/lab/paths.js'

function buildInto(outdir: string): void {
  const result = spawnSync(process.execPath, [path.join(repositoryRoot(), 'scripts/build-node.mjs'), '--quiet', '--outdir', outdir], { encoding: 'utf8', timeout: 120_000 })
  expect(result.status, result.stderr).toBe(0)
}

describe('build-node', () => {
  it('replaces a changed bundle by rename and leaves an unchanged one alone', { timeout: 180_000 }, () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'build-node-'))
    buildInto(outdir)
    const lab = path.join(outdir, 'lab.js')
    const replica = path.join(outdir, 'replica.js')
    // A reader holding the old lab.js open must keep reading the old bytes to the end.
    fs.appendFileSync(lab, '\n// stale\n')
    const held = fs.openSync(lab, 'r')
    const heldSize = fs.fstatSync(held).size
    const replicaBefore = fs.statSync(replica)
    buildInto(outdir)
    const fresh = fs.readFileSync(lab, 'utf8')
    expect(fresh.endsWith('// stale\n')).toBe(false)
    expect(fs.fstatSync(held).size, 'the open lab.js was rewritten in place').toBe(heldSize)
    expect(fs.statSync(lab).ino).not.toBe(fs.fstatSync(held).ino)
    fs.closeSync(held)
    const replicaAfter = fs.statSync(replica)
    expect(replicaAfter.ino).toBe(replicaBefore.ino)
    expect(replicaAfter.mtimeMs).toBe(replicaBefore.mtimeMs)
    expect(fs.readdirSync(outdir).filter((name) => name.endsWith('.tmp'))).toEqual([])
    fs.rmSync(outdir, { recursive: true, force: true })
  })
})
