/**
 * Reports speak each protocol's words (its descriptor's vocabulary): a PBFT run has views and a
 * primary, never terms and a leader, in the HTML, Markdown and chart text, in English and Korean.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src-main/api/run-file.js'
import { buildReport } from '../../src-main/api/report/index.js'
import { commitIndexChartOption, throughputChartOption } from '../../src-main/api/report/charts.js'
import { loadRunDirectory } from '../../src-main/lab/report/run-directory.js'
import { fixtureRuns } from './support.js'

const meta = { generatedAt: '2026-01-02T03:04:05.000Z', labVersion: '9.9.9' }
/** Phrases a report uses for Raft's leadership; none of them may appear for a PBFT run. */
const raftPhrases = [/without a leader/i, /leader changes?/i, /highest term/i, /no leader/i, /grey: no leader/i]

let raft: RunRecord
let pbft: RunRecord
beforeAll(async () => {
  raft = await loadRunDirectory(fixtureRuns.passing)
  // The same recorded run, read as PBFT's: only the words may change, not the numbers. Its Raft
  // invariant rows go (a PBFT run has its own, worded by the checker, not by the report).
  const verdict = raft.summary.verdict && { ...raft.summary.verdict, invariants: [] }
  pbft = { ...raft, summary: { ...raft.summary, protocol: 'pbft', verdict } }
})

function legendNames(option: ReturnType<typeof throughputChartOption>): string[] {
  const legend = option.legend as { data: (string | { name: string })[] }
  return legend.data.map((item) => (typeof item === 'string' ? item : item.name))
}

describe('report words follow the protocol', () => {
  it('a PBFT run report (HTML) says view and primary, never term and leader', () => {
    const html = buildReport({ records: [pbft], format: 'html', meta })
    for (const phrase of raftPhrases) expect(html).not.toMatch(phrase)
    expect(html).toContain('without a primary')
    expect(html).toMatch(/primary changes/)
    expect(html).toMatch(/highest view \d+/)
  })

  it('a PBFT run report (Markdown) says view and primary', () => {
    const markdown = buildReport({ records: [pbft], format: 'md', meta })
    for (const phrase of raftPhrases) expect(markdown).not.toMatch(phrase)
    expect(markdown).toContain('time without a primary')
    expect(markdown).toMatch(/highest view \d+/)
  })

  it('a Raft run report still says term and leader', () => {
    const html = buildReport({ records: [raft], format: 'html', meta })
    expect(html).toContain('without a leader')
    expect(html).toMatch(/highest term \d+/)
  })

  it('a comparison of Raft and PBFT names both', () => {
    for (const format of ['html', 'md'] as const) {
      const text = buildReport({ records: [raft, pbft], format, meta })
      expect(text).toMatch(/without a leader \/ primary/i)
      expect(text).not.toMatch(/without a leader around/i)
    }
  })

  it('chart legends say "no primary" for PBFT, in English and in Korean', () => {
    expect(legendNames(throughputChartOption(pbft))).toContain('no primary')
    expect(legendNames(throughputChartOption(pbft, 'ko'))).toContain('프라이머리 없음')
    expect(legendNames(commitIndexChartOption(pbft, 'ko'))).not.toContain('리더 없음')
    expect(legendNames(throughputChartOption(raft, 'ko'))).toContain('리더 없음')
  })
})

describe('the CLI speaks the protocol words too', () => {
  it("a PBFT run's end-of-run summary and progress line say view and primary", async () => {
    const { formatSummary, ProgressLine } = await import('../../src-main/cli/format.js')
    const text = formatSummary(pbft.summary)
    expect(text).toMatch(/primary changes, highest view \d+, \d+ ms without a primary/)
    // ("crash leader" stays: it is the schedule's own keyword, as the experiment file wrote it.)
    expect(text.split('\n').filter((line) => !line.includes('crash leader')).join('\n')).not.toMatch(/\b(leader|term)\b/)
    let written = ''
    const stream = { isTTY: false, write: (chunk: string) => ((written += chunk), true) } as unknown as NodeJS.WriteStream
    const progress = new ProgressLine(stream, 10_000, 'pbft')
    progress.update({ t: 1500, leader: null, nodes: [], ops: { ok: 1, fail: 0, info: 0 } } as never)
    expect(written).toContain('no primary')
    expect(formatSummary(raft.summary)).toMatch(/leader changes, highest term/)
  })
})
