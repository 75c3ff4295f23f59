/**
 * The report's log section, from a real scenario-5 run (test/fixtures/runs/raft-5-partition-conflict):
 * the old leader's uncommitted SET x=10 is shown struck through and listed as dropped for C; a run
 * that is not about its log (raft-3-crash: random workload, nothing truncated) has no such section.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import path from 'node:path'
import type { RunRecord } from '../../src-main/api/run-file.js'
import { buildReport } from '../../src-main/api/report/index.js'
import { loadRunDirectory } from '../../src-main/lab/report/run-directory.js'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { fixtureRuns } from './support.js'

const meta = { generatedAt: '2026-01-02T03:04:05.000Z', labVersion: '9.9.9' }
let conflict: RunRecord
let crash: RunRecord
beforeAll(async () => {
  conflict = await loadRunDirectory(path.join(repositoryRoot(), 'test/fixtures/runs/raft-5-partition-conflict'))
  crash = await loadRunDirectory(fixtureRuns.passing)
})

describe('the log grid in the HTML report', () => {
  it('scenario 5: every node’s log at the end, the dropped SET x=10 struck through, and listed in words', () => {
    const html = buildReport({ records: [conflict], format: 'html', meta })
    const section = html.slice(html.indexOf('<section id="log">'), html.indexOf('</section>', html.indexOf('<section id="log">')))
    expect(section).toContain('<h2>The log</h2>')
    for (const node of ['A', 'B', 'C', 'D', 'E']) expect(section).toContain(`<tr data-node="${node}">`)
    expect(section).toMatch(/<s class="lg-dropped[^"]*" data-testid="dropped-A-4" title="index 4 · term 1 · SET x=10: dropped at 4\.\d\d s, conflicting with C \(term 2\)">/)
    expect(section).toMatch(/<li>A dropped index 4 \(term 1, SET x=10\) at 4\.\d\d s, conflicting with C&#39;s log \(term 2\)<\/li>/)
    expect(section).not.toContain('dropped-C-')
    // The report's own stylesheet draws the strike and the term colours (no inline style: the app shows the same markup).
    expect(html).toContain('.lg-dropped {')
    expect(section).not.toMatch(/style="/)
  })

  it('a run that is not about its log has no log section', () => {
    expect(buildReport({ records: [crash], format: 'html', meta })).not.toContain('<section id="log">')
  })
})
