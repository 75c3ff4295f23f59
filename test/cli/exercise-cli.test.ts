/**
 * `lab exercise list|run|grade` as a teacher and a student use them headless: the course in order,
 * one exercise run on real processes with answers checked against that run and handed in (Korean),
 * the hand-ins of a folder graded to CSV, and a hand-in altered after the check caught.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate'
import { afterAll, describe, expect, it } from 'vitest'
import { repositoryRoot } from '../../src-main/lab/paths.js'

const root = repositoryRoot()
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lab-exercise-cli-'))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

function lab(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, 'out/node/lab.js'), 'exercise', ...args], { encoding: 'utf8', timeout: 150_000, cwd: scratch })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('lab exercise', () => {
  it('lists the exercises in order: the twelve scenarios, then issue 15’s', () => {
    const { code, stdout } = lab('list', '--json')
    expect(code).toBe(0)
    const listed = JSON.parse(stdout) as { id: string; order: number; title: { ko: string } }[]
    expect(listed.map((exercise) => exercise.order)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])
    expect(listed[1]).toMatchObject({ id: 'normal-election', title: { ko: '정상적인 리더 선출' } })
  })

  it('refuses an answer to a question the exercise does not have, and starts nothing', () => {
    const { code, stderr } = lab('run', 'normal-election', '--answer', 'leader-term-9=A', '--runs-dir', path.join(scratch, 'none'))
    expect(code).toBe(2)
    expect(stderr).toMatch(/unknown question leader-term-9: expected one of predict-first-leader, leader-term-1, /)
    expect(fs.existsSync(path.join(scratch, 'none'))).toBe(false)
  })

  const handins = path.join(scratch, 'handins')
  it('runs an exercise, checks the answers against that run (a wrong one with the run’s value), and hands it in', () => {
    fs.mkdirSync(handins)
    const handin = path.join(handins, 'kim.zip')
    const { code, stdout, stderr } = lab(
      'run', '2', '--answer', 'predict-first-leader=B', '--answer', 'leader-term-1=A', '--answer', 'voters=B, C, E', '--answer', 'first-term=7', '--answer', 'why-d=과반은 셋입니다.',
      '--student', '김민준', '--locale', 'ko', '--handin', handin, '--runs-dir', path.join(scratch, 'runs'),
    )
    // --locale ko: the check and the progress are Korean, not only the exercise's own texts.
    expect(stderr).toMatch(/실행 완료/)
    // One answer is wrong: exit 1, and the line says what the run showed and where to see it.
    expect(code, stderr).toBe(1)
    expect(stdout).toContain('2. 정상적인 리더 선출')
    expect(stdout).toMatch(/맞음\s+leader-term-1: A/)
    expect(stdout).toMatch(/틀림\s+first-term: 7 — 실행 결과 1 \(실시간 실행/)
    expect(stdout).toMatch(/교사 채점\s+why-d/)
    expect(stdout).not.toMatch(/\b(right|wrong|teacher|score)\b/)
    const files = unzipSync(new Uint8Array(fs.readFileSync(handin)))
    expect(JSON.parse(strFromU8(files['handin.json']!))).toMatchObject({ student: '김민준', exercise: { id: 'normal-election' } })
    expect(strFromU8(files['report.html']!)).toContain('정상적인 리더 선출')
  }, 150_000)

  it('grades a folder of hand-ins to CSV, and flags one altered after its check', () => {
    const csv = path.join(scratch, 'grades.csv')
    const clean = lab('grade', handins, '--csv', csv)
    expect(clean.code, clean.stderr).toBe(0)
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatch(/^김민준,normal-election,kim\.zip,ok,/)

    const files = unzipSync(new Uint8Array(fs.readFileSync(path.join(handins, 'kim.zip'))))
    const manifest = JSON.parse(strFromU8(files['handin.json']!))
    manifest.answers['first-term'] = 1
    files['handin.json'] = strToU8(JSON.stringify(manifest))
    fs.writeFileSync(path.join(handins, 'kim-fixed.zip'), zipSync(files))
    const altered = lab('grade', handins)
    expect(altered.code).toBe(1)
    expect(altered.stdout).toMatch(/김민준 {2}normal-election {2}ALTERED .*\(kim-fixed\.zip\)/)
    expect(altered.stdout).toMatch(/김민준 {2}normal-election {2}OK .*\(kim\.zip\)/)
  })
})
