/**
 * The whole run, any window: after a run has ended, the event log and the sequence diagram read any
 * window of its trace from the run directory (not from a live buffer), and the log's filters search
 * the whole run.
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

const experiment = `name: e2e-trace-window
description: A crash at 6 s in a 30 s run, read back after the end.
protocol: raft
seed: 11
cluster:
  nodes: 3
  durability: fsync
workload:
  duration: 30s
  clients: 4
  rate: 200
  keys: 20
faults:
  - { at: 6s, crash: B }
  - { at: 9s, restart: B }
`

test('after a 30 s run, scrub to the fault at 6 s: the event log shows it and the diagram its messages', async ({ page }, testInfo) => {
  lab = await startLabServer()
  await page.goto(lab.url)
  await page.getByTestId('new-experiment').click()
  await page.getByTestId('experiment-text').fill(experiment)
  await expect(page.getByTestId('validation-status')).toHaveText('Valid')
  await page.getByTestId('start-run').click()
  await expect(page.getByTestId('run-phase')).toHaveText('Running', { timeout: 30_000 })
  await expect(page.getByTestId('run-phase')).toHaveText('Ended', { timeout: 120_000 })

  // Long after the fault (the live buffers of old would have dropped it): a 2 s window at 6 s.
  const diagram = page.getByTestId('sequence-diagram')
  await diagram.locator('select').first().selectOption('2000')
  await page.getByTestId('sequence-scrub').fill('6500')
  await expect(page.getByTestId('sequence-window')).toHaveText('5.500 s – 7.500 s')
  await expect(diagram.locator('g.arrows[data-kind=delivered]').first()).toBeAttached()
  const log = page.getByTestId('event-log')
  await page.getByTestId('log-kind-fault').click()
  await expect(log.getByTestId('log-row')).toHaveCount(1)
  await expect(log.getByTestId('log-row').first()).toContainText('crash B')
  await log.scrollIntoViewIfNeeded()
  await screenshot(page, testInfo, 'window-at-the-fault')

  // The whole run: both faults, whatever window the diagram shows.
  await page.getByTestId('log-scope').selectOption('run')
  await expect(log.getByTestId('log-row')).toHaveCount(2)
  await expect(log.getByTestId('log-row').nth(1)).toContainText('restart B')
  // Text filters search the whole trace too.
  await page.getByTestId('log-kind-fault').click()
  await page.getByTestId('log-text').fill('"kind":"role"')
  await page.getByTestId('log-text').press('Enter')
  await expect(log.getByTestId('log-row').first()).toContainText('role')
})
