/**
 * The shared modules (run file, report builders) run in a real browser as they are: bundled for the
 * browser (no Node built-ins), loaded into Chromium, they read a bundle the CLI wrote (gzip through
 * DecompressionStream), write one back, and build the HTML report with its SVG charts.
 */
import fs from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'
import { afterAll, describe, expect, it } from 'vitest'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import { defaultChromiumPath } from '../../src-main/lab/report/pdf.js'
import { loadRunDirectory, writeRunFileToDisk } from '../../src-main/lab/report/run-directory.js'
import { decodeRunFile } from '../../src-main/api/run-file.js'
import { fixtureRuns, scratchDir } from './support.js'

const scratch = scratchDir('browser')
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

const entry = `
import { decodeRunFile, encodeRunBundle } from './src-main/api/run-file.ts'
import { buildReport } from './src-main/api/report/index.ts'
window.labReport = async (base64) => {
  const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0))
  const record = await decodeRunFile(bytes)
  const html = buildReport({ records: [record], format: 'html', meta: { generatedAt: '2026-01-01T00:00:00Z', labVersion: 'browser' } })
  const again = await encodeRunBundle(record)
  let binary = ''
  for (const byte of again) binary += String.fromCharCode(byte)
  return { name: record.summary.name, html, bundle: btoa(binary) }
}
`

describe('the run file and report modules in a browser', () => {
  it.skipIf(!fs.existsSync(defaultChromiumPath))('read a CLI bundle, build the report and write a bundle the CLI reads', async () => {
    const bundled = await build({
      stdin: { contents: entry, resolveDir: repositoryRoot(), loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent',
    })
    const script = bundled.outputFiles[0]!.text
    const file = path.join(scratch, 'run.ndjson.gz')
    await writeRunFileToDisk(file, await loadRunDirectory(fixtureRuns.failing))

    const { chromium } = await import('playwright-core')
    const browser = await chromium.launch({ executablePath: defaultChromiumPath, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
    try {
      const page = await browser.newPage()
      const errors: string[] = []
      page.on('pageerror', (error) => errors.push(error.message))
      await page.setContent('<!doctype html><title>lab</title>')
      await page.addScriptTag({ content: script })
      const result = await page.evaluate((base64) => (window as unknown as { labReport: (data: string) => Promise<{ name: string; html: string; bundle: string }> }).labReport(base64), fs.readFileSync(file).toString('base64'))
      expect(errors).toEqual([])
      expect(result.name).toBe('fixture-primary-backup-split')
      expect(result.html.match(/<svg\b/g)?.length).toBeGreaterThanOrEqual(4)
      expect(result.html).toContain('class="badge fail">FAIL<')
      const back = await decodeRunFile(Buffer.from(result.bundle, 'base64'))
      expect(back).toEqual(await decodeRunFile(fs.readFileSync(file)))
    } finally {
      await browser.close()
    }
  })
})
