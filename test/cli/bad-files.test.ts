/**
 * Bad files and bad paths given to the headless lab (`node out/node/lab.js`): whatever the file
 * holds (an alias bomb, 50 MB of binary, a FIFO, nothing at all), every command answers with one
 * line that names the file and what was expected, exits 2, starts nothing, and never prints a stack
 * trace or echoes the file back.
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { experimentTextCharsMax } from '../../src-main/api/lab-api.js'

const root = repositoryRoot()
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-bad-files-'))
afterAll(() => {
  fs.chmodSync(scratch, 0o700)
  fs.rmSync(scratch, { recursive: true, force: true })
})
/** A bad file is answered at once; a command still running after this is hanging on it. */
const answerTimeoutMs = 60_000
/** An answer to a bad file is one line: never the file's contents. */
const answerBytesMax = 1000
const runningAsRoot = process.getuid?.() === 0

function lab(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, 'out/node/lab.js'), ...args], { encoding: 'utf8', timeout: answerTimeoutMs, cwd: scratch })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, timedOut: result.error !== undefined }
}

function file(name: string, contents: string | Buffer): string {
  const target = path.join(scratch, name)
  fs.writeFileSync(target, contents)
  return target
}

/** Exit 2 and one short line on stderr that says `expected`, and no stack trace. */
function expectOneLineRefusal(result: ReturnType<typeof lab>, expected: RegExp): void {
  expect(result.timedOut, 'the command hung').toBe(false)
  expect(result.stderr.length, result.stderr.slice(0, 2000)).toBeLessThanOrEqual(answerBytesMax)
  expect(result.stderr).toMatch(expected)
  expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1)
  expect(result.stderr).not.toMatch(/^\s+at /m)
  expect(result.code, result.stderr).toBe(2)
}

