/**
 * The Library lists the experiments in the course's order: scenario 1 to 12 (as each bundled
 * file's description opens, "Scenario N, ..."), then the rest by name; not alphabetically.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import type { ExperimentFile } from '../../../src-main/api/lab-api'
import { inLibraryOrder, scenarioOf } from '../../../src-renderer/src/experiment/library-order'
import { useLibraryStore } from '../../../src-renderer/src/stores/library'
import { setupLab } from '../support/mount'

const dir = path.resolve(import.meta.dirname, '../../../experiments')
const bundled: ExperimentFile[] = readdirSync(dir)
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => {
    const text = readFileSync(path.join(dir, file), 'utf8')
    const parsed = parse(text) as { name: string; description: string; protocol: string }
    return { file, name: parsed.name, description: parsed.description, protocol: parsed.protocol, nodes: 3, text, source: 'bundled' }
  })

describe('the Library order', () => {
  it('lists the bundled experiments by scenario, 1 to 12, then the rest by name', () => {
    const ordered = inLibraryOrder(bundled)
    const scenarios = ordered.map((file) => scenarioOf(file.description))
    const numbered = scenarios.filter((scenario): scenario is number => scenario !== undefined)
    expect(new Set(numbered)).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))
    expect(numbered).toEqual([...numbered].sort((a, b) => a - b))
    // Every numbered file comes before every file without a scenario.
    expect(scenarios.slice(0, numbered.length).every((scenario) => scenario !== undefined)).toBe(true)
    const rest = ordered.slice(numbered.length).map((file) => file.file)
    expect(rest).toEqual([...rest].sort())
    expect(ordered[0]!.file).toMatch(/^split-brain-/)
  })

  it('reads the scenario from the description, and only from its opening words', () => {
    expect(scenarioOf('Scenario 12, consistency vs speed of reads')).toBe(12)
    expect(scenarioOf('  Scenario 8 done by hand (course exercise 8).')).toBe(8)
    expect(scenarioOf('Three Raft nodes; unlike scenario 6, nothing breaks.')).toBeUndefined()
    expect(scenarioOf('Scenario 123')).toBeUndefined()
  })

  it('keeps a saved copy of a scenario beside the others of its scenario', () => {
    const saved = (file: string, description: string): ExperimentFile => ({ file, name: file, description, protocol: 'raft', nodes: 3, text: '', source: 'user' })
    const ordered = inLibraryOrder([saved('zz.yaml', 'mine'), saved('b.yaml', 'Scenario 6, my variant'), saved('a.yaml', 'Scenario 2, again')])
    expect(ordered.map((file) => file.file)).toEqual(['a.yaml', 'b.yaml', 'zz.yaml'])
  })

  it('is the order the Library page shows (the store), whatever order the lab lists the files in', async () => {
    const alphabetical = [...bundled].sort((a, b) => a.file.localeCompare(b.file))
    setupLab({ listExperiments: async () => alphabetical })
    const library = useLibraryStore()
    await library.refresh()
    expect(library.bundled.map((file) => file.file)).toEqual(inLibraryOrder(bundled).map((file) => file.file))
  })
})
