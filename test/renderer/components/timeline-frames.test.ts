// @vitest-environment happy-dom
/**
 * Under load every timeline chart rebuilds on the same tick. Done in one task those rebuilds were
 * the page's long tasks (up to 600 ms), so each chart takes its turn in an animation frame of its
 * own: a tick costs the main thread one chart a frame, never all of them at once. Counted in
 * build calls per frame, never in milliseconds.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, shallowRef } from 'vue'
import TimelineChart from '../../../src-renderer/src/components/timeline/TimelineChart.vue'
import type { ChartContext } from '../../../src-renderer/src/charts/common'
import { newExperimentText } from '../../../src-renderer/src/experiment/template'
import { useRunStore } from '../../../src-renderer/src/stores/run'
import { flush, setupLab } from '../support/mount'

const chartCount = 7
let frames: FrameRequestCallback[] = []

beforeEach(() => {
  frames = []
  vi.stubGlobal('requestAnimationFrame', (callback: FrameRequestCallback) => frames.push(callback))
})
afterEach(() => vi.unstubAllGlobals())

async function runFrame(): Promise<boolean> {
  const callback = frames.shift()
  callback?.(performance.now())
  await flush()
  return callback !== undefined
}

function contextAt(nowMs: number): ChartContext {
  return { t: (key) => key, nowMs, faults: [], leaderless: [], pointsMax: 300 }
}

describe('live timeline charts under load', () => {
  it('one tick rebuilds one chart per animation frame, each chart once', async () => {
    const lab = setupLab()
    expect(await useRunStore().start(newExperimentText({ name: 'fixture', description: 'd', comment: 'c' }))).toBe(true)
    const context = shallowRef(contextAt(0))
    const builds = Array.from({ length: chartCount }, () => vi.fn(() => ({})))
    // The chart itself needs a canvas; what is counted here is when its option is built.
    const canvas = defineComponent({ props: { option: Object }, setup: () => () => h('div') })
    const page = defineComponent({
      setup: () => () => builds.map((build, index) => h(TimelineChart, { title: `chart ${index}`, build, context: context.value, testId: `chart-${index}` })),
    })
    lab.mount(page, { global: { stubs: { VChart: canvas, Echarts: canvas } } })
    await flush()
    // The first picture comes at once.
    expect(builds.map((build) => build.mock.calls.length)).toEqual(builds.map(() => 1))

    for (let tick = 1; tick <= 3; tick += 1) {
      context.value = contextAt(tick * 1000)
      await flush()
      expect(builds.reduce((sum, build) => sum + build.mock.calls.length, 0), 'nothing rebuilt in the tick itself').toBe(chartCount * tick)
      let frame = 0
      while (await runFrame()) {
        frame += 1
        expect(builds.reduce((sum, build) => sum + build.mock.calls.length, 0)).toBe(chartCount * tick + Math.min(frame, chartCount))
      }
      expect(frame).toBe(chartCount)
      expect(builds.map((build) => build.mock.calls.length)).toEqual(builds.map(() => tick + 1))
    }
  })
})
