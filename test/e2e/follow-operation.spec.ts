/**
 * Follow one operation, and where the latency goes: after a short Raft run and a short PBFT run,
 * the run detail shows the latency breakdown, a click on the slowest operation shows its phases and
 * each step of its path, and Compare puts the two breakdowns side by side.
 */
import { expect, test, type Page } from '@playwright/test'
import { startLabServer, type LabServer } from './fixtures/lab-server'
import { screenshot } from './flows/raft-failover'

let lab: LabServer | undefined

test.afterEach(async ({}, testInfo) => {
  if (lab) await testInfo.attach('lab-server.log', { body: lab.output(), contentType: 'text/plain' })
  await lab?.stop()
  lab = undefined
})

const experiment = (protocol: 'raft' | 'pbft', nodes: number) => `name: e2e-follow-${protocol}
protocol: ${protocol}
seed: 3
cluster:
  nodes: ${nodes}
  durability: fsync
workload:
  duration: 3s
  clients: 4
  keys: 10
  mix: { get: 0.3, put: 0.7 }
`

async function runToCompletion(page: Page, text: string, name: string): Promise<void> {
  await page.getByTestId('experiment-text').fill(text)
  await expect(page.getByTestId('validation-status')).toHaveText('Valid')
  await page.getByTestId('start-run').click()
  await expect(page.getByTestId('verdict')).toBeVisible({ timeout: 90_000 })
  await expect(page.getByTestId('run-phase')).toHaveText('Ended')
  await expect(page.getByTestId('toast').filter({ hasText: `Run “${name}” saved to Runs.` })).toBeVisible({ timeout: 30_000 })
}

test('click the slowest operation of a run and see its phases; compare Raft and PBFT by phase', async ({ page }, testInfo) => {
  test.setTimeout(240_000)
  lab = await startLabServer()
  await page.goto(lab.url)
  const nav = page.getByRole('navigation', { name: 'Main' })
  await page.getByTestId('new-experiment').click()
  await runToCompletion(page, experiment('raft', 3), 'e2e-follow-raft')
  // The run view shows the breakdown as soon as the run ends.
  await expect(page.getByTestId('verdict').getByTestId('latency-breakdown').locator('tbody tr')).toHaveCount(5)
  await nav.getByRole('link', { name: 'Design' }).click()
  await runToCompletion(page, experiment('pbft', 4), 'e2e-follow-pbft')

  await nav.getByRole('link', { name: 'Runs' }).click()
  const rows = page.getByTestId('run-row')
  await rows.filter({ has: page.getByTestId('run-open').getByText('e2e-follow-raft', { exact: true }) }).getByTestId('run-open').click()
  const detail = page.getByTestId('run-detail')
  const breakdown = detail.getByTestId('latency-breakdown')
  await expect(breakdown.locator('tbody tr')).toHaveText([/client hop/, /leader persist/, /replicate and ack/, /commit to apply/, /reply/])

  const follow = detail.getByTestId('operation-follow')
  // The slowest write: a read served without the log (ReadIndex, lease) has no phases to split, and
  // one of the first reads of a run can be the slowest operation (281 ms at 0.014 s, seen).
  await follow.getByTestId('follow-operation').filter({ hasText: /^put / }).first().click()
  await expect(follow.getByTestId('follow-phases').locator('.segment')).toHaveCount(5)
  await expect(follow.getByTestId('follow-quorum')).toContainText('Committed by the majority')
  const steps = follow.getByTestId('follow-steps').locator('tbody tr')
  await expect(steps.first()).toContainText('invoked')
  await expect(steps.last()).toContainText(/answer received|applied|committed/)
  await expect(follow.getByTestId('follow-steps').locator('tr[data-step=persist]')).not.toHaveCount(0)
  await follow.scrollIntoViewIfNeeded()
  await page.screenshot({ path: testInfo.outputPath('follow-raft-detail.png') })

  await rows.filter({ has: page.getByTestId('run-open').getByText('e2e-follow-pbft', { exact: true }) }).getByTestId('run-open').click()
  await expect(detail.getByTestId('run-name')).toHaveValue('e2e-follow-pbft')
  await detail.getByTestId('operation-follow').getByTestId('follow-operation').first().click()
  await expect(detail.getByTestId('follow-phases').locator('.segment')).toHaveCount(6)
  await expect(detail.getByTestId('follow-steps').locator('tr[data-step=prepared]')).not.toHaveCount(0)
  await detail.getByTestId('operation-follow').scrollIntoViewIfNeeded()
  await page.screenshot({ path: testInfo.outputPath('follow-pbft-detail.png') })

  await page.getByTestId('run-pick').nth(0).check()
  await page.getByTestId('run-pick').nth(1).check()
  await page.getByTestId('compare-selected').click()
  const compared = page.getByTestId('compare-page').getByTestId('latency-breakdown')
  await expect(compared.locator('[data-testid^=breakdown-run-]')).toHaveCount(2)
  await expect(compared.locator('svg')).not.toHaveCount(0)
  await compared.scrollIntoViewIfNeeded()
  await page.screenshot({ path: testInfo.outputPath('compare-breakdown.png') })
  await screenshot(page, testInfo, 'compare-breakdown-full')
})
