import { describe, expect, it } from 'vitest'
import { createLabI18n } from '../../../src-renderer/src/i18n'
import { describeEvent } from '../../../src-renderer/src/live/describe-event'
import type { TraceEvent } from '../../../src-main/api/trace'

describe("the event log's words for a replica process", () => {
  const removed: TraceEvent = { t: 2390, node: 'E', kind: 'process', state: 'removed', detail: 'removeNode' }
  it('says every process state in the page language, a node removed from the cluster too', () => {
    for (const locale of ['en', 'ko'] as const) {
      const { t } = createLabI18n(locale).global
      const text = describeEvent(removed, t as never)
      expect(text).not.toMatch(/\bremoved\b(?! from)/)
      expect(text).not.toContain('process.')
    }
    expect(describeEvent(removed, createLabI18n('en').global.t as never)).toBe('process removed from the cluster removeNode')
    expect(describeEvent(removed, createLabI18n('ko').global.t as never)).toBe('프로세스 클러스터에서 제거됨 removeNode')
    expect(describeEvent({ ...removed, state: 'resumed' }, createLabI18n('ko').global.t as never)).toBe('프로세스 재개됨 removeNode')
  })
})
