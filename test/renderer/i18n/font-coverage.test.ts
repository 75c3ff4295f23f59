/**
 * The shipped Noto Sans KR covers every Korean UI string: each Hangul (and other non-Latin)
 * character of the ko messages, the exercise texts, the scenario descriptions and the lab's own
 * Korean (validation errors, report words, CLI messages in src-main) lies in a slice
 * the app ships, in both weights it ships (regular text and bold buttons, headings). A string
 * added later with a syllable no shipped slice holds would draw as tofu (□) on a machine without
 * a Korean font: this test names the string and the character.
 */
import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { ko } from '../../../src-renderer/src/i18n/ko'
import { appFontWeights } from '../../../src-main/api/report/fonts'
import { shippedSlices } from '../../../src-main/lab/report/fonts'
import { repositoryRoot } from '../../../src-main/lab/paths'

function entries(messages: object, prefix = ''): [string, string][] {
  return Object.entries(messages).flatMap(([key, value]) => (typeof value === 'object' ? entries(value, `${prefix}${key}.`) : [[`${prefix}${key}`, String(value)] as [string, string]]))
}

/** Characters a font must draw: Hangul syllables and jamo, CJK punctuation, full-width forms. */
const needsKoreanFont = /[\u1100-\u11ff\u3000-\u303f\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff\uff00-\uffef]/u

/** Text files beside the code that the app shows in Korean: exercises and experiments. */
function shippedTexts(): [string, string][] {
  const root = repositoryRoot()
  return ['exercises', 'experiments'].flatMap((folder) =>
    fs
      .readdirSync(path.join(root, folder))
      .filter((file) => /\.(ya?ml|json)$/.test(file))
      .map((file) => [`${folder}/${file}`, fs.readFileSync(path.join(root, folder, file), 'utf8')] as [string, string]),
  )
}

/**
 * The Korean written in the lab's own code, which reaches the page, the HTML and PDF reports and
 * the hand-ins: validation errors (api/validation-text.ts), report and chart words, the CLI's
 * messages. Read from the sources, so a string added anywhere there is covered without a list.
 */
function sourceTexts(): [string, string][] {
  const root = repositoryRoot()
  return ['src-main/api', 'src-main/lab', 'src-main/cli'].flatMap((folder) =>
    (fs.readdirSync(path.join(root, folder), { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts'))
      .map((file) => [`${folder}/${file}`, fs.readFileSync(path.join(root, folder, file), 'utf8')] as [string, string]),
  )
}

describe('the shipped Korean font covers the UI', () => {
  const slices = shippedSlices()
  for (const weight of appFontWeights) {
    it(`every Korean character of the messages, exercises and experiments is in a shipped slice of weight ${weight}`, () => {
      const ranges = slices.filter((slice) => slice.weight === weight).flatMap((slice) => slice.ranges)
      expect(ranges.length).toBeGreaterThan(0)
      const covered = (codePoint: number) => ranges.some(([from, to]) => codePoint >= from && codePoint <= to)
      const missing: string[] = []
      for (const [key, text] of [...entries(ko), ...shippedTexts(), ...sourceTexts()]) {
        for (const character of new Set(text)) {
          if (needsKoreanFont.test(character) && !covered(character.codePointAt(0)!)) missing.push(`${key}: “${character}” U+${character.codePointAt(0)!.toString(16)}`)
        }
      }
      expect(missing).toEqual([])
    })
  }
})
