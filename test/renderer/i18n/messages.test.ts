import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { en } from '../../../src-renderer/src/i18n/en'
import { ko } from '../../../src-renderer/src/i18n/ko'
import { pickLocale } from '../../../src-renderer/src/i18n'
import { nodeActions } from '../../../src-renderer/src/composables/useFaultInjector'
import { byzantineKindNames, protocolNames } from '../../../src-main/api/experiment'
import { appReportFormats } from '../../../src-renderer/src/reports/report-files'
import { verdictKey } from '../../../src-renderer/src/format'
import { exerciseStatuses } from '../../../src-renderer/src/stores/course'

function keys(messages: object, prefix = ''): string[] {
  return Object.entries(messages).flatMap(([key, value]) => (typeof value === 'object' ? keys(value, `${prefix}${key}.`) : [`${prefix}${key}`]))
}

function lookup(messages: object, key: string): unknown {
  return key.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], messages)
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry)
    return statSync(full).isDirectory() ? sources(full) : /\.(vue|ts)$/.test(entry) ? [full] : []
  })
}

describe('English and Korean', () => {
  it('have the same keys, none empty, no stray pipes (vue-i18n plural syntax)', () => {
    expect(keys(ko).sort()).toEqual(keys(en).sort())
    for (const key of keys(en)) {
      for (const messages of [en, ko]) {
        const text = lookup(messages, key) as string
        expect(text.trim(), key).not.toBe('')
        expect(text, key).not.toMatch(/[|@]/)
      }
    }
  })

  it('define every literal key the renderer asks for', () => {
    const root = path.resolve(import.meta.dirname, '../../../src-renderer/src')
    const used = new Set<string>()
    for (const file of sources(root)) {
      const text = readFileSync(file, 'utf8')
      for (const match of text.matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) used.add(match[1])
      for (const match of text.matchAll(/labelKey: '([a-zA-Z0-9_.-]+)'/g)) used.add(match[1])
      for (const match of text.matchAll(/key: '([a-z]+\.[a-zA-Z0-9_.]+)'/g)) used.add(match[1])
    }
    expect(used.size).toBeGreaterThan(100)
    const missing = [...used].filter((key) => typeof lookup(en, key) !== 'string')
    expect(missing).toEqual([])
  })

  it('cover every value shown through a computed key', () => {
    const families: Record<string, readonly string[]> = {
      phase: ['idle', 'starting', 'running', 'stopping', 'ended', 'failed'],
      process: ['starting', 'up', 'crashed', 'paused', 'exited'],
      'injector.action': [...nodeActions, 'byzantine'],
      'injector.kind': byzantineKindNames,
      'membership.member': ['voter', 'learner', 'joining', 'removed'],
      'connection.pill': ['connecting', 'connected', 'lost'],
      'connection.lost.unreachable': ['title', 'body'],
      'connection.lost.rejected': ['title', 'body'],
      'connection.lost.incompatible': ['title', 'body'],
      'verdict.outcome': ['ok', 'bad', 'broken', 'unknown', 'none'],
      'verdict.linearizableValue': ['true', 'false', 'unknown'],
      'sequence.kind': ['delivered', 'dropped', 'open'],
      'design.source': ['bundled', 'user', 'new'],
      legend: ['leader', 'candidate', 'follower', 'paused', 'crashed'],
      protocol: protocolNames,
      verdictWord: ['PASS', 'FAIL', 'UNDECIDED', 'NOT CHECKED', 'INCOMPLETE'].map(verdictKey),
      'runs.import.problem': ['foreign', 'newer', 'corrupt', 'duplicate', 'too-large', 'unreadable'],
      'report.format': appReportFormats,
      'compare.axis': ['latencyLog', 'atOrBelow', 'time', 'opsPerSecond', 'p99'],
      'course.status': exerciseStatuses,
      'course.result': ['right', 'wrong', 'teacher', 'unknown', 'unanswered'],
      'grading.integrityValue': ['ok', 'altered', 'unreadable'],
      edit: ['fixTextFirst', 'nodes.max', 'nodes.min', 'nodeName.pattern', 'nodeName.reserved', 'nodeName.duplicate'],
    }
    const missing = Object.entries(families).flatMap(([family, values]) => values.map((value) => `${family}.${value}`)).filter((key) => typeof lookup(en, key) !== 'string')
    expect(missing).toEqual([])
  })

  it('follow the system language unless the person chose one', () => {
    expect(pickLocale(null, ['ko-KR', 'en-US'])).toBe('ko')
    expect(pickLocale(null, ['de-DE', 'en-GB'])).toBe('en')
    expect(pickLocale(null, ['fr-FR'])).toBe('en')
    expect(pickLocale('en', ['ko-KR'])).toBe('en')
  })
})
