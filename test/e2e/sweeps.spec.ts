/**
 * A comparison sweep in Chromium against the real browser-mode lab: the quick Raft-vs-PBFT sweep
 * (2 protocols × 2 link delays, one short run each) is opened from the Library, run, and its matrix
 * fills in as the runs end; two cells open side by side in Compare with no workload warning (the
 * cells share their workload by construction). Screens in English and Korean are attached.
 */
import { expect, test } from '@playwright/test'
import { startLabServer, type LabServer } from './fixtures/lab-server'
import { screenshot } from './flows/raft-failover'

let lab: LabServer | undefined

test.afterEach(async ({}, testInfo) => {
  if (lab) await testInfo.attach('lab-server.log', { body: lab.output(), contentType: 'text/plain' })
  await lab?.stop()
  lab = undefined
})

const cells = ['raft-f1-delay0ms', 'raft-f1-delay5ms', 'pbft-f1-delay0ms', 'pbft-f1-delay5ms']

test('a sweep runs from the app, fills its matrix, and two cells open in Compare', async ({ page }, testInfo) => {
  test.setTimeout(300_000)
  lab = await startLabServer()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  await page.goto(lab.url)

  await page.getByTestId('library-sweeps').click()
  await page.getByTestId('sweep-raft-vs-pbft-quick').click()
  const detail = page.getByTestId('sweep-detail')
  await expect(detail.getByRole('heading', { name: 'raft-vs-pbft-quick' })).toBeVisible()
  for (const cell of cells) await expect(page.getByTestId(`cell-${cell}`)).toContainText('waiting')
  await expect(page.getByTestId('sweep-progress')).toContainText('0 of 4 runs done')

  await page.getByTestId('sweep-start').click()
  await expect(page.getByTestId('sweep-stop')).toBeVisible()
  await expect(page.getByTestId('sweep-progress')).toContainText('left')
  // Each run streams like any run and is kept when it ends; the matrix fills in from 'sweep' messages.
  await expect(page.getByTestId('sweep-progress')).toContainText('4 of 4 runs done', { timeout: 240_000 })
  await expect(page.getByTestId('sweep-start')).toContainText('All runs done')
  for (const cell of cells) {
    const row = page.getByTestId(`cell-${cell}`)
    await expect(row).toContainText('done')
    await expect(row).toContainText('Pass')
    await expect(row.locator('td.num').nth(2)).toHaveText(/\d+(\.\d+)? ms/)
  }
  await expect(page.getByTestId('sweep-ratios')).toContainText('pbft-f1-delay5ms / raft-f1-delay5ms')
  await expect(page.getByTestId('sweep-charts').locator('figure')).toHaveCount(3)
  await screenshot(page, testInfo, 'sweep-done-en')

  await page.getByTestId('cell-raft-f1-delay5ms').getByRole('checkbox').check()
  await page.getByTestId('cell-pbft-f1-delay5ms').getByRole('checkbox').check()
  await page.getByTestId('sweep-compare').click()
  const compare = page.getByTestId('compare-page')
  await expect(compare).toBeVisible()
  await expect(compare).toContainText('raft-vs-pbft-quick raft-f1-delay5ms')
  await expect(compare).toContainText('raft-vs-pbft-quick pbft-f1-delay5ms')
  await expect(page.getByTestId('workload-warning')).toHaveCount(0)
  await screenshot(page, testInfo, 'sweep-compare-en')

  await page.getByTestId('language').selectOption('ko')
  await page.getByRole('link', { name: '스윕', exact: true }).click()
  await page.getByTestId('sweep-raft-vs-pbft-quick').click()
  await expect(page.getByTestId('sweep-progress')).toContainText('실행 4개 중 4개 완료')
  // The charts, the cells' labels and verdicts in Korean too.
  await expect(page.getByTestId('sweep-charts')).toContainText('링크 지연(ms)에 따른 지연 시간')
  await expect(page.getByTestId('sweep-charts')).not.toContainText('Latency against')
  await expect(page.getByTestId('cell-pbft-f1-delay5ms')).toContainText('pbft, f=1, 지연 5 ms')
  await expect(page.getByTestId('cell-pbft-f1-delay5ms')).toContainText('통과')
  await screenshot(page, testInfo, 'sweep-done-ko')
  expect(problems).toEqual([])
})
