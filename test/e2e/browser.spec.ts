import { expect, test } from '@playwright/test'
import { startLabServer, type LabServer } from './fixtures/lab-server'
import { raftFailoverFlow, screenshot } from './flows/raft-failover'

let lab: LabServer | undefined

test.afterEach(async ({}, testInfo) => {
  if (lab) await testInfo.attach('lab-server.log', { body: lab.output(), contentType: 'text/plain' })
  await lab?.stop()
  lab = undefined
})

test('browser mode: build a 5-node Raft cluster, crash the leader, see the failover and the verdict', async ({ page }, testInfo) => {
  lab = await startLabServer()
  await page.goto(lab.url)
  await raftFailoverFlow(page, testInfo)
})

test('browser mode: without the token the lab answers 403', async ({ page }, testInfo) => {
  lab = await startLabServer()
  const response = await page.goto(`http://127.0.0.1:${lab.port}/`)
  expect(response?.status()).toBe(403)
  await expect(page.locator('body')).toContainText('403 Forbidden')
  await screenshot(page, testInfo, 'forbidden')
})

test('the language follows the switch, and Korean covers the library', async ({ page }, testInfo) => {
  lab = await startLabServer()
  await page.goto(lab.url)
  await expect(page.getByRole('heading', { name: 'Experiment library' })).toBeVisible()
  await page.getByTestId('language').selectOption('ko')
  await expect(page.getByRole('heading', { name: '실험 라이브러리' })).toBeVisible()
  await expect(page.locator('html')).toHaveAttribute('lang', 'ko')
  await page.reload()
  await expect(page.getByRole('heading', { name: '실험 라이브러리' })).toBeVisible()
  await page.locator('[data-testid=experiment-card][data-file="raft-3.yaml"]').getByTestId('open-experiment').click()
  await expect(page.getByTestId('topology-editor')).toContainText('토폴로지')
  await screenshot(page, testInfo, 'korean-design')
})
