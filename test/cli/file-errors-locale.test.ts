/**
 * Korean everywhere, at the door: with `--locale ko` the CLI refuses a file in Korean (no such file,
 * a folder, not text), the YAML parser's own complaint is said in Korean (its code, not its English
 * text), and exercise and sweep files' errors speak Korean like experiments' do. English stays the
 * default, unchanged. Runs the built CLI (`npm run build:node`).
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { validateExperimentText } from '../../src-main/api/validate.js'
import { fieldErrorText } from '../../src-main/api/validation-text.js'
import { validateSweepText } from '../../src-main/api/sweep.js'
import { validateExerciseText } from '../../src-main/api/exercise/validate.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'

const root = repositoryRoot()
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-file-locale-'))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

function lab(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, 'out/node/lab.js'), ...args], { encoding: 'utf8', timeout: 60_000 })
  return { code: result.status, stderr: result.stderr.trim() }
}

function write(name: string, text: string | Buffer): string {
  const file = path.join(scratch, name)
  fs.writeFileSync(file, text)
  return file
}

const hangul = /[\uac00-\ud7a3]/
/** What follows "file: " in a line, which must be Korean: no English word of the parser's or ours. */
function koreanAfter(file: string, line: string): string {
  expect(line.startsWith(`${file}: `), line).toBe(true)
  const said = line.slice(file.length + 2)
  expect(said).toMatch(hangul)
  expect(said, said).not.toMatch(/\b(expected|cannot|not|is|Missing|flow|map|items|Implicit|keys|indentation|such|file|directory)\b/)
  return said
}

const unclosed = 'name: demo\ncluster: {nodes: 3\nworkload:\n  duration: 2s\n'

describe('the YAML parser’s complaint in Korean', () => {
  it.each([
    ['an experiment', () => validateExperimentText(unclosed)],
    ['an exercise', () => validateExerciseText(unclosed)],
    ['a sweep', () => validateSweepText(unclosed)],
  ])('%s: line 2, said in Korean from the parser’s code', (_kind, validate) => {
    const result = validate()
    expect(result.ok).toBe(false)
    if (result.ok) return
    const [error] = result.errors
    expect(error!.message).toMatch(/^not valid YAML or JSON: line 2: /)
    const korean = fieldErrorText(error!, 'ko')
    expect(korean).toMatch(/^YAML이나 JSON으로 읽을 수 없습니다: 2번째 줄: /)
    expect(korean.replace(/^YAML이나 JSON/, '')).not.toMatch(/[A-Za-z]{4,}/)
  })
})

describe('file refusals in Korean', () => {
  const missing = path.join(scratch, 'missing.yaml')
  const binary = write('binary.yaml', Buffer.from([0x00, 0xff, 0x10, 0x00]))

  it('lab validate --locale ko: no such file, a folder, not text', () => {
    expect(koreanAfter(missing, lab('validate', '--locale', 'ko', missing).stderr)).toContain('그런 파일이 없습니다')
    expect(koreanAfter(scratch, lab('validate', '--locale', 'ko', scratch).stderr)).toContain('폴더입니다')
    expect(koreanAfter(binary, lab('validate', '--locale', 'ko', binary).stderr)).toContain('텍스트 파일이 아닙니다')
    // English stays as it was.
    expect(lab('validate', missing).stderr).toBe(`${missing}: cannot read the experiment file (no such file)`)
  })

  it('lab validate --locale ko: a YAML syntax error', () => {
    const bad = write('unclosed.yaml', unclosed)
    const result = lab('validate', '--locale', 'ko', bad)
    expect(result.code).toBe(2)
    expect(koreanAfter(bad, result.stderr)).toMatch(/2번째 줄/)
  })

  it('lab exercise run --locale ko: a missing exercise file and a broken one', () => {
    const exerciseMissing = path.join(scratch, 'missing.exercise.yaml')
    expect(koreanAfter(exerciseMissing, lab('exercise', 'run', exerciseMissing, '--locale', 'ko').stderr.replace(/^lab exercise: /, ''))).toContain('그런 파일이 없습니다')
    const broken = write('broken.exercise.yaml', '- a\n- b\n')
    expect(koreanAfter(broken, lab('exercise', 'run', broken, '--locale', 'ko').stderr.replace(/^lab exercise: /, ''))).toContain('id, title, runs, questions')
  })

  it('lab sweep --locale ko: a missing file, a YAML error, an unknown field', () => {
    const sweepMissing = path.join(scratch, 'missing.sweep.yaml')
    expect(koreanAfter(sweepMissing, lab('sweep', sweepMissing, '--locale', 'ko').stderr)).toContain('그런 파일이 없습니다')
    const bad = write('bad.sweep.yaml', unclosed)
    expect(koreanAfter(bad, lab('sweep', bad, '--locale', 'ko').stderr)).toMatch(/2번째 줄/)
    const unknown = write('unknown.sweep.yaml', 'name: x\nexperiment: {}\naxes: {protocol: [raft]}\ncolour: blue\n')
    const said = lab('sweep', unknown, '--locale', 'ko').stderr
    expect(said).toContain('알 수 없는 필드: colour')
  })
})
