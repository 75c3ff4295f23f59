/**
 * A Korean hand-in report is Korean in its evidence too: the charts' axes and legends, the
 * invariants' names, the verdict and the linearizability answer (issue 12, "Korean everywhere").
 * The checker's detail sentences and witness are Korean too, with their values as the checker wrote them (test/report/verdict-korean.test.ts).
 */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildHandinReportHtml } from '../../src-main/api/exercise/report.js'
import { checkExercise } from '../../src-main/api/exercise/check.js'
import { buildHandinManifest } from '../../src-main/api/exercise/handin.js'
import { invariantTitle, invariantTexts } from '../../src-main/api/report/invariant-text.js'
import { throughputChartOption, latencyChartOption, commitIndexChartOption } from '../../src-main/api/report/charts.js'
import { traceInvariantNames } from '../../src-main/protocols/descriptor.js'
import { findExercise } from '../../src-main/lab/exercise/files.js'
import { loadRunDirectory } from '../../src-main/lab/report/run-directory.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { fixtureRuns } from './support.js'

const hangul = /[\uac00-\ud7a3]/
/** Every string an ECharts option draws: axis names, legend entries, series names. */
function drawnWords(option: Record<string, unknown>): string[] {
  const axes = [option.xAxis, option.yAxis].flat().map((axis) => (axis as { name?: string } | undefined)?.name)
  const legend = ((option.legend as { data?: (string | { name: string })[] }).data ?? []).map((entry) => (typeof entry === 'string' ? entry : entry.name))
  return [...axes, ...legend].filter((word): word is string => typeof word === 'string' && /[a-z]{3}/i.test(word) === true || (typeof word === 'string' && hangul.test(word)))
}

describe('a Korean hand-in report', () => {
  it('draws its charts with Korean axes and legends (node names and p50/p99 aside)', async () => {
    const record = await loadRunDirectory(fixtureRuns.passing)
    for (const build of [throughputChartOption, latencyChartOption, commitIndexChartOption]) {
      const words = drawnWords(build(record, 'ko') as Record<string, unknown>)
      expect(words.length).toBeGreaterThan(0)
      expect(words.filter((word) => !hangul.test(word) && !record.summary.nodeNames.includes(word))).toEqual([])
    }
    // English stays as it was.
    expect(drawnWords(throughputChartOption(record) as Record<string, unknown>)).toContain('no leader')
  })

  it('names every invariant in Korean', () => {
    const names = [...traceInvariantNames, 'replicas-healthy', 'acknowledged-writes-kept', 'watch-complete', 'lease-expiry', 'live-leases-kept']
    expect(names.filter((name) => !hangul.test(invariantTitle(name, 'ko')) || !hangul.test(invariantTexts[name]?.explain.ko ?? ''))).toEqual([])
    expect(invariantTitle('some-future-invariant', 'ko')).toBe('some-future-invariant')
  })

  it('shows the verdict, the linearizability answer and the invariants in Korean', async () => {
    const record = await loadRunDirectory(fixtureRuns.passing)
    const found = findExercise('6', path.join(repositoryRoot(), 'exercises'))
    if (!found.ok) throw new Error(found.message)
    const exercise = found.loaded.exercise
    const runs = Object.fromEntries(exercise.runs.map((run) => [run.id, record]))
    const check = checkExercise(exercise, runs, {}, {})
    const content = { student: '김학생', locale: 'ko' as const, labVersion: 'test', createdAt: '2026-12-06T09:00:00.000Z', exercise, exerciseText: found.loaded.text, predictions: {}, answers: {}, runs, check }
    const { manifest } = await buildHandinManifest(content)
    const html = buildHandinReportHtml({ manifest, exercise, runs, check, fontCss: '' })
    const evidence = html.slice(html.indexOf('<h2', html.indexOf('근거') - 200))
    expect(evidence).toContain(invariantTitle('election-safety', 'ko'))
    expect(evidence).not.toMatch(/>Linearizable</)
    const drawn = (evidence.match(/<svg[\s\S]*?<\/svg>/g) ?? []).join('\n')
    expect(drawn).toContain('실험 시간(초)')
    expect(drawn).not.toMatch(/experiment time \(s\)|no leader|>throughput</)
    expect(evidence).not.toMatch(/<span class="badge">(PASS|FAIL|UNDECIDED)<\/span>/)
  })
})
