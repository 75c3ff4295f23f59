// @vitest-environment happy-dom
/**
 * The Course page says why a teacher's exercise file is invalid in the page's language: a Korean
 * page shows the file's first error in Korean (the YAML parser's complaint included), not the
 * lab's English message.
 */
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import CoursePage from '../../../src-renderer/src/components/course/CoursePage.vue'
import { flush, setupLab } from '../support/mount'
import { freshRepository } from '../support/runs'

const files = [{ file: 'broken.exercise.yaml', text: 'id: broken\ntitle: {en: "x\n' }, { file: 'list.exercise.yaml', text: '- a\n- b\n' }]

async function mountCourse(locale: 'en' | 'ko') {
  freshRepository()
  const lab = setupLab({ listExercises: async () => files }, locale)
  const wrapper = lab.mount(CoursePage)
  await flush()
  return wrapper
}

describe('an invalid exercise file on the Course page', () => {
  it('is explained in Korean on the Korean page', async () => {
    const text = (await mountCourse('ko')).findAll('.field-warning').map((warning) => warning.text())
    expect(text).toHaveLength(2)
    expect(text[0]).toMatch(/broken\.exercise\.yaml.*YAML이나 JSON으로 읽을 수 없습니다: 2번째 줄: /)
    expect(text[1]).toContain('id, title, runs, questions가 있는 매핑이어야 합니다')
    for (const line of text) expect(line).not.toMatch(/not valid YAML|expected an object|Missing closing/)
  })

  it('keeps the English message on the English page', async () => {
    const text = (await mountCourse('en')).findAll('.field-warning').map((warning) => warning.text())
    expect(text[1]).toContain('expected an object with id, title, runs, questions')
  })
})
