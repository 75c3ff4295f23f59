/**
 * The comparison report of several runs in Korean: `lab report a b --locale ko` and the app's
 * Compare report on its Korean page say every heading, table header, caption and chart axis in
 * Korean (from the same word table as the run report), embed the Korean font, and print a PDF
 * whose text has them; English stays the default, unchanged. A Korean report (one run or several)
 * says the run's own latency-breakdown note in Korean from its values.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildReport, buildReportText } from '../../src-main/api/report/index.js'
import { loadRun } from '../../src-main/lab/report/run-directory.js'
import { runReportCommand } from '../../src-main/lab/report/command.js'
import { defaultChromiumPath } from '../../src-main/lab/report/pdf.js'
import { captureIo, fixtureRuns, scratchDir } from './support.js'

const hangul = /[\uac00-\ud7a3]/
const meta = { generatedAt: '2026-01-02T03:04:05.000Z', labVersion: '9.9.9' }
const scratch = scratchDir('compare-ko')
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

/** Headings (h1–h3, th, dt, figcaption strong) of an HTML page, as text. */
function headings(html: string): string[] {
  return [...html.matchAll(/<(h[1-3]|th|dt|figcaption)[^>]*>([\s\S]*?)<\/\1>/g)].map((match) => match[2]!.replace(/<[^>]+>/g, '').trim()).filter(Boolean)
}

/** Text an SVG chart draws (axis names, legends). */
function chartTexts(html: string): string[] {
  return [...html.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((match) => match[1]!.trim())
}

/** The comparison's own English words that must not remain on a Korean page. */
const englishWords = /\b(Runs|Latency|Throughput|Verdicts|Environment|Messages and bytes|Time without|run id|protocol|stale reads|operations|measured for|whole run|window|baseline|messages \/ op|bytes \/ op)\b/

describe('the comparison report in Korean', () => {
  it('says its headings, table headers and chart axes in Korean (HTML), embeds the font, and keeps English the default', async () => {
    const records = [await loadRun(fixtureRuns.passing), await loadRun(fixtureRuns.failing)]
    const html = await buildReportText({ records, format: 'html', meta, locale: 'ko' }, async (draft) => (hangul.test(draft) ? "@font-face{font-family:'Noto Sans KR'}" : ''))
    expect(html).toContain('lang="ko"')
    expect(html).toContain("@font-face{font-family:'Noto Sans KR'}")
    expect(html).toContain('Consensus Lab · 비교 보고서')
    const said = headings(html)
    expect(said).toEqual(expect.arrayContaining(['실행', '지연 시간', '처리량', '확인된 연산 하나당 메시지와 바이트', '판정', '환경', '낡은 읽기', '실행 ID']))
    expect(said).toContain('장애마다 리더 / 프라이머리가 없던 시간')
    for (const heading of said) expect(heading, heading).not.toMatch(englishWords)
    // Each run's verdict badge, and the invariants under it, in Korean.
    expect(html).toMatch(/<span class="badge pass">통과<\/span>/)
    expect(html).toMatch(/<span class="badge fail">실패<\/span>/)
    expect(html).toContain('<strong>선거 안전성</strong>')
    expect(html).toContain('<em>(기준)</em>')
    expect(html).toContain('시간에 따른 처리량.')
    // The charts' axes.
    const drawn = chartTexts(html)
    expect(drawn).toEqual(expect.arrayContaining(['실험 시간(초)', '연산/초', 'p99 지연 시간(ms)', '지연 시간(ms, 로그 눈금)']))
    const english = buildReport({ records, format: 'html', meta })
    expect(english).not.toMatch(hangul)
    expect(english).toContain('<h2>Runs</h2>')
    expect(english).toContain('Consensus Lab · comparison report')
  })

  it('says its Markdown in Korean', async () => {
    const records = [await loadRun(fixtureRuns.passing), await loadRun(fixtureRuns.failing)]
    const markdown = buildReport({ records, format: 'md', meta, locale: 'ko' })
    expect(markdown).toMatch(/^# 비교: fixture-raft-3-crash 대 fixture-primary-backup-split/)
    const headingLines = markdown.split('\n').filter((line) => /^#{2} /.test(line))
    expect(headingLines.length).toBeGreaterThan(5)
    for (const heading of headingLines) expect(heading, heading).toMatch(hangul)
    expect(markdown).toContain('| 실행 | 프로토콜 | 노드 | 장애 | 판정 | 실행 ID |')
    expect(markdown).toMatch(/선형화 가능: \*\*아니요\*\*/)
    expect(buildReport({ records, format: 'md', meta })).not.toMatch(hangul)
  })

  const chromium = fs.existsSync(defaultChromiumPath)
  const pdftotext = spawnSync('pdftotext', ['-v']).error === undefined
  it.skipIf(!chromium || !pdftotext)('`lab report a b --locale ko` writes a Korean HTML with the font, and a PDF whose text has the Korean headings (pdftotext)', async () => {
    const htmlFile = path.join(scratch, 'compare.html')
    const io = captureIo()
    expect(await runReportCommand([fixtureRuns.passing, fixtureRuns.failing, '--locale', 'ko', '--out', htmlFile], io), io.err).toBe(0)
    const page = fs.readFileSync(htmlFile, 'utf8')
    expect(page).toMatch(/@font-face\{font-family:'Noto Sans KR'/)
    expect(headings(page)).toContain('처리량')
    const pdfFile = path.join(scratch, 'compare.pdf')
    expect(await runReportCommand([fixtureRuns.passing, fixtureRuns.failing, '--locale', 'ko', '--out', pdfFile], captureIo())).toBe(0)
    const text = spawnSync('pdftotext', ['-layout', pdfFile, '-'], { encoding: 'utf8' }).stdout
    expect(text).toContain('비교 보고서')
    expect(text).toContain('처리량')
    expect(text).toContain('판정')
    expect(text).toContain('선거 안전성')
  }, 90_000)

  it('says a run’s own latency-breakdown note in Korean from its values, and as recorded in English', async () => {
    const record = await loadRun(fixtureRuns.passing)
    record.summary.latencyBreakdown = [{ phase: 'client-hop', p50Ms: 1, p99Ms: 2, meanMs: 1.5 }]
    record.summary.latencyBreakdownNote = '10 of 12 acknowledged operations split; 2 left out: no log index (a read served without the log)'
    record.summary.latencyBreakdownFacts = { code: 'split', split: 10, acknowledged: 12, stride: 1, missing: [['no log index (a read served without the log)', 2]], tentative: 0, leftOut: 0, pbft: false }
    const korean = '확인된 연산 12개 중 10개를 나눔; 2개 뺌: 로그 인덱스 없음(로그를 거치지 않고 답한 읽기)'
    expect(buildReport({ records: [record], format: 'html', meta, locale: 'ko' })).toContain(`<p class="note">${korean}</p>`)
    expect(buildReport({ records: [record], format: 'md', meta, locale: 'ko' })).toContain(`${korean}.`)
    expect(buildReport({ records: [record, record], format: 'html', meta, locale: 'ko' })).toContain(korean)
    expect(buildReport({ records: [record], format: 'html', meta })).toContain(`<p class="note">${record.summary.latencyBreakdownNote}</p>`)
  })
})
