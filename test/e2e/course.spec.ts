/**
 * A student walks exercise 6 (leader crash) of the course in Korean, in Chromium on a machine with
 * no Korean font of its own (Hangul comes from the Noto Sans KR the app ships): predicts, makes the
 * run, crashes the leader and restarts it by hand while the steps tick off, answers (some right,
 * some wrong), sees the answers checked against their own run, hands in, and the teacher's Grading
 * page grades the hand-in.
 */
import fs from 'node:fs'
import { strFromU8, unzipSync } from 'fflate'
import { expect, test, type Page } from '@playwright/test'
import { startLabServer, type LabServer } from './fixtures/lab-server'
import { screenshot } from './flows/raft-failover'

let lab: LabServer | undefined

test.afterEach(async ({}, testInfo) => {
  if (lab) await testInfo.attach('lab-server.log', { body: lab.output(), contentType: 'text/plain' })
  await lab?.stop()
  lab = undefined
})

/** Time the header shows for the live run (mm:ss.s, from the cluster's start), in ms. */
async function runTimeMs(page: Page): Promise<number> {
  const text = (await page.getByTestId('header-run').locator('.mono').textContent()) ?? ''
  const match = /(\d+):(\d+(?:\.\d)?)/.exec(text)
  return match ? (Number(match[1]) * 60 + Number(match[2])) * 1000 : -1
}

