/**
 * The CLI's usage text in Korean: `lab help --locale ko`, `lab exercise help --locale ko` and
 * `lab report --help --locale ko` say every line in Korean while naming the same commands and options
 * as the English text (a command added to one and not the other fails here). English stays the default.
 * `lab run|check|export|simulate|sweep --help --locale ko` (and `simulate --from-run`) too: every line
 * that is not an option's own says something in Korean, naming the options of the English text.
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { repositoryRoot } from '../../src-main/lab/paths.js'

const hangul = /[\uac00-\ud7a3]/
const lab = (...args: string[]) => spawnSync(process.execPath, [path.join(repositoryRoot(), 'out/node/lab.js'), ...args], { encoding: 'utf8', timeout: 30_000 })

/** What a usage text names: its commands (a line that starts with one) and its options (--words). */
function named(text: string): { commands: string[]; options: string[] } {
  const lines = text.split('\n').slice(1)
  const commands = lines.filter((line) => /^ {2}[a-z]/.test(line)).map((line) => line.trim().split(/\s+/)[0]!)
  const options = [...new Set(text.match(/--[a-z][a-z-]*/g) ?? [])].sort()
  return { commands, options }
}

describe('usage text in Korean', () => {
  it.each([
    ['lab help', ['help'], ['help', '--locale', 'ko']],
    ['lab exercise help', ['exercise', 'help'], ['exercise', 'help', '--locale', 'ko']],
    ['lab report --help', ['report', '--help'], ['report', '--help', '--locale', 'ko']],
  ])('%s --locale ko: every line Korean, the same commands and options as English', (_what, english, korean) => {
    const en = lab(...english)
    const ko = lab(...korean)
    expect(en.status).toBe(0)
    expect(ko.status).toBe(0)
    expect(en.stdout).not.toMatch(hangul)
    // Each block (a command line and its description) says something in Korean.
    const description = ko.stdout.split('\n').filter((line) => line.trim() !== '' && !/^\s*(\S+ )?[<[-]|^ {2}[a-z]/.test(line))
    for (const line of description) expect(line, line).toMatch(hangul)
    expect(ko.stdout.split('\n')[0]).toMatch(/^사용법:/)
    expect(named(ko.stdout)).toEqual(named(en.stdout))
  })

  it.each([
    ['run', ['run', '--help']],
    ['check', ['check', '--help']],
    ['export', ['export', '--help']],
    ['simulate', ['simulate', '--help']],
    ['simulate --from-run', ['simulate', '--from-run', '--help']],
    ['sweep', ['sweep', '--help']],
  ])('lab %s --help --locale ko: Korean, the same options as English', (_what, english) => {
    const en = lab(...english)
    const ko = lab(...english, '--locale', 'ko')
    expect(ko.status, ko.stderr).toBe(0)
    // `simulate --from-run --help` without a run says its English usage on stderr.
    const enText = en.stdout || en.stderr
    expect(enText).toMatch(/^(lab simulate: .*\n)?usage:/)
    expect(enText).not.toMatch(hangul)
    const lines = ko.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^사용법:/)
    // A line is an option's name and words, a usage line of its own, or words: all with Hangul but usage lines.
    for (const line of lines.slice(1).filter((text) => !/^\s+(npm run lab|--seeds A\.\.B)/.test(text))) expect(line, line).toMatch(hangul)
    expect(named(ko.stdout).options).toEqual(named(enText).options)
  })
})
