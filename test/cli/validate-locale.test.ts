/**
 * `lab validate` and `lab run` say validation errors in English by default and in Korean with
 * `--locale ko`: the same errors, paths and exit code (2, nothing started), the text from the
 * errors' codes (api/validation-text.ts). Runs the built CLI (`npm run build:node`).
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { repositoryRoot } from '../../src-main/lab/paths.js'

const root = repositoryRoot()
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-locale-'))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

function lab(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, 'out/node/lab.js'), ...args], { encoding: 'utf8', timeout: 60_000 })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

const file = path.join(scratch, 'bad.yaml')
fs.writeFileSync(file, 'protocol: raft\ncluster: {heartbeatMs: 500}\nworkload: {rate: fast}\n')
const english = [`${file}: workload.rate: expected a positive number of ops per second, got "fast"`]
const korean = [`${file}: workload.rate: 숫자를 써야 합니다. 받은 값: "fast"`]

describe('validation errors in the CLI’s language', () => {
  it('lab validate: English by default, Korean with --locale ko', () => {
    const plain = lab('validate', file)
    expect([plain.code, plain.stderr.trim().split('\n')]).toEqual([2, english])
    const ko = lab('validate', '--locale', 'ko', file)
    expect([ko.code, ko.stderr.trim().split('\n')]).toEqual([2, korean])
  })

  it('lab run --locale ko: the same errors in Korean, and nothing started', () => {
    const runsDir = path.join(scratch, 'runs')
    const ko = lab('run', file, '--locale', 'ko', '--runs-dir', runsDir)
    expect([ko.code, ko.stderr.trim().split('\n')]).toEqual([2, korean])
    expect(fs.existsSync(runsDir)).toBe(false)
  })

  it('a descriptor’s rule in Korean (the election timing every Raft checks)', () => {
    const timing = path.join(scratch, 'timing.yaml')
    fs.writeFileSync(timing, 'protocol: raft\ncluster: {heartbeatMs: 500}\n')
    expect(lab('validate', timing, '--locale', 'ko').stderr.trim()).toBe(`${timing}: cluster.heartbeatMs: 하트비트는 선거 타임아웃(150 ms)보다 짧아야 합니다.`)
  })

  it('refuses a locale it does not have, naming the ones it has', () => {
    const result = lab('validate', '--locale', 'fr', file)
    expect(result.code).toBe(2)
    expect(result.stderr).toMatch(/--locale: expected en or ko, got "fr"/)
  })
})
