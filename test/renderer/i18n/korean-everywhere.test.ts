/**
 * Korean everywhere: every message has its Korean in Hangul (names and units aside), and no
 * component template shows English text of its own that bypasses the messages.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { parse, compileTemplate } from 'vue/compiler-sfc'
import { describe, expect, it } from 'vitest'
import { ko } from '../../../src-renderer/src/i18n/ko'
import { validateExperimentText } from '../../../src-main/api/validate'
import { chartFontFamily } from '../../../src-renderer/src/charts/common'
import { invariantTexts } from '../../../src-main/api/report/invariant-text'
import { traceInvariantNames } from '../../../src-main/protocols/descriptor'
import { descriptorOf, protocolNames } from '../../../src-main/protocols/registry'

const hangul = /[\uac00-\ud7a3]/
/** Names and units that read the same in Korean. */
const sameInKorean = new Set(['words.view.term', 'app.title', 'report.format.html', 'report.format.md', 'report.format.csv', 'report.format.json', 'report.format.pdf', 'course.durationHint', 'language.en', 'protocol.raft', 'protocol.pbft', 'optionChoice.readMode.readindex', 'chart.term', 'chart.ms'])

function entries(messages: object, prefix = ''): [string, string][] {
  return Object.entries(messages).flatMap(([key, value]) => (typeof value === 'object' ? entries(value, `${prefix}${key}.`) : [[`${prefix}${key}`, value as string] as [string, string]]))
}

function vueFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry)
    return statSync(full).isDirectory() ? vueFiles(full) : entry.endsWith('.vue') ? [full] : []
  })
}

interface TemplateNode {
  type: number
  content?: string | TemplateNode
  children?: TemplateNode[]
  branches?: TemplateNode[]
}

/** Literal text of a template (type 2 nodes), where a person would read it. */
function literalTexts(node: TemplateNode, out: string[] = []): string[] {
  if (node.type === 2 && typeof node.content === 'string') out.push(node.content.trim())
  for (const child of node.children ?? []) literalTexts(child, out)
  for (const branch of node.branches ?? []) literalTexts(branch, out)
  return out
}

/** Text that is the same in any language: percentile names, units (s, /s, ms), symbols. */
const neutralText = /^([^A-Za-z]*|p50 \/ p99|ID|ms|s|\/s)$/

describe('Korean everywhere', () => {
  it('gives every message its Korean in Hangul', () => {
    const missing = entries(ko).filter(([key, text]) => !sameInKorean.has(key) && !hangul.test(text))
    expect(missing).toEqual([])
  })

  it('describes every shipped experiment (the scenarios) in Korean too', () => {
    const dir = path.resolve(import.meta.dirname, '../../../experiments')
    const untranslated = readdirSync(dir)
      .filter((file) => file.endsWith('.yaml'))
      .filter((file) => {
        const result = validateExperimentText(readFileSync(path.join(dir, file), 'utf8'))
        return !result.ok || !hangul.test(result.experiment.descriptionKo ?? '')
      })
    expect(untranslated).toEqual([])
  })

  it('names every verdict invariant and its rule in Korean (the run view and the reports share them)', () => {
    const names = [...traceInvariantNames, 'replicas-healthy', 'acknowledged-writes-kept', 'watch-complete', 'lease-expiry', 'live-leases-kept']
    const untranslated = names.filter((name) => !hangul.test(invariantTexts[name]?.title.ko ?? '') || !hangul.test(invariantTexts[name]?.explain.ko ?? ''))
    expect(untranslated).toEqual([])
  })

  it('says every role a protocol reports in Korean (the canvas, the role lanes)', () => {
    const roles = [...new Set(protocolNames.flatMap((name) => descriptorOf(name).roles.map((role) => role.name)))]
    expect(roles.filter((role) => !hangul.test((ko.roleName as Record<string, string>)[role] ?? ''))).toEqual([])
  })

  it('labels and explains every protocol option the design form shows in Korean (its descriptor’s options.form; the messages, else the field’s own text.ko)', () => {
    const messages = ko as unknown as { option: Record<string, string>; optionHelp: Record<string, string>; optionChoice: Record<string, Record<string, string>> }
    const untranslated = protocolNames.flatMap((name) =>
      descriptorOf(name).options.form.flatMap((field) => {
        const own = field.text?.ko
        const words = [messages.option[field.field] ?? own?.label, messages.optionHelp[field.field] ?? own?.help, ...(field.input === 'choice' ? field.choices.filter((choice) => choice !== 'readindex').map((choice) => messages.optionChoice[field.field]?.[choice]) : [])]
        return words.some((text) => !hangul.test(text ?? '')) ? [`${name}.${field.field}`] : []
      }),
    )
    expect(untranslated).toEqual([])
  })

  it('draws Hangul with the shipped font wherever text is drawn: every CSS font stack and the charts’ canvas name Noto Sans KR', () => {
    const css = readFileSync(path.resolve(import.meta.dirname, '../../../src-renderer/src/styles.css'), 'utf8')
    const stacks = [...css.matchAll(/(?:font-family|--mono):\s*([^;]+);/g)].map((match) => match[1]!).filter((stack) => !stack.startsWith('var('))
    expect(stacks.length).toBeGreaterThan(0)
    expect(stacks.filter((stack) => !stack.includes("'Noto Sans KR'"))).toEqual([])
    expect(chartFontFamily).toContain("'Noto Sans KR'")
  })

  it('shows no English of a component’s own: every word goes through the messages', () => {
    const root = path.resolve(import.meta.dirname, '../../../src-renderer/src')
    const found: string[] = []
    for (const file of vueFiles(root)) {
      const { descriptor } = parse(readFileSync(file, 'utf8'), { filename: file })
      if (!descriptor.template) continue
      const { ast } = compileTemplate({ source: descriptor.template.content, filename: file, id: 'x' })
      for (const text of literalTexts(ast as unknown as TemplateNode)) if (text && !neutralText.test(text)) found.push(`${path.relative(root, file)}: ${JSON.stringify(text)}`)
    }
    expect(found).toEqual([])
  })
})
