/**
 * A sweep's exports in Korean: the HTML, Markdown and CSV the app saves from its Korean page and
 * `lab sweep report --locale ko` writes say every word in Korean (the CSV's header too), and the
 * HTML carries the Korean font; English stays the default, unchanged.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { planSweep, validateSweepText } from '../../src-main/api/sweep.js'
import { summarizeSweep, sweepCsv, sweepCsvHeader, type SweepRunResult, type SweepSummary } from '../../src-main/api/report/sweep-results.js'
import { sweepExportText } from '../../src-main/api/report/sweep-report.js'
import { plannedCells, summaryFileName } from '../../src-main/lab/sweep/session.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { scratchDir } from './support.js'

function summary(): SweepSummary {
  const validated = validateSweepText('name: pair\nexperiment: {}\naxes: {protocol: [raft, pbft], delayMs: [0, 20]}\n')
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors))
  const plan = planSweep(validated.sweep, { protocol: 'raft', seed: 7, cluster: { nodes: 4 }, workload: { duration: '2s', clients: 1 } })
  if (!plan.ok) throw new Error(JSON.stringify(plan.errors))
  const results = plan.cells.map((cell, index): SweepRunResult => ({
    cellId: cell.id, repetition: 1, seed: 7, runId: `${cell.id}-1`, runDir: `runs/${cell.id}-1`, completed: true, verdict: 'PASS',
    p50Ms: 1 + index * 10, p99Ms: 2 + index * 20, throughput: 1000 / (1 + index * 10), opsOk: 100, opsFail: 0, lostWrites: 0, elapsedMs: 3000,
  }))
  return summarizeSweep({ name: 'pair', description: '', varied: plan.varied, repetitions: 1 }, plannedCells(plan.cells), results)
}

const hangul = /[\uac00-\ud7a3]/
const meta = { generatedAt: '2026-01-02T03:04:05.000Z', labVersion: '9.9.9' }
const scratch = scratchDir('sweep-ko')
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

describe('sweep exports in Korean', () => {
  it('the CSV header is Korean with the Korean locale and the same columns; English by default', () => {
    const english = sweepCsv(summary())
    expect(english.split('\n')[0]).toBe(sweepCsvHeader.join(','))
    const korean = sweepCsv(summary(), 'ko').split('\n')
    const header = korean[0]!.split(',')
    expect(header).toHaveLength(sweepCsvHeader.length)
    for (const name of header) expect(name, name).toMatch(hangul)
    // Only the header changes: the rows are the same numbers.
    expect(korean.slice(1)).toEqual(english.split('\n').slice(1))
  })

  it('the app’s exports (HTML, Markdown, CSV) follow the page’s language', async () => {
    const korean = summary()
    for (const format of ['html', 'md', 'csv'] as const) {
      const text = await sweepExportText(korean, format, meta, 'ko', async () => '')
      expect(text, format).toMatch(hangul)
      expect(text, format).not.toMatch(/Latency against|Throughput against|\bcell,protocol\b/)
    }
    const html = await sweepExportText(korean, 'html', meta, 'ko', async (draft) => (hangul.test(draft) ? '@font-face{font-family:\'Noto Sans KR\'}' : ''))
    expect(html).toContain('@font-face{font-family:\'Noto Sans KR\'}')
    expect(html).toContain('lang="ko"')
    expect(await sweepExportText(korean, 'md', meta, 'en', async () => '')).not.toMatch(hangul)
  })

  it('`lab sweep report --locale ko` writes Korean, with the font embedded in HTML; a bad locale is refused', () => {
    const dir = path.join(scratch, 'pair')
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, summaryFileName), JSON.stringify(summary()))
    const lab = path.join(repositoryRoot(), 'out/node/lab.js')
    const run = (...args: string[]) => spawnSync(process.execPath, [lab, 'sweep', 'report', dir, ...args], { encoding: 'utf8', timeout: 60_000 })
    const markdown = path.join(scratch, 'pair.md')
    const md = run('--locale', 'ko', '--out', markdown)
    expect(md.status, md.stderr).toBe(0)
    expect(fs.readFileSync(markdown, 'utf8')).toMatch(hangul)
    const htmlFile = path.join(scratch, 'pair.html')
    const html = run('--out', htmlFile, '--locale', 'ko')
    expect(html.status, html.stderr).toBe(0)
    const page = fs.readFileSync(htmlFile, 'utf8')
    expect(page).toContain('lang="ko"')
    expect(page).toMatch(/@font-face\{font-family:'Noto Sans KR'/)
    const csvFile = path.join(scratch, 'pair.csv')
    expect(run('--out', csvFile, '--locale', 'ko').status).toBe(0)
    expect(fs.readFileSync(csvFile, 'utf8').split('\n')[0]).toMatch(hangul)
    const bad = run('--locale', 'fr', '--out', markdown)
    expect(bad.status).toBe(2)
    expect(bad.stderr).toMatch(/--locale: expected en or ko/)
  })
})
