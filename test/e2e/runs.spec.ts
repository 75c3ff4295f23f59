/**
 * The run store in a real Chromium against the real browser-mode lab: two short real runs (3-node
 * Raft with a leader crash, 4-node PBFT) are kept in IndexedDB when they end and are still there
 * after a reload; they are compared (CDF, percentiles); reports come out as HTML with inline SVG
 * charts and as a PDF the lab's Chromium printed (its text read back with pdftotext); a corrupt
 * import gets a clear error and changes nothing. Screens in English and Korean are attached.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { expect, test, type Locator, type Page } from '@playwright/test'
import { startLabServer, type LabServer } from './fixtures/lab-server'
import { screenshot } from './flows/raft-failover'

let lab: LabServer | undefined

test.afterEach(async ({}, testInfo) => {
  if (lab) await testInfo.attach('lab-server.log', { body: lab.output(), contentType: 'text/plain' })
  await lab?.stop()
  lab = undefined
})

const raftName = 'e2e-raft-3'
const pbftName = 'e2e-pbft-4'
const raftText = `name: ${raftName}
protocol: raft
seed: 5
cluster: { nodes: 3 }
workload: { duration: 2s, clients: 4, keys: 10 }
faults:
  - { at: 700ms, crash: leader }
  - { at: 1300ms, restart: crashed }
`
const pbftText = `name: ${pbftName}
protocol: pbft
seed: 5
cluster: { nodes: 4 }
workload: { duration: 2s, clients: 4, keys: 10 }
faults: []
`

async function runToCompletion(page: Page, text: string, name: string): Promise<void> {
  await page.getByTestId('experiment-text').fill(text)
  await expect(page.getByTestId('validation-status')).toHaveText('Valid')
  await page.getByTestId('start-run').click()
  await expect(page.getByTestId('verdict')).toBeVisible({ timeout: 90_000 })
  await expect(page.getByTestId('run-phase')).toHaveText('Ended')
  await expect(page.getByTestId('toast').filter({ hasText: `Run “${name}” saved to Runs.` })).toBeVisible({ timeout: 30_000 })
}

/** Clicks and saves what the page downloads; returns the file's path. */
async function download(page: Page, button: Locator, path: string): Promise<string> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), button.click()])
  await file.saveAs(path)
  return path
}

function pdfText(path: string): string {
  return execFileSync('pdftotext', ['-layout', path, '-'], { encoding: 'utf8' })
}

