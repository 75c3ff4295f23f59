import { describe, expect, it } from 'vitest'
import { validateExperimentText } from '../../../src-main/api/validate'
import {
  addNode,
  errorLine,
  errorsAt,
  nextNodeName,
  nodeNameProblem,
  pbftFaultsTolerated,
  pbftReplicasNeeded,
  readDraft,
  removeNode,
  renameNode,
  setField,
  setNodeCount,
  setLinkConditions,
  linkOverridesBetween,
} from '../../../src-renderer/src/experiment/draft'
import { copyFileName, newFileName, newExperimentText } from '../../../src-renderer/src/experiment/template'

const template = newExperimentText({ name: 'demo', description: 'a demo', comment: 'keep this comment' })
const ok = (result: { ok: true; text: string } | { ok: false; error: string }) => {
  if (!result.ok) throw new Error(`edit refused: ${result.error}`)
  return result.text
}

describe('the canvas and the text edit the same experiment', () => {
  it('the new-experiment template is valid', () => {
    expect(validateExperimentText(template).ok).toBe(true)
    expect(readDraft(template)).toMatchObject({ protocol: 'raft', nodes: ['A', 'B', 'C'], nodesForm: 'count' })
  })

  it('adding nodes keeps the count form and the comments', () => {
    const text = ok(addNode(ok(addNode(template))))
    expect(readDraft(text).nodes).toEqual(['A', 'B', 'C', 'D', 'E'])
    expect(text).toContain('nodes: 5')
    expect(text).toContain('# keep this comment')
    expect(validateExperimentText(text).ok).toBe(true)
  })

  it('removing or renaming turns the count into names, and renaming follows the fault schedule', () => {
    const withFaults = `${template.replace('faults: []', 'faults:\n  - { at: 2s, crash: B }\n  - { at: 3s, partition: [[A, B], [C]] }')}`
    const removed = ok(removeNode(withFaults, 'C'))
    expect(readDraft(removed)).toMatchObject({ nodes: ['A', 'B'], nodesForm: 'list' })
    const renamed = ok(renameNode(withFaults, 'B', 'Busan'))
    expect(readDraft(renamed).nodes).toEqual(['A', 'Busan', 'C'])
    expect(renamed).toContain('crash: Busan')
    expect(renamed).toMatch(/partition: \[\s*\[\s*A, Busan\s*\]/)
    expect(validateExperimentText(renamed).ok).toBe(true)
  })

  it('refuses duplicate, reserved and malformed names and says why', () => {
    expect(renameNode(template, 'A', 'B')).toEqual({ ok: false, error: 'nodeName.duplicate' })
    expect(nodeNameProblem('leader', ['A'])).toBe('nodeName.reserved')
    expect(nodeNameProblem('no spaces', ['A'])).toBe('nodeName.pattern')
    expect(nodeNameProblem('A', ['A', 'B'], 'A')).toBeUndefined()
  })

  it('refuses edits while the text is not YAML, and bounds the node count', () => {
    expect(addNode('cluster: [')).toEqual({ ok: false, error: 'fixTextFirst' })
    expect(setNodeCount(template, 16)).toEqual({ ok: false, error: 'nodes.max' })
    expect(removeNode(ok(setNodeCount(template, 1)), 'A')).toEqual({ ok: false, error: 'nodes.min' })
    expect(readDraft('cluster: [').parseError?.line).toBe(1)
  })

  it('writes lists in flow style and numbers as numbers', () => {
    const text = ok(setField(template, ['cluster', 'electionTimeoutMs'], [300, 600]))
    expect(text).toContain('electionTimeoutMs: [ 300, 600 ]')
    const delayed = ok(setField(text, ['network', 'delayMs'], 25))
    expect(readDraft(delayed).network.delayMs).toBe(25)
  })

  it('puts a schema error at the line of its field', () => {
    const text = ok(setField(template, ['cluster', 'heartbeatMs'], 'fast'))
    const result = validateExperimentText(text)
    expect(result.ok).toBe(false)
    if (result.ok) return
    const error = errorsAt(result.errors, 'cluster.heartbeatMs')[0]
    expect(error.message).toMatch(/expected a positive number/)
    const line = text.split('\n').findIndex((l) => l.includes('heartbeatMs')) + 1
    expect(errorLine(text, error.path)).toBe(line)
    // an absent field points at its nearest parent
    expect(errorLine(template, 'workload.rate')).toBe(template.split('\n').findIndex((l) => l.startsWith('workload:')) + 1)
  })

  it('keeps per-link conditions as initial link faults, in both directions, and removes them again', () => {
    const text = ok(setLinkConditions(template, 'A', 'B', { delayMs: 40, loss: 0.1 }))
    expect(text).toContain('- { at: 0s, link: { from: A, to: B, delayMs: 40, loss: 0.1 } }')
    expect(text).toContain('- { at: 0s, link: { from: B, to: A, delayMs: 40, loss: 0.1 } }')
    const result = validateExperimentText(text)
    expect(result.ok).toBe(true)
    const links = readDraft(text).links
    expect(linkOverridesBetween(links, 'B', 'A').map((link) => [link.from, link.to, link.conditions])).toEqual([
      ['A', 'B', { delayMs: 40, loss: 0.1 }],
      ['B', 'A', { delayMs: 40, loss: 0.1 }],
    ])
    const changed = ok(setLinkConditions(text, 'B', 'A', { delayMs: 80 }))
    expect(readDraft(changed).links).toHaveLength(2)
    expect(readDraft(changed).links[0].conditions).toEqual({ delayMs: 80 })
    expect(readDraft(ok(setLinkConditions(changed, 'A', 'B', undefined))).links).toEqual([])
  })

  it('renames and removes nodes inside link conditions too', () => {
    const text = ok(setLinkConditions(template, 'A', 'B', { delayMs: 40 }))
    const renamed = ok(renameNode(text, 'B', 'Busan'))
    expect(readDraft(renamed).links.map((link) => `${link.from}>${link.to}`)).toEqual(['A>Busan', 'Busan>A'])
    expect(validateExperimentText(renamed).ok).toBe(true)
    const removed = ok(removeNode(text, 'A'))
    expect(readDraft(removed).links).toEqual([])
    expect(validateExperimentText(removed).ok).toBe(true)
  })

  it('knows what PBFT needs', () => {
    expect(pbftReplicasNeeded(2)).toBe(7)
    expect(pbftFaultsTolerated(7)).toBe(2)
    expect(pbftFaultsTolerated(6)).toBe(1)
    expect(pbftFaultsTolerated(3)).toBe(0)
  })

  it('names new nodes and copies sensibly', () => {
    expect(nextNodeName(['A', 'B', 'D'])).toBe('C')
    expect(copyFileName('Split brain (Raft)', ['split-brain-raft-copy.yaml'])).toBe('split-brain-raft-copy-2.yaml')
    expect(newFileName('My experiment', [])).toBe('my-experiment.yaml')
    expect(newFileName('My experiment', ['my-experiment.yaml'])).toBe('my-experiment-2.yaml')
  })
})
