// @vitest-environment happy-dom
/**
 * PBFT screens say view and primary: the live timelines of a PBFT run title and label their charts
 * in PBFT's words, a Raft run keeps term and leader, in English and in Korean.
 */
import { describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'
import TimelineGrid from '../../../src-renderer/src/components/timeline/TimelineGrid.vue'
import { newExperimentText } from '../../../src-renderer/src/experiment/template'
import { useRunStore } from '../../../src-renderer/src/stores/run'
import { primaryKeys, viewKeys } from '../../../src-renderer/src/i18n/vocabulary'
import { en } from '../../../src-renderer/src/i18n/en'
import { ko } from '../../../src-renderer/src/i18n/ko'
import { flush, setupLab } from '../support/mount'

async function timelines(protocol: 'raft' | 'pbft', locale: 'en' | 'ko') {
  const lab = setupLab({}, locale)
  const text = newExperimentText({ name: 'fixture', description: 'd', comment: 'c' }).replace('nodes: 3', 'nodes: 4').replace('protocol: raft', `protocol: ${protocol}`)
  expect(await useRunStore().start(text)).toBe(true)
  // The charts themselves need a canvas; their titles and legends are what this reads.
  const chart = defineComponent({ props: { title: String }, setup: (props, { slots }) => () => h('div', [h('h3', props.title), slots.legend?.()]) })
  const wrapper = lab.mount(TimelineGrid, { global: { stubs: { TimelineChart: chart } } })
  await flush()
  return wrapper.text()
}

describe('the live timelines speak the protocol’s words', () => {
  it('PBFT: views and the primary', async () => {
    const text = await timelines('pbft', 'en')
    expect(text).toContain('Roles and views per replica')
    expect(text).toContain('View changes per minute')
    expect(text).toContain('no primary')
    expect(text).not.toMatch(/Roles and terms|Term changes|no leader/)
  })

  it('PBFT in Korean', async () => {
    const text = await timelines('pbft', 'ko')
    expect(text).toContain('복제본별 역할과 view')
    expect(text).toContain('프라이머리 없음')
  })

  it('Raft keeps terms and the leader', async () => {
    const text = await timelines('raft', 'en')
    expect(text).toContain('Roles and terms per node')
    expect(text).toContain('no leader')
  })

  it('every message that names the term or the leader, and its PBFT sibling, exists in both languages', () => {
    const lookup = (messages: object, key: string): unknown => key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], messages)
    const keys = [...Object.entries(viewKeys), ...Object.entries(primaryKeys)].flat()
    expect(keys.filter((key) => typeof lookup(en, key) !== 'string' || typeof lookup(ko, key) !== 'string')).toEqual([])
  })
})
