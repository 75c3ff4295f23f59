import { expect, test } from '@playwright/test'
import { startLabServer, type LabServer } from './fixtures/lab-server'
import { screenshot } from './flows/raft-failover'

const token = 'e2e-restart-token-0123456789abcdef'
let labs: LabServer[] = []

test.afterEach(async ({}, testInfo) => {
  for (const lab of labs) await testInfo.attach('lab-server.log', { body: lab.output(), contentType: 'text/plain' })
  for (const lab of labs) await lab.stop()
  labs = []
})

test('a killed lab process shows a clear message, retries, and recovers when the lab is back', async ({ page }, testInfo) => {
  const first = await startLabServer({ token })
  labs.push(first)
  await page.goto(first.url)
  await expect(page.getByTestId('connection-pill')).toHaveText('Lab server')
  await page.locator('[data-testid=experiment-card][data-file="raft-3.yaml"]').getByTestId('open-experiment').click()
  await expect(page.getByTestId('topology-editor')).toBeVisible()

  await first.kill()
  const banner = page.getByTestId('connection-banner')
  await expect(banner).toBeVisible({ timeout: 10_000 })
  await expect(banner).toContainText('The lab process is not answering.')
  await expect(page.getByTestId('connection-retry')).toContainText(/Retrying/)
  await expect(page.getByTestId('connection-pill')).toHaveText('Disconnected')
  // The page stays usable: the experiment is still there, and starting says why it cannot.
  await expect(page.getByTestId('experiment-text')).toHaveValue(/protocol: raft/)
  await expect(page.getByTestId('start-run')).toBeDisabled()
  await expect(page.getByTestId('start-blocker')).toHaveText('Not connected to the lab.')
  await screenshot(page, testInfo, '01-lab-killed')

  const second = await startLabServer({ token, port: first.port })
  labs.push(second)
  await expect(banner).toBeHidden({ timeout: 15_000 })
  await expect(page.getByTestId('connection-pill')).toHaveText('Lab server')
  await expect(page.getByTestId('start-run')).toBeEnabled()
  await screenshot(page, testInfo, '02-lab-back')
})

test('a lab restarted with a new token says to open its new URL', async ({ page }, testInfo) => {
  const first = await startLabServer({ token })
  labs.push(first)
  await page.goto(first.url)
  await expect(page.getByTestId('connection-pill')).toHaveText('Lab server')
  await first.kill()
  const second = await startLabServer({ port: first.port })
  labs.push(second)
  const banner = page.getByTestId('connection-banner')
  await expect(banner).toContainText('The lab refused this page.', { timeout: 15_000 })
  await expect(banner).toContainText('Open the new URL')
  await screenshot(page, testInfo, 'token-rejected')
})
