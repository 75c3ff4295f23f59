/**
 * Korean pages draw every Hangul character from the Noto Sans KR the app ships, on a machine with no
 * Korean font of its own (this one): checked through Chromium's own account of which font drew each
 * element (test/support/korean-glyphs.ts), not by the text. It caught the toast's bold action button
 * drawn as boxes (□□) on the Korean page: with system-ui ahead of Noto Sans KR in the page's stack,
 * text laid out while its Hangul slice was still loading kept DejaVu Sans's boxes.
 */
import { expect, test } from '@playwright/test'
import { startLabServer, type LabServer } from './fixtures/lab-server'
import { screenshot } from './flows/raft-failover'
import { koreanGlyphProblems } from '../support/korean-glyphs'

let lab: LabServer | undefined

test.afterEach(async ({}, testInfo) => {
  if (lab) await testInfo.attach('lab-server.log', { body: lab.output(), contentType: 'text/plain' })
  await lab?.stop()
  lab = undefined
})

/** How late each font slice arrives. */
const fontDelayMs = 1_500

const experiment = `name: glyphs-raft-3
protocol: raft
seed: 3
cluster: { nodes: 3 }
workload: { duration: 1s, clients: 2, keys: 5 }
`

test('the Korean pages draw their Hangul from the shipped font: a toast with its button, the course', async ({ page }, testInfo) => {
  lab = await startLabServer()
  // Every font slice arrives late, as on a loaded machine: text is laid out while its slice is
  // still loading, which is when the boxes stayed. (A wait in the route, not in the test.)
  await page.route('**/fonts/*.woff2', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, fontDelayMs))
    await route.continue()
  })
  await page.goto(lab.url)
  await page.getByTestId('language').selectOption('ko')
  await page.getByTestId('new-experiment').click()
  await page.getByTestId('experiment-text').fill(experiment)
  await page.getByTestId('start-run').click()
  const toast = page.getByTestId('toast').filter({ hasText: 'glyphs-raft-3' })
  await expect(toast).toBeVisible({ timeout: 90_000 })
  await expect(toast.getByTestId('toast-action')).toBeVisible()
  expect(await koreanGlyphProblems(page, '[data-testid="toasts"] *')).toEqual([])
  await screenshot(page, testInfo, 'toast-ko')
  expect(await koreanGlyphProblems(page)).toEqual([])

  await page.getByRole('link', { name: '과정' }).click()
  await expect(page.locator('[data-testid^="exercise-"]').first()).toBeVisible()
  expect(await koreanGlyphProblems(page)).toEqual([])
  await screenshot(page, testInfo, 'course-ko')
})