test('a student walks the leader-crash exercise in Korean and hands it in; the teacher grades it', async ({ page }, testInfo) => {
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  lab = await startLabServer()
  await page.goto(lab.url)
  await page.getByTestId('language').selectOption('ko')

  // The course: the twelve scenarios and issue 15's four, in order, none started.
  await page.getByRole('link', { name: '과정' }).click()
  await expect(page.getByRole('heading', { name: '과정: 연습 16개' })).toBeVisible()
  await expect(page.locator('[data-testid^="exercise-"]')).toHaveCount(16)
  await expect(page.getByTestId('status-leader-crash')).toHaveAttribute('data-status', 'not-started')
  // Hangul is drawn with the shipped font: no Korean font is installed on the test machine.
  await expect.poll(() => page.evaluate(() => [...document.fonts].some((face) => face.family.replace(/"/g, '') === 'Noto Sans KR' && face.status === 'loaded'))).toBe(true)
  await screenshot(page, testInfo, '01-course-ko')

  await page.getByTestId('exercise-leader-crash').getByRole('button', { name: '열기' }).click()
  await expect(page.getByRole('heading', { name: '6. 리더 장애와 페일오버' })).toBeVisible()

  // Predict first; the predictions are locked once the run starts.
  await page.locator('#answer-predict-leaderless').fill('300')
  await page.locator('#answer-predict-leaderless').press('Tab')
  await page.locator('#answer-predict-lost').fill('0')
  await page.locator('#answer-predict-lost').press('Tab')
  await expect(page.getByTestId('exercise-status')).toHaveAttribute('data-status', 'in-progress')
  await screenshot(page, testInfo, '02-exercise-predicted')

  // The run, beside the text; the two by-hand steps are still to do.
  await page.getByTestId('start-main').click()
  await expect(page.locator('#answer-predict-leaderless')).toBeDisabled()
  await expect(page.getByTestId('step-crash-leader')).toHaveAttribute('data-done', 'false')
  const injector = page.getByTestId('fault-injector')
  await expect(injector.locator('[data-role="leader"]')).toHaveCount(1, { timeout: 30_000 })
  // The step asks for the crash once requests flow, after 1.5 s of the run (the header's clock counts
  // from the cluster's start, earlier still; the check after the run enforces the 1.5 s below).
  await expect.poll(() => runTimeMs(page), { timeout: 30_000 }).toBeGreaterThan(1700)
  const firstLeader = (await injector.locator('[data-role="leader"]').getAttribute('data-testid'))!.replace(/^node-/, '')
  await injector.getByTestId('crash-leader').click()
  await expect(page.getByTestId('step-crash-leader')).toHaveAttribute('data-done', 'true')
  const crashedAtMs = await runTimeMs(page)
  await screenshot(page, testInfo, '03-crashed-step-ticked')

  // About 1.5 s later, restart the crashed node: select it, then 다시 시작.
  await expect.poll(() => runTimeMs(page), { timeout: 30_000 }).toBeGreaterThan(crashedAtMs + 1700)
  await injector.getByTestId(`node-${firstLeader}`).click()
  await injector.getByTestId('inject-restart').click()
  await expect(page.getByTestId('step-restart')).toHaveAttribute('data-done', 'true', { timeout: 30_000 })
  const newLeader = injector.locator('[data-role="leader"]')
  await expect(newLeader).toHaveCount(1, { timeout: 30_000 })
  const secondLeader = (await newLeader.getAttribute('data-testid'))!.replace(/^node-/, '')
  expect(secondLeader).not.toBe(firstLeader)

  // The run ends and is kept with the exercise.
  await expect(page.getByTestId('run-slot-main').getByTestId('run-made')).toContainText('실행함', { timeout: 60_000 })
  // Checked when the run ends: the stored run is loaded back and measured (slow on a loaded machine).
  const checkedOrToasts = async () => ((await page.getByTestId('prediction-result').count()) > 0 ? 'checked' : (await page.getByTestId('toast').allTextContents()).join(' | ') || 'nothing yet')
  await expect.poll(checkedOrToasts, { timeout: 60_000, intervals: [250] }).toBe('checked')
  await expect(page.getByTestId('prediction-result').first()).toContainText('실제 결과')
  await expect(page.getByTestId('step-crash-leader')).toHaveAttribute('data-done', 'true')
  await expect(page.getByTestId('step-restart')).toHaveAttribute('data-done', 'true')

  // Answers: the new leader, nothing lost, linearizable (right); term 1 and 99 s without a leader (wrong).
  const answer = async (id: string, value: string) => {
    const field = page.locator(`#answer-${id}`)
    if ((await field.evaluate((element) => element.tagName)) === 'SELECT') await field.selectOption(value)
    else {
      await field.fill(value)
      await field.press('Tab')
    }
  }
  await answer('new-leader', secondLeader)
  await answer('new-term', '1')
  await answer('leaderless', '99000')
  await answer('lost', '0')
  await answer('linearizable', 'yes')
  await answer('why-nothing-lost', '리더 완전성: 과반이 가진 엔트리만 커밋되고, 새 리더는 그 과반에서 나옵니다.')
  await page.getByTestId('check-answers').click()
  const result = (id: string) => page.getByTestId(`question-${id}`).getByTestId('question-result')
  await expect(result('new-leader')).toHaveText('맞음', { timeout: 60_000 })
  await expect(result('lost')).toHaveText('맞음')
  await expect(result('linearizable')).toHaveText('맞음')
  await expect(result('new-term')).toHaveText('틀림')
  await expect(page.getByTestId('question-new-term')).toContainText('내 실행 결과는')
  await expect(page.getByTestId('question-new-term')).toContainText('확인할 곳: 실시간 실행')
  await expect(result('leaderless')).toHaveText('틀림')
  await expect(result('why-nothing-lost')).toHaveText('교사 채점')
  await expect(page.getByTestId('score')).toContainText('점수: 5점 중 3점')
  await expect(page.getByTestId('must-0')).toHaveAttribute('data-ok', 'true')
  await expect(page.getByTestId('exercise-status')).toHaveAttribute('data-status', 'checked')
  await page.getByTestId('question-new-term').scrollIntoViewIfNeeded()
  await page.screenshot({ path: testInfo.outputPath('04-checked.png') })
  await testInfo.attach('04-checked', { path: testInfo.outputPath('04-checked.png'), contentType: 'image/png' })

  // Hand in: the .zip holds the answers, the run and the report (HTML and PDF).
  await page.getByTestId('student-name').first().fill('김민준')
  await page.getByTestId('student-name').first().press('Tab')
  const download = page.waitForEvent('download', { timeout: 120_000 })
  await page.getByTestId('make-handin').click()
  const file = testInfo.outputPath('handin.zip')
  await (await download).saveAs(file)
  await expect(page.getByTestId('handin-message')).toContainText('저장했습니다')
  const files = unzipSync(new Uint8Array(fs.readFileSync(file)))
  const manifest = JSON.parse(strFromU8(files['handin.json']!))
  expect(manifest).toMatchObject({ student: '김민준', locale: 'ko', exercise: { id: 'leader-crash' } })
  expect(Object.keys(files).some((name) => name.startsWith('runs/'))).toBe(true)
  expect(files['report.pdf']?.length).toBeGreaterThan(0)

  // The report, as the teacher opens it: Korean text in the embedded font.
  const report = await page.context().newPage()
  await report.setContent(strFromU8(files['report.html']!))
  await expect(report.locator('body')).toContainText('김민준')
  await expect(report.locator('body')).toContainText('리더 장애와 페일오버')
  await screenshot(report, testInfo, '05-handin-report')
  await report.close()

  // The teacher's page grades it: the same results, nothing altered.
  await page.getByRole('link', { name: '채점' }).click()
  await page.getByTestId('grading-files').setInputFiles(file)
  const row = page.getByTestId('grades').locator('tbody tr')
  await expect(row).toHaveCount(1)
  await expect(row).toHaveAttribute('data-integrity', 'ok')
  await expect(row).toContainText('김민준')
  await screenshot(page, testInfo, '06-grading')
  expect(problems).toEqual([])
})
