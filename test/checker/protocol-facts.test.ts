/**
 * The checker reads leader roles, words and promised invariants from its own zod-free table (so
 * `lab check` starts fast); this fails when that table drifts from the protocols' descriptors.
 */
import { describe, expect, it } from 'vitest'
import { protocolFacts } from '../../src-main/checker/protocol-facts.js'
import { protocolNames as checkerProtocolNames } from '../../src-main/api/protocol-names.js'
import { descriptorOf, protocolNames } from '../../src-main/protocols/registry.js'

describe("the checker's protocol facts are the descriptors' own", () => {
  it('one entry per protocol the registry lists', () => {
    expect(Object.keys(protocolFacts).sort()).toEqual([...protocolNames].sort())
    expect([...checkerProtocolNames].sort()).toEqual([...protocolNames].sort())
  })

  it.each(protocolNames)('%s: the same leader roles, words and invariants', (name) => {
    const descriptor = descriptorOf(name)
    expect(protocolFacts[name]).toEqual({ leaderRoles: descriptor.leaderRoles, vocabulary: descriptor.vocabulary, invariants: descriptor.invariants })
  })
})
