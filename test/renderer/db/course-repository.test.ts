/**
 * The course's progress store: predictions are kept as they were before the run, answers can
 * change until the check (which they clear), and a reset forgets the exercise.
 */
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { reactive } from 'vue'
import { RunDatabase } from '../../../src-renderer/src/db/schema'
import { CourseRepository } from '../../../src-renderer/src/db/course-repository'

let databases = 0
const fresh = () => new CourseRepository(new RunDatabase(`course-${process.pid}-${databases++}`))

describe('the course progress store', () => {
  it('keeps the predictions as they were when a run of the exercise started: a later change is refused', async () => {
    const course = fresh()
    await course.setAnswer('leader-crash', 'predict-leaderless', 300, true)
    await course.lockPredictions('leader-crash')
    await expect(course.setAnswer('leader-crash', 'predict-leaderless', 351, true)).rejects.toThrow(/predictions are locked/)
    await course.attachRun('leader-crash', 'main', 'run-1')
    await expect(course.setAnswer('leader-crash', 'predict-lost', 0, true)).rejects.toThrow(/predictions are locked/)
    expect((await course.get('leader-crash'))!.predictions).toEqual({ 'predict-leaderless': 300 })
  })

  it('takes answers after the run, each change clearing the last check', async () => {
    const course = fresh()
    await course.lockPredictions('leader-crash')
    await course.setAnswer('leader-crash', 'new-leader', 'B', false)
    await course.saveCheck('leader-crash', { questions: [], predictions: [], musts: [], runs: [], score: { earned: 0, possible: 0, teacher: 0 } } as never)
    await course.setAnswer('leader-crash', 'new-leader', 'C', false)
    const row = (await course.get('leader-crash'))!
    expect(row.answers).toEqual({ 'new-leader': 'C' })
    expect(row.check).toBeUndefined()
  })

  it('stores a check made from the app’s reactive exercise (Vue proxies inside), as plain data', async () => {
    const course = fresh()
    const exerciseText = reactive({ en: 'a new leader was elected', ko: '새 리더가 뽑힘' })
    const check = { questions: [], predictions: [], musts: [{ text: exerciseText, ok: true }], runs: [], score: { earned: 0, possible: 0, teacher: 0 } }
    await course.saveCheck('leader-crash', check as never)
    expect((await course.get('leader-crash'))!.check!.musts[0]).toEqual({ text: { en: 'a new leader was elected', ko: '새 리더가 뽑힘' }, ok: true })
  })
})
