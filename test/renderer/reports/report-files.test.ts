// @vitest-environment node
/**
 * The files the app hands out: reports in every format from the shared builders (PDF printed by
 * the host from the same HTML), and run files the CLI and the app read back.
 */
import { describe, expect, it, vi } from 'vitest'
import { reportHtmlCharsMax } from '../../../src-main/api/lab-api'
import { decodeRunFile } from '../../../src-main/api/run-file'
import { buildReport } from '../../../src-main/api/report/index'
import { base64ToBytes, buildReportFile, buildRunFile, fileSlug, reportFileName } from '../../../src-renderer/src/reports/report-files'
import { fixtureRecords } from '../support/runs'

const meta = { generatedAt: '2026-01-01T00:00:00.000Z', labVersion: 'test' }
/** ECharts numbers its SVG classes per chart instance (zr0-cls-1, zr4-c0): not part of the content. */
const sameContent = (html: string) => html.replace(/zr\d+-[\w-]+/g, 'zr-id')

describe('report and run files from the app', () => {
  it('builds each text format with the shared builders, named after the runs', async () => {
    const { raft, primaryBackup } = await fixtureRecords()
    const api = { renderPdf: vi.fn() }
    for (const format of ['html', 'md', 'csv', 'json'] as const) {
      const file = await buildReportFile({ records: [raft], format, meta, api })
      expect(sameContent(await file.blob.text())).toBe(sameContent(buildReport({ records: [raft], format, meta })))
      expect(file.fileName).toBe(`fixture-raft-3-crash-report.${format}`)
    }
    const comparison = await buildReportFile({ records: [raft, primaryBackup], format: 'html', baselineIndex: 1, meta, api })
    expect(comparison.fileName).toBe('comparison-fixture-raft-3-crash-vs-fixture-primary-backup-split.html')
    expect(sameContent(await comparison.blob.text())).toBe(sameContent(buildReport({ records: [raft, primaryBackup], format: 'html', baselineIndex: 1, meta })))
    expect(await comparison.blob.text()).toMatch(/^<!doctype html>[\s\S]*<svg\b[\s\S]*fixture-primary-backup-split/)
    expect(api.renderPdf).not.toHaveBeenCalled()
  })

  it('writes a run report in the page’s language: Korean with the app’s font, printed as it is', async () => {
    const { raft } = await fixtureRecords()
    const printed: string[] = []
    const api = { renderPdf: vi.fn(async (html: string) => (printed.push(html), Buffer.from('%PDF-1.7').toString('base64'))) }
    const fontCssFor = vi.fn(async (draft: string) => (/[\uac00-\ud7a3]/.test(draft) ? "@font-face{font-family:'Noto Sans KR'}" : ''))
    const html = await (await buildReportFile({ records: [raft], format: 'html', meta, api, locale: 'ko', fontCssFor })).blob.text()
    expect(html).toContain('<h2>판정</h2>')
    expect(html).toContain("@font-face{font-family:'Noto Sans KR'}")
    const markdown = await (await buildReportFile({ records: [raft], format: 'md', meta, api, locale: 'ko', fontCssFor })).blob.text()
    expect(markdown).toContain('## 판정')
    await buildReportFile({ records: [raft], format: 'pdf', meta, api, locale: 'ko', fontCssFor })
    expect(printed[0]).toContain('<h2>판정</h2>')
    expect(printed[0]).toContain("@font-face{font-family:'Noto Sans KR'}")
  })

  it('has the host print the HTML report to PDF and hands back its bytes', async () => {
    const { raft } = await fixtureRecords()
    const printed: string[] = []
    const api = {
      renderPdf: vi.fn(async (html: string) => {
        printed.push(html)
        return Buffer.from('%PDF-1.7 printed').toString('base64')
      }),
    }
    const file = await buildReportFile({ records: [raft], format: 'pdf', meta, api })
    expect(printed.map(sameContent)).toEqual([sameContent(buildReport({ records: [raft], format: 'html', meta }))])
    expect(file.blob.type).toBe('application/pdf')
    expect(Buffer.from(await file.blob.arrayBuffer()).toString()).toBe('%PDF-1.7 printed')
    expect(file.fileName).toBe('fixture-raft-3-crash-report.pdf')
  })

  it('says a report too large to print is too large, without asking the host', async () => {
    const { raft } = await fixtureRecords()
    raft.summary.name = 'x'.repeat(reportHtmlCharsMax + 1)
    const api = { renderPdf: vi.fn() }
    await expect(buildReportFile({ records: [raft], format: 'pdf', meta, api })).rejects.toThrow(/too large to print .*export it as HTML/)
    expect(api.renderPdf).not.toHaveBeenCalled()
  })

  it('writes run files in both encodings that read back as the same run', async () => {
    const { primaryBackup } = await fixtureRecords()
    for (const encoding of ['json', 'ndjson.gz'] as const) {
      const file = await buildRunFile(primaryBackup, encoding)
      expect(file.fileName).toBe(`${primaryBackup.summary.runId}.${encoding}`)
      expect(await decodeRunFile(new Uint8Array(await file.blob.arrayBuffer()))).toEqual(primaryBackup)
    }
  })

  it('makes file names from run names, Hangul included', () => {
    expect(fileSlug('raft 3 / crash: leader')).toBe('raft-3-crash-leader')
    expect(fileSlug('리더 장애 실험')).toBe('리더-장애-실험')
    expect(fileSlug('../..')).toBe('run')
    expect(reportFileName([], 'md')).toBe('comparison-run.md')
    expect(Array.from(base64ToBytes('JVBERg=='))).toEqual([0x25, 0x50, 0x44, 0x46])
  })
})
