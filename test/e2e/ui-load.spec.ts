/**
 * How the live page holds up under a real cluster at full load, measured in Chromium: frames and
 * trace events forwarded per second, bytes on the WebSocket, and how busy the page's main thread is
 * (long tasks) while every timeline is on screen. Prints one line of numbers for README.
 *   CONSENSUS_LAB_LOAD_CLIENTS (default 32), CONSENSUS_LAB_LOAD_SECONDS (default 15),
 *   CONSENSUS_LAB_LOAD_DURABILITY (default none: without fsync the cluster goes as fast as the CPU allows)
 *   CONSENSUS_LAB_LOAD_PROFILE=1: also a CPU profile of the page over the window, printed as the
 *   functions on the stack during long tasks (build with CONSENSUS_LAB_UNMINIFIED=1 for names)
 * Beside the long tasks' wall time it prints each main-thread task's CPU time from a Chromium trace
 * (on under npm run bench:ui, CONSENSUS_LAB_UI_TRACE=1 elsewhere, =0 leaves it out): the cluster
 * shares the cores, and a task that waits for one grows in wall time only.
 */
import { expect, test } from '@playwright/test'
import { startLabServer, type LabServer } from './fixtures/lab-server'
import { screenshot } from './flows/raft-failover'
import { PageProfile, PageTrace, installFrameProbes, pageFigures, readFrameProbes, tracedFigures } from './fixtures/page-profile'

const clients = Number(process.env.CONSENSUS_LAB_LOAD_CLIENTS ?? 32)
const measureSeconds = Number(process.env.CONSENSUS_LAB_LOAD_SECONDS ?? 15)
const durability = process.env.CONSENSUS_LAB_LOAD_DURABILITY ?? 'none'
const profiling = process.env.CONSENSUS_LAB_LOAD_PROFILE === '1'
// The trace is for the bench (npm run bench:ui) and for asking; npm test runs this spec without it.
const tracing = process.env.CONSENSUS_LAB_UI_TRACE === '1' || (process.env.CONSENSUS_LAB_UI_BENCH !== undefined && process.env.CONSENSUS_LAB_UI_TRACE !== '0')
let lab: LabServer | undefined

test.afterEach(async ({}, testInfo) => {
  if (lab) await testInfo.attach('lab-server.log', { body: lab.output(), contentType: 'text/plain' })
  await lab?.stop()
  lab = undefined
})

test('live page under load: 5 nodes, many clients, every chart drawing', async ({ page }, testInfo) => {
  test.setTimeout(240_000)
  lab = await startLabServer()
  // Tall enough that every timeline, the sequence diagram and the event log are on screen and drawing.
  await page.setViewportSize({ width: 1440, height: 1800 })
  const received = { frames: 0, events: 0, omitted: 0, bytes: 0, latencies: 0 }
  let measuring = false
  page.on('websocket', (socket) =>
    socket.on('framereceived', ({ payload }) => {
      if (!measuring || typeof payload !== 'string') return
      received.bytes += payload.length
      const message = JSON.parse(payload) as { type: string; message?: { kind: string; events?: unknown[]; eventsOmitted?: number; latencies?: unknown[] } }
      if (message.type !== 'stream' || message.message?.kind !== 'frame') return
      received.frames += 1
      received.events += message.message.events?.length ?? 0
      received.omitted += message.message.eventsOmitted ?? 0
      received.latencies += message.message.latencies?.length ?? 0
    }),
  )
  await page.goto(lab.url)
  await page.getByTestId('new-experiment').click()
  await page.getByTestId('add-node').click()
  await page.getByTestId('add-node').click()
  for (const [field, value] of [
    ['field-name', 'ui-load'],
    ['field-workload.duration', `${measureSeconds + 30}s`],
    ['field-workload.clients', String(clients)],
  ] as const) {
    await page.getByTestId(field).fill(value)
    await page.getByTestId(field).press('Tab')
  }
  await page.getByTestId('field-durability').selectOption(durability)
  await page.getByTestId('start-run').click()
  await expect(page.getByTestId('run-leader')).toHaveText(/^[A-E]$/, { timeout: 60_000 })
  await expect(page.getByTestId('run-ops')).not.toHaveText(/^0\s/, { timeout: 30_000 })

  await installFrameProbes(page)
  const profile = profiling ? new PageProfile(page) : undefined
  await profile?.start()
  const trace = tracing ? new PageTrace(page) : undefined
  await trace?.start()
  const opsBefore = await opsOk(page)
  measuring = true
  const started = Date.now()
  await page.waitForTimeout(measureSeconds * 1000)
  measuring = false
  const seconds = (Date.now() - started) / 1000
  const opsAfter = await opsOk(page)
  const probes = await readFrameProbes(page)
  const traced = await trace?.stop()
  if (profile) console.log(await profile.stop(probes.longTasks))
  await screenshot(page, testInfo, 'ui-under-load')

  const numbers = {
    clients,
    durability,
    seconds: Math.round(seconds),
    opsPerSecond: Math.round((opsAfter - opsBefore) / seconds),
    framesPerSecond: +(received.frames / seconds).toFixed(1),
    eventsForwardedPerSecond: Math.round(received.events / seconds),
    eventsOmittedPerSecond: Math.round(received.omitted / seconds),
    latencySamplesPerSecond: Math.round(received.latencies / seconds),
    kibPerSecond: Math.round(received.bytes / 1024 / seconds),
    ...pageFigures(probes, seconds),
    ...(traced ? tracedFigures(traced, seconds) : {}),
    cpus: (await import('node:os')).cpus().length,
    loadAverage: (await import('node:os')).loadavg()[0].toFixed(1),
  }
  console.log(`UI under load: ${JSON.stringify(numbers)}`)
  await testInfo.attach('ui-load.json', { body: JSON.stringify(numbers, null, 2), contentType: 'application/json' })

  await page.getByTestId('stop-run').click()
  await expect(page.getByTestId('verdict')).toBeVisible({ timeout: 120_000 })
  // Frames kept coming and the page kept counting: what it shows moved while it drew. How fast, and
  // how busy its main thread was, are the figures printed above (a benchmark's, never a test's: they
  // depend on what else the machine runs, its replicas first of all).
  expect(received.frames, 'frames received while measuring').toBeGreaterThan(0)
  expect(opsAfter, 'the page counted operations while it drew').toBeGreaterThan(opsBefore)
})

async function opsOk(page: import('@playwright/test').Page): Promise<number> {
  const text = (await page.getByTestId('run-ops').textContent()) ?? '0'
  return Number(text.split('/')[0].replace(/[^\d]/g, ''))
}
