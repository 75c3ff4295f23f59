/**
 * The run view's loose ends of issue 11, in Chromium against browser mode: a dragged node keeps its
 * place when the experiment is opened again (IndexedDB) and on the run's canvas; a partition is
 * drawn cut only once the lab applied it; after the run, a picked operation (from the list, a dot
 * of the latency chart) brings its messages forward in the sequence diagram.
 */
import { expect, test } from '@playwright/test'
import { startLabServer, type LabServer } from './fixtures/lab-server'

let lab: LabServer | undefined

test.afterEach(async ({}, testInfo) => {
  if (lab) await testInfo.attach('lab-server.log', { body: lab.output(), contentType: 'text/plain' })
  await lab?.stop()
  lab = undefined
})

const experiment = `name: e2e-run-view
protocol: raft
seed: 1
cluster:
  nodes: 3
  durability: fsync
workload:
  duration: 10s
  clients: 4
  keys: 10
  mix: { get: 0.3, put: 0.7 }
faults:
  - { at: 2s, crash: follower }
  - { at: 2.1s, restart: crashed }
`

test('a dragged layout comes back, a partition is drawn once applied, a picked operation stands out in the sequence diagram', async ({ page }, testInfo) => {
  test.setTimeout(300_000)
  lab = await startLabServer()
  await page.goto(lab.url)
  await page.getByTestId('new-experiment').click()
  await page.getByTestId('experiment-text').fill(experiment)
  await expect(page.getByTestId('validation-status')).toHaveText('Valid')

  const designed = page.getByTestId('topology-editor').getByTestId('node-B')
  const box = (await designed.boundingBox())!
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
  await page.mouse.down()
  await page.mouse.move(box.x + box.width / 2 - 60, box.y + box.height / 2 - 90, { steps: 8 })
  await page.mouse.up()
  const dragged = (await designed.getAttribute('transform'))!
  await test.step('opened again in a fresh page, the node is where it was dragged', async () => {
    await page.goto(lab!.url)
    await page.getByTestId('new-experiment').click()
    await page.getByTestId('experiment-text').fill(experiment)
    await expect(page.getByTestId('topology-editor').getByTestId('node-B')).toHaveAttribute('transform', dragged)
  })

  await page.getByTestId('start-run').click()
  await expect(page.getByTestId('run-phase')).toHaveText('Running', { timeout: 30_000 })
  const injector = page.getByTestId('fault-injector')
  await expect(injector.getByTestId('node-B')).toHaveAttribute('transform', dragged)
  await test.step('a partition being drawn is planned, not cut; applied, it is cut', async () => {
    await page.getByTestId('partition-mode').click()
    await injector.getByRole('button', { name: 'Isolate the leader' }).click()
    await expect(injector.locator('g.link.planned')).toHaveCount(2)
    await expect(injector.locator('g.link[data-cut]')).toHaveCount(0)
    await page.getByTestId('apply-partition').click()
    await expect(injector.locator('g.link[data-cut]')).toHaveCount(2, { timeout: 10_000 })
    await injector.screenshot({ path: testInfo.outputPath('partition-applied.png') })
    await page.getByTestId('heal').click()
    await expect(injector.locator('g.link[data-cut]')).toHaveCount(0, { timeout: 10_000 })
  })
  await expect(page.getByTestId('run-phase')).toHaveText('Ended', { timeout: 90_000 })

  const diagram = page.getByTestId('sequence-diagram')
  await test.step('the slowest operation, picked from the list, stands out in the sequence diagram', async () => {
    const follow = page.getByTestId('operation-follow')
    await follow.getByTestId('follow-operation').first().click()
    await expect(diagram.getByTestId('sequence-following')).toContainText('Following')
    await expect(diagram.getByTestId('sequence-client-mark')).not.toHaveCount(0)
    await diagram.screenshot({ path: testInfo.outputPath('sequence-followed.png') })
  })
  await test.step('a dot of the latency chart follows its operation', async () => {
    const following = diagram.getByTestId('sequence-following')
    // Which operation is followed, by its times (its text's innerText and textContent differ in
    // whitespace, so comparing texts saw a change where there was none: a click that only moved
    // the window passed for a pick).
    const before = await following.getAttribute('data-invoke-t')
    const chart = page.getByTestId('chart-latency')
    await chart.scrollIntoViewIfNeeded()
    const area = (await chart.locator('canvas').first().boundingBox())!
    // The dots are dense along the p50 line: sweep the plot until a click lands on one. Each click
    // gets a second to show its outcome: a click after a pick that was slow to show would move the
    // window off it (a click on the chart centres the diagram there).
    let followed = false
    for (let fy = 0.3; fy <= 0.85 && !followed; fy += 0.05) {
      for (let fx = 0.15; fx <= 0.9 && !followed; fx += 0.05) {
        await page.mouse.click(area.x + area.width * fx, area.y + area.height * fy)
        followed = await expect(following).not.toHaveAttribute('data-invoke-t', before ?? '', { timeout: 1000 }).then(() => true, () => false)
      }
    }
    expect(followed).toBe(true)
    // The diagram moved onto it: its request and answer are drawn, however slow it was.
    const picked = `${await following.innerText()} (node ${await following.getAttribute('data-node')}, ${await following.getAttribute('data-invoke-t')} – ${await following.getAttribute('data-ok-t')} ms) in ${await diagram.getByTestId('sequence-window').innerText()}`
    await expect(diagram.getByTestId('sequence-client-mark'), picked).toHaveCount(2)
    await diagram.screenshot({ path: testInfo.outputPath('sequence-from-dot.png') })
  })
})
