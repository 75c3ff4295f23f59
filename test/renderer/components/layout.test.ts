// @vitest-environment happy-dom
/**
 * A dragged topology is kept per experiment in IndexedDB (fake-indexeddb here): opening the
 * experiment again, in a fresh app, shows it where it was dragged, and so do the run's canvases.
 */
import 'fake-indexeddb/auto'
import { describe, expect, it, vi } from 'vitest'
import TopologyEditor from '../../../src-renderer/src/components/topology/TopologyEditor.vue'
import FaultInjector from '../../../src-renderer/src/components/injector/FaultInjector.vue'
import { newExperimentText } from '../../../src-renderer/src/experiment/template'
import { useDraftStore } from '../../../src-renderer/src/stores/draft'
import { useRunStore } from '../../../src-renderer/src/stores/run'
import { layoutRepository } from '../../../src-renderer/src/db'
import { saneLayout } from '../../../src-renderer/src/db/layout-repository'
import { flush, setupLab } from '../support/mount'
import { freshRepository } from '../support/runs'

const text = newExperimentText({ name: 'dragged-demo', description: 'd', comment: 'c' })
const placeOf = (wrapper: { get: (selector: string) => { attributes: (name: string) => string | undefined } }, node: string) => wrapper.get(`[data-testid=node-${node}]`).attributes('transform')

describe('a dragged layout', () => {
  it('is saved when the drag ends and restored when the experiment is opened again, and on the run canvas', async () => {
    freshRepository()
    const first = setupLab()
    useDraftStore().openNew(text)
    const designer = first.mount(TopologyEditor)
    await flush()
    const before = placeOf(designer, 'B')
    // happy-dom has no SVG geometry (matrixTransform): the drag reads the pointer's offset instead, as it does without one.
    Object.defineProperty(designer.get('svg').element, 'createSVGPoint', { value: undefined })
    await designer.get('[data-testid=node-B]').trigger('pointerdown', { clientX: 300, clientY: 200, pointerId: 1 })
    await designer.get('svg').trigger('pointermove', { clientX: 100, clientY: 60, offsetX: 100, offsetY: 60, pointerId: 1 })
    await designer.get('svg').trigger('pointerup', { pointerId: 1 })
    const dragged = placeOf(designer, 'B')
    expect(dragged).not.toBe(before)
    await vi.waitFor(async () => expect(Object.keys(await layoutRepository().load('dragged-demo'))).toEqual(['B']))
    designer.unmount()

    // A fresh app (new stores) over the same database.
    const second = setupLab()
    useDraftStore().openNew(text)
    const reopened = second.mount(TopologyEditor)
    await vi.waitFor(() => expect(placeOf(reopened, 'B')).toBe(dragged))
    // A node nobody dragged keeps its place on the circle.
    expect(placeOf(reopened, 'A')).toBe(placeOf(designer, 'A'))

    // The run of that experiment draws its cluster the same way.
    expect(await useRunStore().start(text)).toBe(true)
    const injector = second.mount(FaultInjector)
    await vi.waitFor(() => expect(placeOf(injector, 'B')).toBe(dragged))
  })

  it('keeps only sane positions from what is stored', () => {
    expect(saneLayout({ A: { x: 10, y: 20 }, B: { x: 'x', y: 1 }, C: { x: Infinity, y: 0 }, D: null, E: { x: 1e9, y: 0 } })).toEqual({ A: { x: 10, y: 20 } })
    expect(saneLayout([1, 2])).toEqual({})
    expect(saneLayout('nonsense')).toEqual({})
  })
})
