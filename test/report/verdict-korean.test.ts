/**
 * The verdict of a failing run in a Korean run report: each invariant's detail and the
 * linearizability witness are Korean (HTML, Markdown, and the PDF printed from the HTML), with the
 * run's numbers, keys and values as they were; so does a Korean hand-in's evidence. A run recorded before the checker's coded messages
 * keeps its English detail and witness: nothing is dropped.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { RunSummary, Verdict } from '../../src-main/api/summary.js'
import { runReportCommand } from '../../src-main/lab/report/command.js'
import { runCheckCommand } from '../../src-main/lab/checker/check-command.js'
import { defaultChromiumPath } from '../../src-main/lab/report/pdf.js'
import { buildHandinReportHtml } from '../../src-main/api/exercise/report.js'
import { checkExercise } from '../../src-main/api/exercise/check.js'
import { buildHandinManifest } from '../../src-main/api/exercise/handin.js'
import { findExercise } from '../../src-main/lab/exercise/files.js'
import { loadRunDirectory } from '../../src-main/lab/report/run-directory.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { captureIo, copyRun, fixtureRuns, scratchDir } from './support.js'

const scratch = scratchDir('verdict-ko')
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

/**
 * The split-brain primary-backup run with the verdict today's checker gives it (`lab check`): the
 * stored summary predates the coded messages, as a run made now would not.
 */
async function failingRunOfToday(): Promise<string> {
  const dir = copyRun(fixtureRuns.failing, scratch, `split-${Math.random().toString(36).slice(2)}`)
  const io = captureIo()
  await runCheckCommand([dir, '--json'], io)
  const verdict = JSON.parse(io.out) as Verdict
  const file = path.join(dir, 'summary.json')
  const summary = JSON.parse(fs.readFileSync(file, 'utf8')) as RunSummary
  fs.writeFileSync(file, JSON.stringify({ ...summary, verdict }, null, 2))
  return dir
}

async function report(dir: string, name: string): Promise<string> {
  const file = path.join(scratch, name)
  const io = captureIo()
  expect(await runReportCommand([dir, '--locale', 'ko', '--out', file], io), io.err).toBe(0)
  return file
}

/** What the Korean verdict of the split-brain run says: two primaries, and the stale read of k0. */
const koreanVerdict = [
  '임기 0에 프라이머리가 둘이었습니다: Busan (3072.447 ms부터)와 Gwangju (3475.060 ms부터)',
  '인덱스 10에서 처음 갈라졌습니다',
  '키 "k0"는 선형화 가능하지 않습니다',
  '그러나 put(k0, "1.71....")가 그 읽기가 시작하기 전인 1326.319 ms에 완료되었고',
  '오래된 읽기 또는 잃어버린 쓰기',
  '다음에 놓을 수 없는 연산',
]

describe('the verdict of a failing run in a Korean run report', () => {
  it('says each invariant detail and the witness in Korean, in HTML and Markdown', async () => {
    const dir = await failingRunOfToday()
    const html = fs.readFileSync(await report(dir, 'split.html'), 'utf8')
    const markdown = fs.readFileSync(await report(dir, 'split.md'), 'utf8')
    for (const sentence of koreanVerdict) {
      expect(html).toContain(sentence.replaceAll('"', '&quot;'))
      expect(markdown).toContain(sentence)
    }
    expect(html).not.toContain('is not linearizable')
    expect(markdown).not.toContain('had two primaries')
  })

  it('keeps the English detail and witness of a run recorded before the coded messages', async () => {
    const markdown = fs.readFileSync(await report(fixtureRuns.failing, 'old.md'), 'utf8')
    expect(markdown).toContain('term 0 had two primaries: Busan (from 3072.447 ms) and Gwangju (from 3475.060 ms)')
    expect(markdown).toContain('Key "k0" is not linearizable (384 operations on it).')
  })

  const chromium = fs.existsSync(defaultChromiumPath)
  const pdftotext = spawnSync('pdftotext', ['-v']).error === undefined
  it.skipIf(!chromium || !pdftotext)('prints the Korean detail and witness into the PDF (pdftotext)', async () => {
    const dir = await failingRunOfToday()
    const text = spawnSync('pdftotext', ['-layout', await report(dir, 'split.pdf'), '-'], { encoding: 'utf8' }).stdout
    // pdftotext lays the table's cells out in columns: look for pieces that stay on one line.
    for (const piece of ['프라이머리가 둘이었습니다', '선형화 가능하지 않습니다', '오래된 읽기 또는 잃어버린 쓰기', '관련된 연산:']) expect(text).toContain(piece)
  }, 90_000)

  it('says them in Korean in a Korean hand-in\'s evidence too', async () => {
    const record = await loadRunDirectory(await failingRunOfToday())
    const found = findExercise('6', path.join(repositoryRoot(), 'exercises'))
    if (!found.ok) throw new Error(found.message)
    const exercise = found.loaded.exercise
    const runs = Object.fromEntries(exercise.runs.map((run) => [run.id, record]))
    const check = checkExercise(exercise, runs, {}, {})
    const content = { student: '김학생', locale: 'ko' as const, labVersion: 'test', createdAt: '2026-12-06T09:00:00.000Z', exercise, exerciseText: found.loaded.text, predictions: {}, answers: {}, runs, check }
    const { manifest } = await buildHandinManifest(content)
    const html = buildHandinReportHtml({ manifest, exercise, runs, check, fontCss: '' })
    for (const sentence of koreanVerdict) expect(html).toContain(sentence.replaceAll('"', '&quot;'))
    expect(html).not.toContain('is not linearizable')
  })
})
