/**
 * Reports built from real (fixture) runs: a self-contained HTML page with inline SVG charts, a
 * Markdown hand-in with its tables, a CSV that parses, the summary as JSON, and comparisons with
 * ratios to the baseline.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { RunRecord } from '../../src-main/api/run-file.js'
import { buildReport } from '../../src-main/api/report/index.js'
import {
  estimateWorkloadStartMs,
  experimentSeries,
  faultWindows,
  latencyDistribution,
  latencyPercentiles,
  leaderlessAroundFaults,
  leaderlessIntervals,
  verdictWord,
  workloadDifferences,
} from '../../src-main/api/report/analysis.js'
import { loadRunDirectory } from '../../src-main/lab/report/run-directory.js'
import { csvHeader } from '../../src-main/api/report/csv.js'
import fs from 'node:fs'
import path from 'node:path'
import { copyRun, fixtureRuns, parseCsv, scratchDir } from './support.js'

const meta = { generatedAt: '2026-01-02T03:04:05.000Z', labVersion: '9.9.9' }
let passing: RunRecord
let failing: RunRecord
beforeAll(async () => {
  passing = await loadRunDirectory(fixtureRuns.passing)
  failing = await loadRunDirectory(fixtureRuns.failing)
})

/** Every src/href/url() that points at the network; the SVG namespaces are names, not fetches. */
function externalReferences(html: string): string[] {
  const references = [...html.matchAll(/(?:src|href|xlink:href)\s*=\s*["']?(https?:[^"' >]+)/gi), ...html.matchAll(/url\(\s*["']?(https?:[^)"']+)/gi)].map((match) => match[1]!)
  return references
}

describe('the HTML run report', () => {
  let html: string
  beforeAll(() => {
    html = buildReport({ records: [failing], format: 'html', meta })
  })

  it('is one self-contained page: inline SVG charts, no scripts, no external references', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html.match(/<svg\b/g)?.length).toBeGreaterThanOrEqual(4)
    expect(html).not.toMatch(/<script\b/i)
    expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i)
    expect(externalReferences(html)).toEqual([])
    // The only http(s) strings left are the SVG namespace declarations.
    const urls = new Set(html.match(/https?:\/\/[^"'\s<>)]+/g) ?? [])
    expect([...urls].sort()).toEqual(['http://www.w3.org/1999/xlink', 'http://www.w3.org/2000/svg'])
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"`)
  })

  it('has the experiment and its YAML, the cluster, the schedule, the verdict with its witness, percentiles and the environment', () => {
    expect(html).toContain('fixture-primary-backup-split')
    expect(html).toContain('routing: home')
    expect(html).toContain('Busan, Seoul, Gwangju')
    expect(html).toContain('cut Busan &lt;-&gt; Gwangju')
    expect(html).toContain('network delay 10 ms, jitter 5 ms')
    expect(html).toMatch(/class="badge fail">FAIL</)
    expect(html).toContain('Linearizable: <strong>NO</strong>')
    expect(html).toContain('<pre class="witness">Key ')
    for (const column of ['p50 (ms)', 'p90 (ms)', 'p99 (ms)', 'p99.9 (ms)', 'max (ms)']) expect(html).toContain(`>${column}</th>`)
    expect(html).toContain('messages per acknowledged op')
    expect(html).toContain('Node.js')
    expect(html).toContain('9.9.9')
  })

  it('shades fault windows and leaderless time, and labels the faults', () => {
    const passingHtml = buildReport({ records: [passing], format: 'html', meta })
    expect(passingHtml).toContain('crash B')
    expect(passingHtml).toContain('crash leader → B')
    // Fault windows are shaded red, leaderless intervals grey, in the time charts.
    expect(passingHtml).toMatch(/fill="rgb\(224,49,49\)" fill-opacity="0\.12"|fill="rgba\(224,\s*49,\s*49,\s*0\.12\)"/)
    expect(passingHtml).toMatch(/fill="rgb\(73,80,87\)" fill-opacity="0\.16"|fill="rgba\(73,\s*80,\s*87,\s*0\.16\)"/)
  })

  it('escapes what the experiment author wrote', () => {
    const hostile = structuredClone(passing)
    hostile.summary.name = '<script>alert(1)</script>'
    hostile.experimentSource = 'name: "<img src=x onerror=alert(1)>"'
    const page = buildReport({ records: [hostile], format: 'html', meta })
    expect(page).not.toContain('<script>alert')
    expect(page).not.toContain('<img src=x')
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
  })
})

describe('a run that did not complete', () => {
  it('still reports, as INCOMPLETE with its reason, even without metrics.json', async () => {
    const scratch = scratchDir('incomplete')
    try {
      const dir = copyRun(fixtureRuns.passing, scratch)
      fs.rmSync(path.join(dir, 'metrics.json'))
      const summaryFile = path.join(dir, 'summary.json')
      const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'))
      fs.writeFileSync(summaryFile, JSON.stringify({ ...summary, completed: false, error: 'the workload exited (code 1) without reporting', verdict: undefined }))
      const record = await loadRunDirectory(dir)
      expect(latencyPercentiles(record).count).toBe(0)
      const html = buildReport({ records: [record], format: 'html', meta })
      expect(html).toContain('class="badge fail">INCOMPLETE<')
      expect(html).toContain('The run did not complete: the workload exited (code 1) without reporting')
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true })
    }
  })
})

describe('the comparison report', () => {
  it('has ratios to the baseline, a CDF overlay, verdicts, and flags different workloads', () => {
    const html = buildReport({ records: [passing, failing], format: 'html', meta })
    expect(html).toContain('comparison report')
    expect(html).toMatch(/<span class="ratio">×\d+\.\d+<\/span>/)
    expect(html).toContain('(baseline)')
    expect(html).toContain('Different workloads')
    expect(html).toMatch(/clients 4 vs 3/)
    expect(html).toMatch(/class="badge pass">PASS</)
    expect(html).toMatch(/class="badge fail">FAIL</)
    expect(html).toContain('Time without a leader / primary around each fault') // Raft beside primary-backup
    expect(html.match(/<svg\b/g)?.length).toBeGreaterThanOrEqual(3)
    expect(externalReferences(html)).toEqual([])
  })

  it('takes any run as the baseline, and its ratios are value / baseline', () => {
    const json = JSON.parse(buildReport({ records: [passing, failing], format: 'json', baselineIndex: 1, meta }))
    expect(json.baseline).toBe(failing.summary.runId)
    const [first, second] = json.runs
    expect(second.latencyRatio.p50).toBe(1)
    expect(first.latencyRatio.p99).toBeCloseTo(latencyPercentiles(passing).p99 / latencyPercentiles(failing).p99, 9)
    expect(first.workloadDifferences.length).toBeGreaterThan(0)
    expect(json.summaries).toHaveLength(2)
  })

  it('does not flag runs of the same workload', () => {
    expect(workloadDifferences(passing, structuredClone(passing))).toEqual([])
    const html = buildReport({ records: [passing, passing], format: 'html', meta })
    expect(html).not.toContain('Different workloads')
    expect(html).toContain('1. fixture-raft-3-crash')
  })
})

describe('Markdown, CSV and JSON', () => {
  it('Markdown has the verdict, the percentiles table and the witness in a fence', () => {
    const markdown = buildReport({ records: [failing], format: 'md', meta })
    expect(markdown).toMatch(/^# fixture-primary-backup-split — FAIL/)
    expect(markdown).toContain('| p50 | p90 | p99 | p99.9 | max | mean | operations |')
    expect(markdown).toContain('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
    expect(markdown).toMatch(/```text\nKey "/)
    expect(markdown).toContain('| **BROKEN** | election-safety |')
    expect(markdown).toContain('```yaml\n# Fixture for test/report')
  })

  it('a Markdown comparison has ratios', () => {
    const markdown = buildReport({ records: [passing, failing], format: 'md', meta })
    expect(markdown).toMatch(/^# Comparison: fixture-raft-3-crash vs fixture-primary-backup-split/)
    expect(markdown).toMatch(/\| fixture-primary-backup-split \| [\d.]+ \(×\d+\.\d+\) \|/)
  })

  it('CSV parses, one long table: summary, the latency distribution and the series', () => {
    const rows = parseCsv(buildReport({ records: [passing, failing], format: 'csv', meta }))
    expect(rows[0]).toEqual([...csvHeader])
    for (const row of rows) expect(row).toHaveLength(csvHeader.length)
    const tables = new Set(rows.slice(1).map((row) => row[2]))
    expect(tables).toEqual(new Set(['summary', 'latency_distribution', 'series']))
    const distribution = rows.filter((row) => row[0] === passing.summary.runId && row[2] === 'latency_distribution').map((row) => [Number(row[4]), Number(row[5])])
    expect(distribution[distribution.length - 1]![0]).toBe(100)
    for (let index = 1; index < distribution.length; index += 1) {
      expect(distribution[index]![0]).toBeGreaterThan(distribution[index - 1]![0])
      expect(distribution[index]![1]).toBeGreaterThanOrEqual(distribution[index - 1]![1])
    }
    const p99 = rows.find((row) => row[0] === passing.summary.runId && row[2] === 'summary' && row[3] === 'p99_ms')!
    expect(Number(p99[5])).toBe(latencyPercentiles(passing).p99)
    expect(rows.some((row) => row[2] === 'series' && row[3] === 'commit_index.A')).toBe(true)
  })

  it('JSON of one run is its summary', () => {
    expect(JSON.parse(buildReport({ records: [passing], format: 'json', meta }))).toEqual(passing.summary)
  })
})

describe('what the reports compute', () => {
  it('latency percentiles come from the histogram and agree with the run summary', () => {
    const latency = latencyPercentiles(passing)
    expect(latency.p50).toBeCloseTo(passing.summary.latencyMs.p50, 2)
    expect(latency.p99).toBeCloseTo(passing.summary.latencyMs.p99, 2)
    expect(latency.count).toBe(passing.summary.ops.ok)
    const cdf = latencyDistribution(passing)
    expect(cdf[0]!.percentile).toBe(0)
    expect(cdf[cdf.length - 1]).toEqual({ percentile: 100, latencyMs: latency.max })
  })

  it('an invariant the run could not decide makes the verdict UNDECIDED, a broken one FAIL, and the reports say which', () => {
    const held = { name: 'acknowledged-writes-kept', ok: true, detail: 'kept' }
    const undecided = { name: 'acknowledged-writes-kept', ok: false, unknown: true as const, detail: 'unknown: 1 key could not be read back: x (timeout)' }
    const broken = { name: 'acknowledged-writes-kept', ok: false, detail: '1 of 1 acknowledged write lost' }
    const withInvariant = (invariant: typeof held) => ({ ...passing.summary, verdict: { linearizable: true as const, invariants: [invariant] } })
    expect(verdictWord(withInvariant(held))).toBe('PASS')
    expect(verdictWord(withInvariant(undecided))).toBe('UNDECIDED')
    expect(verdictWord(withInvariant(broken))).toBe('FAIL')
    const markdown = buildReport({ records: [{ ...passing, summary: withInvariant(undecided) }], format: 'md', meta })
    expect(markdown).toContain('| **unknown** | acknowledged-writes-kept |')
    expect(markdown).not.toContain('BROKEN')
  })

  it('a crash and the restart of the same node make one fault window', () => {
    const windows = faultWindows(passing.summary, 5000)
    expect(windows).toHaveLength(2)
    expect(windows[0]).toMatchObject({ label: 'crash B', targets: ['B'] })
    expect(windows[0]!.toMs).toBeCloseTo(passing.summary.faults[1]!.atMs, 6)
    expect(windows[1]!.toMs).toBeUndefined()
  })

  it('a cut lasts until the heal; a network change is a moment', () => {
    const windows = faultWindows(failing.summary, 9000)
    expect(windows.map((window) => [window.label.split(' ')[0], window.toMs === undefined])).toEqual([
      ['network', true],
      ['cut', false],
      ['heal', true],
    ])
    expect(windows[1]!.toMs).toBeCloseTo(failing.summary.faults[2]!.atMs, 6)
  })

  it('leaderless intervals follow the series, and the crash costs leaderless time after it', () => {
    const intervals = leaderlessIntervals(passing)
    expect(intervals.length).toBeGreaterThan(0)
    const series = experimentSeries(passing)
    for (const interval of intervals) expect(series.some((point) => point.leader === null && point.t > interval.fromMs && point.t <= interval.toMs)).toBe(true)
    const [crash] = leaderlessAroundFaults(passing)
    expect(crash!.leaderlessMs).toBeGreaterThan(0)
  })

  it('experiment time 0 is the tightest of the bounds the faults and the first operation give', () => {
    const faults = [{ atMs: 1000, action: 'crash leader', targets: ['A'] }]
    const faultEvents = [{ t: 6003, node: 'lab', kind: 'fault' as const, fault: 'crash leader' }]
    expect(estimateWorkloadStartMs({ faults, faultEvents, firstInvokeNs: 5_010_000_000 })).toBe(5003)
    expect(estimateWorkloadStartMs({ faults, faultEvents, firstInvokeNs: 4_990_000_000 })).toBe(4990)
    expect(estimateWorkloadStartMs({ faults: [], faultEvents: [] })).toBeUndefined()
  })
})

describe('the latency breakdown in reports', () => {
  const raftBreakdown = [
    { phase: 'client-hop', p50Ms: 1.1, p99Ms: 9, meanMs: 1.5 },
    { phase: 'leader-persist', p50Ms: 2.2, p99Ms: 8, meanMs: 2.5 },
    { phase: 'replicate-ack', p50Ms: 1, p99Ms: 4, meanMs: 1.2 },
    { phase: 'commit-to-apply', p50Ms: 0.3, p99Ms: 2, meanMs: 0.4 },
    { phase: 'reply', p50Ms: 0.9, p99Ms: 5, meanMs: 1 },
  ] as const
  const pbftBreakdown = [
    { phase: 'request', p50Ms: 3, p99Ms: 20, meanMs: 4 },
    { phase: 'pre-prepare', p50Ms: 2, p99Ms: 9, meanMs: 2.4 },
    { phase: 'prepare-quorum', p50Ms: 5.5, p99Ms: 30, meanMs: 6 },
    { phase: 'commit-quorum', p50Ms: 6, p99Ms: 31, meanMs: 7 },
    { phase: 'execute', p50Ms: 0.01, p99Ms: 0.1, meanMs: 0.02 },
    { phase: 'replies', p50Ms: 4, p99Ms: 25, meanMs: 5 },
  ] as const
  const withBreakdown = (record: RunRecord, phases: readonly { phase: string; p50Ms: number; p99Ms: number; meanMs: number }[], note: string): RunRecord =>
    ({ ...record, summary: { ...record.summary, latencyBreakdown: phases, latencyBreakdownNote: note } }) as RunRecord

  it('a run report draws the phases as a stacked bar and lists p50, p99 and mean per phase with the note', () => {
    const html = buildReport({ records: [withBreakdown(passing, raftBreakdown, '40 of 80 acknowledged operations split')], format: 'html', meta })
    const section = html.slice(html.indexOf('<section id="breakdown">'), html.indexOf('</section>', html.indexOf('<section id="breakdown">')))
    expect(section).toContain('Where the latency goes')
    expect(section).toMatch(/<svg\b/)
    // The bars are drawn, each phase in its colour (leader persist's blue), not just the axes.
    expect(section.toLowerCase()).toMatch(/fill="(#1c7ed6|rgb\(28,\s*126,\s*214\))"/)
    expect(section).toMatch(/<td>leader persist<\/td><td class="num">2\.2\d*<\/td><td class="num">8(\.0+)?<\/td>/)
    expect(section).toContain('40 of 80 acknowledged operations split')
  })

  it('a comparison puts Raft and PBFT side by side, each with its own phases', () => {
    const html = buildReport({ records: [withBreakdown(passing, raftBreakdown, 'raft note'), withBreakdown(failing, pbftBreakdown, 'pbft note')], format: 'html', meta })
    const section = html.slice(html.indexOf('<section id="breakdown">'), html.indexOf('</section>', html.indexOf('<section id="breakdown">')))
    for (const label of ['client hop', 'prepare quorum', 'commit quorum', 'raft note', 'pbft note']) expect(section).toContain(label)
    expect(section.match(/<svg\b/g)).toHaveLength(1)
  })

  it('Markdown lists p50, p99 and mean per phase, and says when there is none', () => {
    const markdown = buildReport({ records: [withBreakdown(passing, raftBreakdown, 'raft note'), failing], format: 'md', meta })
    expect(markdown).toMatch(/\| leader persist \| 2\.2\d* \| 8(\.0+)? \| 2\.5\d* \|/)
    expect(markdown).toContain('raft note.')
    expect(markdown).toContain('No breakdown: this run was recorded before the lab split latency by phase.')
  })

  it('a run recorded before the breakdown existed says it has none, and why', () => {
    const html = buildReport({ records: [passing], format: 'html', meta })
    expect(html).toContain('No breakdown: this run was recorded before the lab split latency by phase.')
  })
})
