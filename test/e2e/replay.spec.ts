/**
 * Replay and the log grid, in scenario 5 (raft-5-partition-conflict): scrubbing to the partition
 * shows the cut links on the canvas and who leads on each side; after the heal, the log grid shows
 * the old leader's uncommitted SET x=10 struck through (dropped for the new leader: C in term 2,
 * or whoever won the majority side if a loaded machine made it take a second election). The stored run's
 * replay shows the same, read back from the run directory.
 */
import { readFileSync } from 'node:fs'
import { expect, test } from '@playwright/test'
import { startLabServer, type LabServer } from './fixtures/lab-server'

let lab: LabServer | undefined

test.afterEach(async ({}, testInfo) => {
  if (lab) await testInfo.attach('lab-server.log', { body: lab.output(), contentType: 'text/plain' })
  await lab?.stop()
  lab = undefined
})

const experiment = readFileSync('experiments/raft-5-partition-conflict.yaml', 'utf8')

async function shot(page: import('@playwright/test').Page, testInfo: import('@playwright/test').TestInfo, name: string, testId: string): Promise<void> {
  const file = testInfo.outputPath(`${name}.png`)
  await page.getByTestId(testId).screenshot({ path: file })
  await testInfo.attach(name, { path: file, contentType: 'image/png' })
}

test('scenario 5: scrub to the partition and see the cut links; after the heal the old leader’s entry is struck through', async ({ page }, testInfo) => {
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(`CSP: ${message.text()}`)
  })
  lab = await startLabServer()
  await page.goto(lab.url)
  await page.getByTestId('new-experiment').click()
  await page.getByTestId('experiment-text').fill(experiment)
  await expect(page.getByTestId('validation-status')).toHaveText('Valid')
  await page.getByTestId('start-run').click()
  await expect(page.getByTestId('run-phase')).toHaveText('Running', { timeout: 30_000 })
  const replay = page.getByTestId('replay')
  await expect(replay).toBeVisible()
  await expect(page.getByTestId('run-phase')).toHaveText('Ended', { timeout: 120_000 })

  let newLeader = ''
  await test.step('at 3 s (inside the partition): links between {A, B} and {C, D, E} cut, the majority side has its own leader', async () => {
    await page.getByTestId('replay-scrub').fill('3000')
    await expect(page.getByTestId('replay-time')).toHaveText('3.000 s')
    await expect(replay.locator('g.link[data-cut]')).toHaveCount(6)
    await expect(replay.getByTestId('link-A-C').locator('xpath=..')).toHaveAttribute('data-cut', 'true')
    await expect(replay.getByTestId('link-A-B').locator('xpath=..')).not.toHaveAttribute('data-cut', 'true')
    // C campaigns at 2.05 s; on a loaded machine the majority side may need a second election
    // (term 3, any of C, D, E): the replay must name whoever the trace says won.
    await expect(page.getByTestId('replay-leader')).toHaveText(/^Leader: [CDE] \(term [2-9]\)$/)
    newLeader = /^Leader: ([CDE])/.exec(await page.getByTestId('replay-leader').innerText())![1]!
    // A, cut off, still believes it leads term 1: both crowns are drawn, the table says so.
    await expect(replay.getByTestId('node-A')).toHaveAttribute('data-role', 'leader')
    await expect(replay.getByTestId(`node-${newLeader}`)).toHaveAttribute('data-role', 'leader')
    // A's SET x=10 is in its log, not yet dropped, not committed.
    const grid = page.getByTestId('log-grid')
    await expect(grid.locator('tr[data-node=A] td[data-index="4"] .lg-entry')).toContainText('SET x=10')
    await expect(grid.locator('tr[data-node=A] td[data-index="4"]')).toHaveClass(/lg-uncommitted/)
    await expect(grid.getByTestId('dropped-A-4')).toHaveCount(0)
    // The sequence diagram follows the scrubber.
    await expect(page.getByTestId('sequence-window')).toContainText('3.')
    await shot(page, testInfo, 'replay-partition', 'replay')
  })

  await test.step('at 5.5 s (after the heal): no cut link, A dropped SET x=10 for the new leader and holds its entries', async () => {
    await page.getByTestId('replay-scrub').fill('5500')
    await expect(replay.locator('g.link[data-cut]')).toHaveCount(0)
    await expect(replay.getByTestId('node-A')).toHaveAttribute('data-role', 'follower')
    const grid = page.getByTestId('log-grid')
    const dropped = grid.getByTestId('dropped-A-4')
    await expect(dropped).toContainText('SET x=10')
    await expect(dropped).toHaveAttribute('title', /dropped at 4\.\d\d s, conflicting with [CDE] \(term [2-9]\)/)
    expect(await dropped.evaluate((element) => getComputedStyle(element).textDecorationLine)).toContain('line-through')
    await expect(grid.getByTestId('dropped-B-4')).toContainText('SET x=10')
    // A's index 4 now holds the new leader's entry, committed.
    await expect(grid.locator('tr[data-node=A] td[data-index="4"] .lg-entry')).not.toContainText('SET x=10')
    await expect(grid.locator('tr[data-node=A] td[data-index="4"]')).toHaveClass(/lg-committed/)
    for (const node of ['C', 'D', 'E']) await expect(grid.getByTestId(`dropped-${node}-4`)).toHaveCount(0)
    await shot(page, testInfo, 'replay-after-heal', 'replay')
  })

  await test.step('the stored run replays from its run directory, opening at its end', async () => {
    // A fresh page: nothing remembers where the live page's scrubber was.
    await page.reload()
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs' }).click()
    await page.getByTestId('run-row').first().getByTestId('run-open').click()
    const stored = page.getByTestId('run-replay')
    // Below the run's figures, its latency breakdown and the operations to follow: scroll to it, as a
    // person does (the grid reads nothing while it is off screen).
    await stored.getByTestId('log-grid').scrollIntoViewIfNeeded()
    await expect(stored.getByTestId('replay-time')).toHaveText(/^[56]\.\d{3} s$/)
    await expect(stored.getByTestId('dropped-A-4')).toContainText('SET x=10')
    await stored.getByTestId('replay-scrub').fill('2500')
    await expect(stored.locator('g.link[data-cut]')).toHaveCount(6)
    await expect(stored.getByTestId('dropped-A-4')).toHaveCount(0)
    await shot(page, testInfo, 'stored-replay-partition', 'run-replay')
  })
  expect(problems).toEqual([])
})