test('runs are kept in IndexedDB across reloads, compared, reported as HTML and PDF; a corrupt import changes nothing', async ({ page }, testInfo) => {
  test.setTimeout(240_000)
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(`CSP: ${message.text()}`)
  })
  lab = await startLabServer()
  await page.goto(lab.url)
  const nav = page.getByRole('navigation', { name: 'Main' })

  await test.step('two short real runs end and are stored', async () => {
    await page.getByTestId('new-experiment').click()
    await runToCompletion(page, raftText, raftName)
    await nav.getByRole('link', { name: 'Design' }).click()
    await runToCompletion(page, pbftText, pbftName)
  })

  const rows = page.getByTestId('run-row')
  const row = (name: string) => rows.filter({ has: page.getByTestId('run-open').getByText(name, { exact: true }) })
  await test.step('the Runs page lists them, and they survive a reload', async () => {
    await nav.getByRole('link', { name: 'Runs' }).click()
    await expect(rows).toHaveCount(2)
    await expect(row(raftName).getByTestId('run-verdict')).toHaveText('Pass')
    await page.reload()
    await expect(rows).toHaveCount(2)
    await expect(row(pbftName)).toBeVisible()
    await expect(page.getByTestId('storage-meter')).toContainText('Stored runs: 2')
  })

  await test.step('a run is tagged and reported as HTML and PDF', async () => {
    await row(raftName).getByTestId('run-open').click()
    const detail = page.getByTestId('run-detail')
    await expect(detail.getByTestId('run-name')).toHaveValue(raftName)
    await detail.getByTestId('run-tag-input').fill('headline')
    await detail.getByTestId('run-tag-input').press('Enter')
    await expect(row(raftName)).toContainText('headline')
    await screenshot(page, testInfo, 'runs-en')

    const html = readFileSync(await download(page, detail.getByTestId('report-html'), testInfo.outputPath('raft-report.html')), 'utf8')
    expect(html).toContain(raftName)
    expect(html.match(/<svg\b/g)?.length ?? 0).toBeGreaterThanOrEqual(4)
    expect(html).toContain('class="badge pass">PASS<')
    expect(html).not.toMatch(/<script\b/)

    const pdfPath = await download(page, detail.getByTestId('report-pdf'), testInfo.outputPath('raft-report.pdf'))
    expect(readFileSync(pdfPath).subarray(0, 5).toString()).toBe('%PDF-')
    const text = pdfText(pdfPath)
    expect(text).toContain(raftName)
    expect(text).toContain('PASS')
    await testInfo.attach('raft-report.pdf.txt', { body: text, contentType: 'text/plain' })
  })

  await test.step('Raft and PBFT are compared: CDF, percentiles, verdicts, a comparison report', async () => {
    await row(raftName).getByTestId('run-pick').check()
    await row(pbftName).getByTestId('run-pick').check()
    await page.getByTestId('compare-selected').click()
    await expect(page.getByTestId('compare-page')).toBeVisible()
    // The charts are drawn as SVG: one line per run, named in the legend.
    const cdf = page.getByTestId('compare-cdf')
    await expect(cdf.locator('svg')).toBeVisible()
    await expect(cdf).toContainText('Latency distribution (CDF)')
    await expect(cdf.locator('svg')).toContainText(raftName)
    await expect(cdf.locator('svg')).toContainText(pbftName)
    expect(await cdf.locator('svg path[stroke="#2f6fdb"]').count()).toBeGreaterThan(0)
    expect(await cdf.locator('svg path[stroke="#d9480f"]').count()).toBeGreaterThan(0)
    const table = page.getByTestId('percentiles-table')
    await expect(table.getByTestId('percentiles-row')).toHaveCount(2)
    await expect(table.getByTestId('percentiles-row').nth(1).getByTestId('latency-ratio')).toHaveCount(5)
    await expect(page.getByTestId('compare-verdict')).toHaveText(['Pass', 'Pass'])
    await expect(page.getByTestId('compare-throughput').locator('svg')).toContainText('experiment time (s)')
    await expect(page.getByTestId('compare-fault-row').first()).toContainText('crash leader')
    await page.waitForTimeout(300)
    await screenshot(page, testInfo, 'compare-en')

    const html = readFileSync(await download(page, page.getByTestId('report-html'), testInfo.outputPath('comparison.html')), 'utf8')
    expect(html).toContain(raftName)
    expect(html).toContain(pbftName)
    expect(html.match(/<svg\b/g)?.length ?? 0).toBeGreaterThanOrEqual(2)
    const markdown = readFileSync(await download(page, page.getByTestId('report-md'), testInfo.outputPath('comparison.md')), 'utf8')
    expect(markdown).toContain(`| ${pbftName}`)
  })

  await test.step('a corrupt run file is refused with a clear error and the store is unchanged', async () => {
    await nav.getByRole('link', { name: 'Runs' }).click()
    await row(pbftName).getByTestId('run-open').click()
    const bundle = readFileSync(await download(page, page.getByTestId('export-ndjson.gz'), testInfo.outputPath('pbft.ndjson.gz')))
    const broken = testInfo.outputPath('broken.ndjson.gz')
    writeFileSync(broken, bundle.subarray(0, Math.floor(bundle.length / 2)))
    await page.getByTestId('import-input').setInputFiles(broken)
    const error = page.getByTestId('import-error')
    await expect(error).toContainText('“broken.ndjson.gz” is damaged or incomplete.')
    await expect(error).toContainText('corrupt: the gzip data is damaged or cut off')
    await expect(error).toContainText('the stored runs are unchanged')
    await expect(rows).toHaveCount(2)
    await screenshot(page, testInfo, 'import-error-en')
    await page.reload()
    await expect(rows).toHaveCount(2)
  })

  await test.step('a deleted run can be undone, or added back from the lab’s run folder', async () => {
    await row(pbftName).getByTestId('run-open').click()
    await page.getByTestId('run-delete').click()
    await expect(rows).toHaveCount(1)
    const toast = page.getByTestId('toast').filter({ hasText: `Deleted “${pbftName}”.` })
    await toast.getByTestId('toast-action').click()
    await expect(rows).toHaveCount(2)
    await row(pbftName).getByTestId('run-open').click()
    await page.getByTestId('run-delete').click()
    await expect(rows).toHaveCount(1)
    const folders = page.getByTestId('lab-run-folders')
    await expect(folders).toContainText('not stored here (1)')
    await folders.locator('summary').click()
    await expect(folders).toContainText(pbftName)
    await screenshot(page, testInfo, 'lab-run-folders-en')
    await folders.getByRole('button', { name: 'Add' }).click()
    await expect(rows).toHaveCount(2)
    await expect(folders).toHaveCount(0)
  })

  await test.step('the same screens in Korean', async () => {
    await page.getByTestId('language').selectOption('ko')
    await expect(page.getByRole('heading', { name: '실행 기록' })).toBeVisible()
    await row(raftName).getByTestId('run-open').click()
    await screenshot(page, testInfo, 'runs-ko')
    // "Compare with…" from one run: it becomes the baseline and the picker offers the others.
    await page.getByTestId('run-compare').click()
    await expect(page.getByRole('heading', { name: '실행 비교' })).toBeVisible()
    await expect(page.getByTestId('compare-empty')).toContainText('비교할 실행을 고르세요')
    await page.getByTestId('compare-add').filter({ hasText: pbftName }).click()
    await expect(page.getByTestId('compare-cdf')).toContainText('지연 시간 분포(CDF)')
    await page.waitForTimeout(300)
    await screenshot(page, testInfo, 'compare-ko')
    await page.getByTestId('language').selectOption('en')
  })

  expect(problems, 'no page errors and no CSP violations').toEqual([])
})
