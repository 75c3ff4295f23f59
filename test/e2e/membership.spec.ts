/**
 * Membership changes from the failure injector (browser mode, real replicas): a three-node Raft
 * run grows by D (a learner, drawn hollow), D is promoted (a voter), and the leader is removed (it
 * hands its leadership over first): the canvas and the replay's table show four members, then the
 * right three, with the removed node greyed, and the lab's record says the leadership was handed on.
 */
import { expect, test, type Page, type TestInfo } from '@playwright/test'
import { startLabServer, type LabServer } from './fixtures/lab-server'

let lab: LabServer | undefined

test.afterEach(async ({}, testInfo) => {
  if (lab) await testInfo.attach('lab-server.log', { body: lab.output(), contentType: 'text/plain' })
  await lab?.stop()
  lab = undefined
})

// Long enough for three changes on a loaded machine; the test stops the run once they are done.
const experiment = `name: membership-e2e
protocol: raft
seed: 15
cluster:
  nodes: 3
  durability: fsync
workload:
  duration: 40s
  clients: 2
  keys: 10
  mix: { get: 0.5, put: 0.5 }
`

async function shot(page: Page, testInfo: TestInfo, name: string, testId: string): Promise<void> {
  const file = testInfo.outputPath(`${name}.png`)
  await page.getByTestId(testId).screenshot({ path: file })
  await testInfo.attach(name, { path: file, contentType: 'image/png' })
}

test('the injector adds D, promotes it and removes the leader; the canvas and the replay follow the configuration', async ({ page }, testInfo) => {
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  lab = await startLabServer()
  await page.goto(lab.url)
  await page.getByTestId('new-experiment').click()
  await page.getByTestId('experiment-text').fill(experiment)
  await expect(page.getByTestId('validation-status')).toHaveText('Valid')
  await page.getByTestId('start-run').click()
  await expect(page.getByTestId('run-phase')).toHaveText('Running', { timeout: 30_000 })
  await expect(page.getByTestId('run-leader')).toHaveText(/^[ABC]$/, { timeout: 30_000 })
  const injector = page.getByTestId('fault-injector')
  const log = injector.getByTestId('injected-log')

  await test.step('Add node D: it joins as a learner, drawn hollow and labelled', async () => {
    await expect(injector.getByTestId('inject-add-node')).toHaveText('Add node D')
    await injector.getByTestId('inject-add-node').click()
    await expect(log).toContainText('Add node D — done (D)', { timeout: 30_000 })
    await expect(injector.getByTestId('node-D')).toHaveAttribute('data-member', 'learner')
    await expect(injector.getByTestId('node-state-D')).toHaveText(/^learner · \d+$/)
    await shot(page, testInfo, 'membership-learner', 'fault-injector')
  })

  await test.step('Promote D: four voters on the canvas', async () => {
    await injector.getByTestId('node-D').click()
    await expect(injector.getByTestId('inject-promote')).toBeEnabled()
    await injector.getByTestId('inject-promote').click()
    await expect(log).toContainText('Promote D — done (D)', { timeout: 30_000 })
    for (const node of ['A', 'B', 'C', 'D']) await expect(injector.getByTestId(`node-${node}`)).toHaveAttribute('data-member', 'voter')
    await shot(page, testInfo, 'membership-four-voters', 'fault-injector')
  })

  let removed = ''
  await test.step('Remove the leader: it hands over, leaves the canvas greyed, and three voters remain', async () => {
    removed = (await page.getByTestId('run-leader').innerText()).trim()
    expect(removed).toMatch(/^[ABCD]$/)
    await injector.getByTestId('inject-remove-leader').click()
    await expect(log).toContainText(/Remove the leader \([ABCD]\) — done \([ABCD]\)/, { timeout: 30_000 })
    // The lab says how: the leader handed its leadership over before its removal.
    await expect(log.getByTestId('injected-detail').first()).toContainText(/leadership transferred to [ABCD] in \d+ ms/)
    await expect(injector.getByTestId(`node-${removed}`)).toHaveAttribute('data-member', 'removed')
    await expect(injector.getByTestId(`node-state-${removed}`)).toHaveText('removed')
    const remaining = ['A', 'B', 'C', 'D'].filter((node) => node !== removed)
    for (const node of remaining) await expect(injector.getByTestId(`node-${node}`)).toHaveAttribute('data-member', 'voter')
    // No link is drawn to a node that left the cluster.
    await expect(injector.locator(`[data-testid^="link-"][data-testid*="${removed}"]`)).toHaveCount(0)
    await expect(page.getByTestId('run-leader')).toHaveText(new RegExp(`^[${remaining.join('')}]$`))
    await shot(page, testInfo, 'membership-removed', 'fault-injector')
  })

  await test.step('the run stops; the replay at its end has the member column: three voters and the removed node', async () => {
    await page.getByTestId('stop-run').click()
    await expect(page.getByTestId('run-phase')).toHaveText('Ended', { timeout: 60_000 })
    const replay = page.getByTestId('replay')
    // The replay reads the trace only while it is on screen.
    await replay.scrollIntoViewIfNeeded()
    await expect(replay.getByTestId(`replay-node-${removed}`)).toHaveAttribute('data-member', 'removed')
    for (const node of ['A', 'B', 'C', 'D'].filter((name) => name !== removed)) await expect(replay.getByTestId(`replay-node-${node}`)).toHaveAttribute('data-member', 'voter')
    await expect(replay.getByTestId(`node-${removed}`)).toHaveAttribute('data-member', 'removed')
    // The lab's record of the removal: leadership handed on, not a leader removing itself.
    const eventLog = page.getByTestId('event-log')
    await eventLog.getByTestId('log-scope').selectOption('run')
    await eventLog.getByTestId('log-text').fill('leadership transferred')
    await eventLog.getByTestId('log-text').press('Enter')
    await expect(eventLog.getByTestId('log-row').first()).toContainText(/remove node leader.*leadership transferred to [ABCD]/, { timeout: 10_000 })
    await shot(page, testInfo, 'membership-replay', 'replay')
  })
  expect(problems).toEqual([])
})
