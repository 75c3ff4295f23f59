/**
 * The desktop lab's main story, shared by the browser-mode and the Electron test: open the library,
 * build a five-node Raft cluster, start it, crash the leader from the injector, watch a new leader
 * take over with the crash marked on every timeline, stop, read the verdict.
 */
import { expect, type Page, type TestInfo } from '@playwright/test'

export const timelineIds = ['chart-roles', 'chart-commit', 'chart-lag', 'chart-latency', 'chart-throughput', 'chart-terms', 'chart-messages'] as const

export async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const file = testInfo.outputPath(`${name}.png`)
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: file, fullPage: true })
  await testInfo.attach(name, { path: file, contentType: 'image/png' })
}

export async function raftFailoverFlow(page: Page, testInfo: TestInfo): Promise<void> {
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(`CSP: ${message.text()}`)
  })

  // The library lists the bundled scenarios with their descriptions.
  await expect(page.getByRole('heading', { name: 'Experiment library' })).toBeVisible()
  await expect(page.getByTestId('experiment-card').first()).toBeVisible()
  await expect(page.getByTestId('connection-pill')).not.toHaveText(/Disconnected|Connecting/)
  await screenshot(page, testInfo, '01-library')

  // A new Raft experiment, grown to five nodes on the canvas.
  await page.getByTestId('new-experiment').click()
  const topology = page.getByTestId('topology-editor')
  await expect(topology).toBeVisible()
  await expect(page.getByTestId('field-protocol')).toHaveValue('raft')
  await page.getByTestId('add-node').click()
  await page.getByTestId('add-node').click()
  await expect(page.getByTestId('node-count')).toHaveText('nodes: 5')
  for (const node of ['A', 'B', 'C', 'D', 'E']) await expect(topology.getByTestId(`node-${node}`)).toBeVisible()
  await page.getByTestId('field-name').fill('e2e-raft-5')
  await page.getByTestId('field-name').press('Tab')
  await page.getByTestId('field-workload.duration').fill('90s')
  await page.getByTestId('field-workload.duration').press('Tab')
  await expect(page.getByTestId('experiment-text')).toHaveValue(/nodes: 5/)
  await expect(page.getByTestId('experiment-text')).toHaveValue(/duration: 90s/)
  await expect(page.getByTestId('validation-status')).toHaveText('Valid')
  await screenshot(page, testInfo, '02-design-5-nodes')

  // Start: the run page shows the cluster electing a leader and serving operations.
  await page.getByTestId('start-run').click()
  await expect(page.getByTestId('run-controls')).toBeVisible()
  await expect(page.getByTestId('run-phase')).toHaveText('Running', { timeout: 30_000 })
  const leaderCell = page.getByTestId('run-leader')
  await expect(leaderCell).toHaveText(/^[A-E]$/, { timeout: 30_000 })
  await expect(page.getByTestId('run-ops')).not.toHaveText(/^0\s/, { timeout: 30_000 })
  const firstLeader = ((await leaderCell.textContent()) ?? '').trim()
  const injector = page.getByTestId('fault-injector')
  await expect(injector.getByTestId(`node-${firstLeader}`)).toHaveAttribute('data-role', 'leader')
  await page.waitForTimeout(1500)
  await screenshot(page, testInfo, '03-running')

  // Crash the leader by clicking it on the injector's canvas.
  await injector.getByTestId(`node-${firstLeader}`).click()
  await expect(injector.getByTestId('node-actions')).toContainText(`Node ${firstLeader}`)
  await injector.getByTestId('inject-crash').click()
  await expect(injector.getByTestId('injected-log')).toContainText(`Crash ${firstLeader}`)
  await expect(injector.getByTestId('injected-log')).toContainText('done')

  // A new leader takes over; the crashed node shows as crashed.
  await expect(leaderCell).toHaveText(new RegExp(`^(?!${firstLeader}$)[A-E]$`), { timeout: 30_000 })
  const secondLeader = ((await leaderCell.textContent()) ?? '').trim()
  await expect(injector.getByTestId(`node-${firstLeader}`)).toHaveAttribute('data-process', 'crashed')
  await expect(injector.getByTestId(`node-${secondLeader}`)).toHaveAttribute('data-role', 'leader')

  // The crash is a marker on every timeline (each chart describes its markers to assistive
  // technology, which is also what the test reads), and a line of the event log.
  for (const id of timelineIds) {
    await expect(page.getByTestId(id).locator(`[aria-label*="crash ${firstLeader} @"]`), `fault marker on ${id}`).toHaveCount(1)
  }
  await expect(page.getByTestId('fault-legend')).toHaveAttribute('data-faults', '1')
  // The log reads the whole run's trace: the fault is there whatever window the diagram shows.
  await page.getByTestId('log-scope').selectOption('run')
  await page.getByTestId('log-kind-fault').click()
  await expect(page.getByTestId('log-row').first()).toContainText(`fault: crash ${firstLeader}`)
  await page.waitForTimeout(1500)
  await screenshot(page, testInfo, '04-new-leader-and-fault-marker')

  // Stop: the verdict arrives.
  await page.getByTestId('stop-run').click()
  const verdict = page.getByTestId('verdict')
  await expect(verdict).toBeVisible({ timeout: 90_000 })
  await expect(page.getByTestId('run-phase')).toHaveText('Ended')
  await expect(page.getByTestId('verdict-headline')).toHaveText(/Correct|Violation|Failed|Inconclusive|No verdict/)
  await expect(verdict).toHaveAttribute('data-outcome', /ok|bad|broken|unknown|none/)
  await verdict.scrollIntoViewIfNeeded()
  await screenshot(page, testInfo, '05-verdict')

  expect(problems, 'no page errors and no CSP violations').toEqual([])
}
