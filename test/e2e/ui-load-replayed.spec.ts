/**
 * `npm run bench:ui`, in Chromium: the live page fed a synthetic full-load stream (5 nodes, 5,000
 * ops/s, 1,500 trace events a frame, a leader crash; test/renderer/fixtures/frames.ts) at the
 * lab's pace of one frame per 100 ms, with every chart on screen. The lab is real and so is its
 * run, but the run is a one-client trickle, and its own frames are replaced by the synthetic ones
 * in a proxy in the test's process (fixtures/frame-proxy.ts): the replicas' CPU does not skew what
 * the page's figures say about the page. The replay's log grid reads the synthetic run's log too:
 * the proxy answers its readTrace calls with that run's append and commit events (10,000 a second;
 * CONSENSUS_LAB_UI_GRID=0 passes them to the lab, whose trickle run has few).
 * test/e2e/ui-load.spec.ts measures the same page with the real cluster at full load.
 * Beside the wall-clock figures (frame times, long tasks) it prints the main thread's tasks as a
 * Chromium trace has them, with each task's CPU time: on a loaded machine a task waits for a core
 * and its wall time grows, its CPU time does not (CONSENSUS_LAB_UI_TRACE=0 leaves the trace out).
 *   CONSENSUS_LAB_UI_SECONDS (default 20), CONSENSUS_LAB_LOAD_PROFILE=1 (a CPU profile, as there)
 */
import { expect, test } from '@playwright/test'
import type { LiveFrame, TraceQuery, TraceWindow } from '../../src-main/api/lab-api'
import { traceWindowEventsMax } from '../../src-main/api/trace'
import { frameIntervalMs, gridTraceEvents, makeFrames } from '../renderer/fixtures/frames'
import { startLabServer, type LabServer } from './fixtures/lab-server'
import { startFrameProxy, type FrameProxy } from './fixtures/frame-proxy'
import { PageProfile, PageTrace, installFrameProbes, pageFigures, readFrameProbes, tracedFigures } from './fixtures/page-profile'

const measureSeconds = Number(process.env.CONSENSUS_LAB_UI_SECONDS ?? 20)
const profiling = process.env.CONSENSUS_LAB_LOAD_PROFILE === '1'
const tracing = process.env.CONSENSUS_LAB_UI_TRACE !== '0'
const gridLoaded = process.env.CONSENSUS_LAB_UI_GRID !== '0'
/** The synthetic run: as the lab's own load harness (test/renderer/perf/live-load.test.ts) has it. */
const load = { seconds: 60, opsPerSecond: 5000, nodes: ['A', 'B', 'C', 'D', 'E'], messageEventsPerFrame: 1500, eventsPerFrameMax: 1500, crashLeaderAtMs: 10_000 }
/** Synthetic frames played before measuring: the charts fill up first. */
const warmupFrames = 50
let lab: LabServer | undefined
let proxy: FrameProxy | undefined

test.afterEach(async ({}, testInfo) => {
  await proxy?.stop()
  proxy = undefined
  if (lab) await testInfo.attach('lab-server.log', { body: lab.output(), contentType: 'text/plain' })
  await lab?.stop()
  lab = undefined
})

test('live page fed a synthetic full-load stream: frame times and long tasks', async ({ page }, testInfo) => {
  test.setTimeout(180_000)
  expect(warmupFrames + (measureSeconds * 1000) / frameIntervalMs).toBeLessThanOrEqual((load.seconds * 1000) / frameIntervalMs)
  lab = await startLabServer()
  await page.setViewportSize({ width: 1440, height: 1800 })
  const frames = makeFrames(load)
  let played = 0
  let gridEventsAnswered = 0
  // The grid's reads (kinds append/commit/truncate), answered from the synthetic run as readTrace would.
  const answerGrid = (method: string, args: unknown[]): TraceWindow | undefined => {
    const query = args[1] as TraceQuery | undefined
    if (!gridLoaded || method !== 'readTrace' || !query?.kinds?.includes('append')) return undefined
    const matched = gridTraceEvents(load, query.fromMs ?? 0, query.toMs ?? Infinity)
    const limit = Math.min(query.limit ?? traceWindowEventsMax, traceWindowEventsMax)
    const events = matched.slice(0, limit)
    gridEventsAnswered += events.length
    return { events, matched: matched.length, omitted: matched.length - events.length, chunksRead: 0, bytesRead: 0 }
  }
  const feed = (proxy = await startFrameProxy(lab, answerGrid))
  await page.goto(feed.url)
  await page.getByTestId('new-experiment').click()
  await page.getByTestId('add-node').click()
  await page.getByTestId('add-node').click()
  for (const [field, value] of [
    ['field-name', 'ui-load-replayed'],
    ['field-workload.duration', `${measureSeconds + 60}s`],
    ['field-workload.clients', '1'],
  ] as const) {
    await page.getByTestId(field).fill(value)
    await page.getByTestId(field).press('Tab')
  }
  await page.getByTestId('start-run').click()
  await expect.poll(() => feed.runId, { timeout: 60_000 }).toBeDefined()

  // The lab's pace: a frame every 100 ms, as its FrameAggregator sends them.
  const play = (frame: LiveFrame) => feed.sendToPages(JSON.stringify({ type: 'stream', message: { ...frame, runId: feed.runId } }))
  const timer = setInterval(() => {
    if (played < frames.length) play(frames[played++])
  }, frameIntervalMs)
  try {
    await expect.poll(() => played, { timeout: 30_000 }).toBeGreaterThanOrEqual(warmupFrames)
    await expect(page.getByTestId('run-leader')).toHaveText(/^[A-E]$/)
    await installFrameProbes(page)
    const profile = profiling ? new PageProfile(page) : undefined
    await profile?.start()
    const trace = tracing ? new PageTrace(page) : undefined
    await trace?.start()
    const playedBefore = played
    const gridEventsBefore = gridEventsAnswered
    const started = Date.now()
    await page.waitForTimeout(measureSeconds * 1000)
    const seconds = (Date.now() - started) / 1000
    const probes = await readFrameProbes(page)
    const traced = await trace?.stop()
    const framesPlayed = played - playedBefore
    if (profile) console.log(await profile.stop(probes.longTasks))
    const numbers = {
      seconds: Math.round(seconds),
      syntheticFramesPerSecond: +(framesPlayed / seconds).toFixed(1),
      opsPerSecondShown: load.opsPerSecond,
      eventsPerFrame: load.messageEventsPerFrame,
      gridEventsReadPerSecond: Math.round((gridEventsAnswered - gridEventsBefore) / seconds),
      ...pageFigures(probes, seconds),
      ...(traced ? tracedFigures(traced, seconds) : {}),
      cpus: (await import('node:os')).cpus().length,
      loadAverage: (await import('node:os')).loadavg()[0].toFixed(1),
    }
    console.log(`UI under replayed load: ${JSON.stringify(numbers)}`)
    await testInfo.attach('ui-load-replayed.json', { body: JSON.stringify(numbers, null, 2), contentType: 'application/json' })
    // The page drew what it was sent: the synthetic run's operations are on screen.
    await expect(page.getByTestId('run-ops')).not.toHaveText(/^0\s/)
    expect(framesPlayed).toBeGreaterThan(0)
    expect(probes.frameMs.length, 'the page painted frames while it was fed').toBeGreaterThan(0)
  } finally {
    clearInterval(timer)
  }
  await page.getByTestId('stop-run').click()
})
