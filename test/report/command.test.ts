/**
 * `lab report` and `lab export` as the CLI runs them: files written, exit codes, and one clear line
 * for each kind of bad input. The PDF goes through the real Chromium.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runExportCommand, runReportCommand } from '../../src-main/lab/report/command.js'
import { readRunFileFromDisk } from '../../src-main/lab/report/run-directory.js'
import { defaultChromiumPath } from '../../src-main/lab/report/pdf.js'
import { captureIo, copyRun, fixtureRuns, scratchDir } from './support.js'

const scratch = scratchDir('command')
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))
const out = (name: string) => path.join(scratch, name)

async function report(...args: string[]) {
  const io = captureIo()
  const code = await runReportCommand(args, io)
  return { code, ...io }
}

async function exportRun(...args: string[]) {
  const io = captureIo()
  const code = await runExportCommand(args, io)
  return { code, ...io }
}

describe('lab report', () => {
  it('writes each format, taking it from --out when --format is not given', async () => {
    for (const [file, marker] of [
      ['run.html', '<!doctype html>'],
      ['run.md', '# fixture-raft-3-crash — PASS'],
      ['run.csv', 'run_id,run_name,table,metric,x,value'],
      ['run.json', '"runId"'],
    ] as const) {
      const result = await report(fixtureRuns.passing, '--out', out(file))
      expect(result.code, result.err).toBe(0)
      expect(fs.readFileSync(out(file), 'utf8')).toContain(marker)
      expect(result.err).toMatch(new RegExp(`wrote .*${file.replace('.', '\\.')}`))
    }
    const csv = await report(fixtureRuns.passing, '--format', 'csv', '--out', out('x.txt'))
    expect(csv.err).toMatch(/per-operation latencies are not stored/)
  })

  it('prints to stdout without --out', async () => {
    const result = await report(fixtureRuns.failing, '--format=md')
    expect(result.code).toBe(0)
    expect(result.out).toMatch(/^# fixture-primary-backup-split — FAIL/)
  })

  it('compares several runs, from run files as well as run directories, against --baseline', async () => {
    expect((await exportRun(fixtureRuns.failing, '--out', out('failing.ndjson.gz'))).code).toBe(0)
    const result = await report(fixtureRuns.passing, out('failing.ndjson.gz'), '--baseline', '2', '--out', out('compare.html'))
    expect(result.code, result.err).toBe(0)
    expect(result.err).toContain('comparison of 2 runs (baseline fixture-primary-backup-split)')
    const html = fs.readFileSync(out('compare.html'), 'utf8')
    expect(html).toMatch(/fixture-primary-backup-split <em>\(baseline\)<\/em>/)
    expect(html).toMatch(/<span class="ratio">×/)
  })

  const badInput: [string, string[], RegExp][] = [
    ['an unknown format', [fixtureRuns.passing, '--format', 'docx'], /unknown format "docx": expected one of html, md, csv, json, pdf/],
    ['an unknown option', [fixtureRuns.passing, '--colour'], /unknown option --colour/],
    ['no run at all', ['--format', 'html'], /expected at least one run directory or run file/],
    ['a run that does not exist', [path.join(scratch, 'no-such-run')], /no-such-run: no such run directory or run file/],
    ['a baseline out of range', [fixtureRuns.passing, fixtureRuns.failing, '--baseline', '3'], /--baseline expects a run's position, 1 to 2, got "3"/],
    ['an output extension it cannot read', [fixtureRuns.passing, '--out', 'report.docx'], /cannot tell the format from report\.docx/],
    ['a PDF to stdout', [fixtureRuns.passing, '--format', 'pdf'], /a PDF report needs --out FILE\.pdf/],
  ]
  for (const [what, args, expected] of badInput) {
    it(`exits 2 with one clear line for ${what}`, async () => {
      const result = await report(...args)
      expect(result.code).toBe(2)
      expect(result.err.split('\n')[0]).toMatch(expected)
      expect(result.err.startsWith('lab report: ')).toBe(true)
      expect(result.out).toBe('')
    })
  }

  it('exits 2 naming the missing file of a run directory', async () => {
    const dir = copyRun(fixtureRuns.passing, scratch, 'interrupted')
    fs.rmSync(path.join(dir, 'summary.json'))
    const result = await report(dir, '--out', out('never.html'))
    expect(result.code).toBe(2)
    expect(result.err).toBe(`lab report: ${dir}: summary.json is missing — the run may have been interrupted, or this is not a run directory\n`)
    expect(fs.existsSync(out('never.html'))).toBe(false)
  })

  it('exits 2 for a corrupt, a foreign and a newer run file', async () => {
    const cases: [string, string, RegExp][] = [
      ['corrupt.json', '{"format": "consensus-lab-run", "version": 1, "summary": {', /corrupt\.json: corrupt: not valid JSON/],
      ['foreign.json', '{"rows": []}', /foreign\.json: not a Consensus Lab run file/],
      ['newer.json', '{"format": "consensus-lab-run", "version": 2}', /newer\.json: made by a newer version of Consensus Lab \(format 2; this lab reads 1\)/],
    ]
    for (const [name, text, expected] of cases) {
      fs.writeFileSync(out(name), text)
      const result = await report(out(name))
      expect(result.code).toBe(2)
      expect(result.err).toMatch(expected)
      expect(result.err.trimEnd().split('\n')).toHaveLength(1)
    }
  })
})

describe('lab report --format pdf', () => {
  const pdftotext = spawnSync('pdftotext', ['-v']).error === undefined
  const chromium = fs.existsSync(defaultChromiumPath)

  it.skipIf(!chromium)('prints the HTML report with Chromium; the PDF text has the run name and the verdict', async () => {
    const file = out('failing.pdf')
    const result = await report(fixtureRuns.failing, '--out', file)
    expect(result.code, result.err).toBe(0)
    const bytes = fs.readFileSync(file)
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect(bytes.length).toBeGreaterThan(20_000)
    if (!pdftotext) {
      // Without poppler-utils the text cannot be read back robustly (Chromium subsets and compresses fonts).
      console.warn('pdftotext not found (apt-get install -y poppler-utils): PDF text not checked')
      return
    }
    const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).stdout
    expect(text).toContain('fixture-primary-backup-split')
    expect(text).toContain('FAIL')
    expect(text).toContain('Witness')
    expect(text).toMatch(/p99\.9 \(ms\)/)
  })

  it('says what to install when Chromium is missing, and exits 3', async () => {
    const previous = process.env.CONSENSUS_LAB_CHROMIUM
    process.env.CONSENSUS_LAB_CHROMIUM = path.join(scratch, 'no-chromium-here')
    try {
      const result = await report(fixtureRuns.passing, '--out', out('never.pdf'))
      expect(result.code).toBe(3)
      expect(result.err).toMatch(/PDF reports need Chromium, and .*no-chromium-here does not exist: install it \(Debian\/Ubuntu: apt-get install -y chromium\)/)
      expect(fs.existsSync(out('never.pdf'))).toBe(false)
    } finally {
      if (previous === undefined) delete process.env.CONSENSUS_LAB_CHROMIUM
      else process.env.CONSENSUS_LAB_CHROMIUM = previous
    }
  })
})

describe('lab export', () => {
  it('writes the run file the app imports, in either encoding', async () => {
    for (const name of ['passing.json', 'passing.ndjson.gz']) {
      const result = await exportRun(fixtureRuns.passing, '--out', out(name))
      expect(result.code, result.err).toBe(0)
      expect(result.err).toMatch(/wrote .*: fixture-raft-3-crash \(.*\), \d+ series points, \d+ trace events, \d+ history events/)
      const record = await readRunFileFromDisk(out(name))
      expect(record.summary.name).toBe('fixture-raft-3-crash')
    }
  })

  it('leaves the trace and history out when asked', async () => {
    const result = await exportRun(fixtureRuns.passing, '--out', out('lean.json'), '--no-trace', '--no-history')
    expect(result.code).toBe(0)
    const record = await readRunFileFromDisk(out('lean.json'))
    expect(record.trace).toBeUndefined()
    expect(record.history).toBeUndefined()
  })

  it('exits 2 for an output name of another format, and for a run directory with a missing file', async () => {
    const wrongName = await exportRun(fixtureRuns.passing, '--out', out('run.zip'))
    expect(wrongName.code).toBe(2)
    expect(wrongName.err).toMatch(/--out must end in \.json or \.ndjson\.gz/)
    const dir = copyRun(fixtureRuns.passing, scratch, 'no-series')
    fs.rmSync(path.join(dir, 'series.json'))
    const missing = await exportRun(dir, '--out', out('no-series.json'))
    expect(missing.code).toBe(2)
    expect(missing.err).toBe(`lab export: ${dir}: series.json is missing — the run may have been interrupted\n`)
  })
})