/** Billion laughs: nine levels of nine aliases each, 9^9 strings once expanded. */
const aliasBomb = [
  'protocol: raft',
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((name, index) => {
    const previous = 'abcdefghi'[index]
    return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`
  }),
  '',
].join('\n')

const bomb = file('bomb.yaml', aliasBomb)
const binary = file('fifty-megabytes.bin', randomBytes(50 * 1024 * 1024))
const nulText = file('nul.yaml', 'protocol: raft\n\0\0\0\n')
const missing = path.join(scratch, 'missing.yaml')
const directory = fs.mkdirSync(path.join(scratch, 'a-directory'), { recursive: true })!
const fifo = path.join(scratch, 'a-fifo')
spawnSync('mkfifo', [fifo])
const gzipGarbage = file('garbage.ndjson.gz', Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), randomBytes(4096)]))
const gzipOfText = file('text.ndjson.gz', gzipSync('this is not a run\n'))
const notAFile = file('plain-file', 'not a directory\n')

describe('an experiment file the lab cannot use', () => {
  for (const command of ['run', 'validate']) {
    it(`${command}: a YAML alias bomb is refused in one line, without expanding it`, () => {
      expectOneLineRefusal(lab(command, bomb, '--runs-dir', path.join(scratch, 'runs')), /bomb\.yaml: .*aliases/)
      expect(fs.existsSync(path.join(scratch, 'runs'))).toBe(false)
    })

    it(`${command}: 50 MB of binary is refused in one line that names the file and what was expected`, () => {
      expectOneLineRefusal(lab(command, binary), /fifty-megabytes\.bin: .*expected an experiment file \(YAML or JSON\)/)
    })

    it(`${command}: a text file with NUL bytes is not an experiment`, () => {
      expectOneLineRefusal(lab(command, nulText), /nul\.yaml: not a text file: expected an experiment file \(YAML or JSON\)/)
    })

    it(`${command}: a FIFO is refused instead of waiting for a writer`, () => {
      expectOneLineRefusal(lab(command, fifo), /a-fifo: not a regular file: expected an experiment file \(YAML or JSON\)/)
    })

    it(`${command}: a directory or a missing file`, () => {
      expectOneLineRefusal(lab(command, directory), /a-directory: .*directory/)
      expectOneLineRefusal(lab(command, missing), /missing\.yaml: cannot read the experiment file \(no such file\)/)
    })

    it.skipIf(runningAsRoot)(`${command}: a file without read permission (skipped as root: root reads anything)`, () => {
      const unreadable = file(`unreadable-${command}.yaml`, 'protocol: raft\n')
      fs.chmodSync(unreadable, 0o000)
      expectOneLineRefusal(lab(command, unreadable), /unreadable-.*\.yaml: cannot read the experiment file \(EACCES\)/)
    })
  }

  it('a text just over the API limit is refused with the limit; one at the limit is accepted', () => {
    const head = 'protocol: raft\ndescription: "'
    const tail = '"\n'
    const atLimit = file('at-limit.yaml', head + '가'.repeat(experimentTextCharsMax - head.length - tail.length) + tail)
    const overLimit = file('over-limit.yaml', head + '가'.repeat(experimentTextCharsMax - head.length - tail.length + 1) + tail)
    const accepted = lab('validate', atLimit)
    expect(accepted.stderr).toBe('')
    expect(accepted.stdout).toMatch(/at-limit\.yaml: ok \(raft, 3 nodes\)/)
    expect(accepted.code).toBe(0)
    expectOneLineRefusal(lab('validate', overLimit), /over-limit\.yaml: \(top level\): expected an experiment of at most 1,000,000 characters, got 1,000,001/)
  })

  it('a YAML error is reported without echoing the offending megabyte', () => {
    const longToken = file('long-token.yaml', `protocol: raft\nworkload: ${'{'.repeat(10)}${'x'.repeat(900_000)} y: [\n`)
    expectOneLineRefusal(lab('validate', longToken), /long-token\.yaml: \(top level\): not valid YAML or JSON: /)
  })
})

describe('--runs-dir that cannot hold a run', () => {
  const experiment = file('short.yaml', 'protocol: raft\nworkload: {duration: 1s}\n')

  it('pointing at a file', () => {
    expectOneLineRefusal(lab('run', experiment, '--runs-dir', notAFile), /--runs-dir .*plain-file: not a directory/)
  })

  it('below a file', () => {
    expectOneLineRefusal(lab('run', experiment, '--runs-dir', path.join(notAFile, 'runs')), /--runs-dir .*plain-file\/runs: cannot create a run directory there \(ENOTDIR\)/)
  })

  it('a directory without write permission', () => {
    // Root writes anywhere chmod forbids; sysfs refuses even root.
    const readOnly = runningAsRoot ? '/sys' : fs.mkdirSync(path.join(scratch, 'read-only'), { recursive: true })!
    if (!runningAsRoot) fs.chmodSync(readOnly, 0o555)
    expectOneLineRefusal(lab('run', experiment, '--runs-dir', readOnly), /--runs-dir .*: cannot create a run directory there \((EACCES|EPERM)\)/)
  })
})

describe('a run file, history or run directory the lab cannot use', () => {
  const cases: [string, string[], RegExp][] = [
    ['check: a missing history', ['check', missing], /missing\.yaml/],
    ['check: 50 MB of binary', ['check', binary], /fifty-megabytes\.bin/],
    ['check: a directory with no history', ['check', directory], /a-directory/],
    ['check: a FIFO', ['check', fifo], /a-fifo: not a regular file or directory/],
    ['report: a missing run', ['report', missing, '--format', 'json', '--out', path.join(scratch, 'r.json')], /missing\.yaml/],
    ['report: 50 MB of binary', ['report', binary, '--format', 'json', '--out', path.join(scratch, 'r.json')], /fifty-megabytes\.bin/],
    ['report: a gzip of garbage', ['report', gzipGarbage, '--format', 'json', '--out', path.join(scratch, 'r.json')], /garbage\.ndjson\.gz/],
    ['report: a gzip of text', ['report', gzipOfText, '--format', 'json', '--out', path.join(scratch, 'r.json')], /text\.ndjson\.gz/],
    ['report: a FIFO', ['report', fifo, '--format', 'json', '--out', path.join(scratch, 'r.json')], /a-fifo: not a regular file or directory/],
    ['report: a directory that is not a run', ['report', directory, '--format', 'json', '--out', path.join(scratch, 'r.json')], /a-directory/],
    ['export: a missing run', ['export', missing, '--out', path.join(scratch, 'e.json')], /missing\.yaml/],
    ['export: a file', ['export', binary, '--out', path.join(scratch, 'e.json')], /fifty-megabytes\.bin/],
    ['export: a directory that is not a run', ['export', directory, '--out', path.join(scratch, 'e.json')], /a-directory/],
  ]
  for (const [what, args, expected] of cases) {
    it(what, () => expectOneLineRefusal(lab(...args), expected))
  }

  it('simulate: a seed that is not a number is refused first thing, exit 2', () => {
    const result = lab('simulate', 'raft', '--seed', 'garbage')
    expect(result.stderr.split('\n')[0]).toMatch(/--seed must be a whole number, got "garbage"/)
    expect(result.stderr).not.toMatch(/^\s+at /m)
    expect(result.code).toBe(2)
  })
})
