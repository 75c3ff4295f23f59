/**
 * A YAML syntax error points at its own line: the line the mistake is on (an unclosed quote or
 * bracket: where it opened, not where the text ran out), in the error text the CLI and the app
 * print and in the editor's marked line.
 */
import { describe, expect, it } from 'vitest'
import { validateExperimentText } from '../../src-main/api/validate.js'
import { validateExerciseText } from '../../src-main/api/exercise/validate.js'
import { readDraft } from '../../src-renderer/src/experiment/draft.js'

const cases: [name: string, text: string, line: number][] = [
  ['an unclosed double quote', 'name: demo\nprotocol: raft\ndescription: "abc\ncluster:\n  nodes: 3\n', 3],
  ['an unclosed single quote', "name: demo\ndescription: 'abc\ncluster:\n  nodes: 3\n", 2],
  ['an unclosed flow mapping', 'name: demo\ncluster: {nodes: 3\nworkload:\n  duration: 2s\n', 2],
  ['an unclosed flow sequence', 'name: demo\nfaults: [a, b\nworkload:\n  duration: 2s\n', 2],
  ['a key without its colon', 'name: demo\nprotocol raft\ncluster:\n  nodes: 3\n', 2],
  ['a tab as indentation', 'name: demo\nprotocol: raft\ncluster:\n\tnodes: 3\n', 4],
  ['a key given twice', 'name: demo\nprotocol: raft\nname: x\n', 3],
  ['a line dedented into nothing', 'cluster:\n    nodes: 3\n  tickMs: 5\n', 3],
]

describe('a YAML syntax error points at its own line', () => {
  it.each(cases)('%s: the error text names the line', (_name, text, line) => {
    const result = validateExperimentText(text)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.errors).toHaveLength(1)
    expect(result.errors[0]!.message).toMatch(new RegExp(`^not valid YAML or JSON: line ${line}: `))
  })

  it.each(cases)('%s: the editor marks that line', (_name, text, line) => {
    expect(readDraft(text).parseError?.line).toBe(line)
  })

  it('an exercise file\'s syntax error names its line too', () => {
    const result = validateExerciseText('id: demo\ntitle: {en: "x", ko: "y"\ngoal: z\n')
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.errors[0]!.message).toMatch(/^not valid YAML or JSON: line 2: /)
  })
})
