/**
 * The lists the rest of the lab keeps about protocols (names, Byzantine kinds, mutation flags, read
 * modes, option defaults, injector actions) are derived from the descriptors in
 * protocols/registry.ts; this fails when any of them drifts from what the descriptors state.
 */
import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { byzantineKindNames, byzantineKindsOf, injectorActionsFor, readModes } from '../../src-main/api/experiment.js'
import { validateExperiment } from '../../src-main/api/validate.js'
import { protocolNames, descriptorOf, type ProtocolName } from '../../src-main/protocols/registry.js'
import { protocolNames as checkerProtocolNames } from '../../src-main/api/protocol-names.js'
import { raftMutationNames } from '../../src-main/protocols/raft/options.js'
import { traceInvariantNames } from '../../src-main/protocols/descriptor.js'
import { checkInvariants } from '../../src-main/checker/invariants.js'
import { Simulation } from '../../src-main/sim/index.js'
import { adapterFor } from '../../src-main/replica/adapters.js'
import { allowedActions } from '../../src-renderer/src/composables/useFaultInjector.js'

/** Four nodes, so PBFT (n >= 3f + 1) takes a liar too. */
function experiment(protocol: string, cluster: Record<string, unknown> = {}): Record<string, unknown> {
  return { protocol, cluster: { nodes: 4, ...cluster }, workload: { duration: '2s', clients: 2 } }
}

/** With their types erased, as the rest of the lab reads them. */
const protocols = protocolNames.map((name) => descriptorOf(name))

function errorsOf(input: Record<string, unknown>): string[] {
  const result = validateExperiment(input)
  return result.ok ? [] : result.errors.map((error) => `${error.path}: ${error.message}`)
}

describe('the registry', () => {
  it('holds each protocol once, in its own folder', () => {
    expect(new Set(protocolNames).size).toBe(protocolNames.length)
    for (const name of protocolNames) expect(existsSync(new URL(`../../src-main/protocols/${name}/protocol.ts`, import.meta.url))).toBe(true)
    expect(() => descriptorOf('paxos')).toThrow(/unknown protocol "paxos": expected one of raft, pbft, primary-backup, parallel-raft/)
  })

  it('is the list `lab check` reads experiment.json against (kept apart so the checker loads no schema library)', () => {
    expect([...checkerProtocolNames]).toEqual([...protocolNames])
  })

  it('is the experiment schema’s list of protocols', () => {
    for (const name of protocolNames) expect(errorsOf(experiment(name))).toEqual([])
    expect(errorsOf(experiment('paxos'))).toEqual([`protocol: expected one of ${protocolNames.join(', ')}, got "paxos"`])
  })

  it('gives each protocol exactly its own Byzantine kinds, in validation and in the injector', () => {
    const everyKind = [...new Set(protocols.flatMap((descriptor) => descriptor.byzantine?.kinds ?? []))]
    expect([...byzantineKindNames].sort()).toEqual([...everyKind].sort())
    for (const descriptor of protocols) {
      const own: readonly string[] = descriptor.byzantine?.kinds ?? []
      expect(byzantineKindsOf(descriptor.name)).toEqual(own)
      for (const kind of everyKind) {
        const errors = errorsOf(experiment(descriptor.name, { byzantine: { A: kind } }))
        if (own.includes(kind)) expect(errors, `${descriptor.name} ${kind}`).toEqual([])
        else expect(errors.some((error) => error.startsWith('cluster.byzantine.A:')), `${descriptor.name} ${kind}: ${errors.join('; ')}`).toBe(true)
      }
      const up = allowedActions('up', descriptor.name)
      expect(up.has('campaign')).toBe(descriptor.host.campaignInput !== undefined)
      expect(injectorActionsFor(descriptor.name).includes('byzantine')).toBe(own.length > 0)
    }
  })

  it('names every mutation flag the cores have, and the simulator takes exactly those', () => {
    expect(descriptorOf('raft').mutations).toEqual(raftMutationNames)
    for (const descriptor of protocols) {
      for (const mutation of descriptor.mutations) expect(() => new Simulation({ protocol: descriptor.name as ProtocolName, seed: 1, mutations: [mutation] })).not.toThrow()
      expect(() => new Simulation({ protocol: descriptor.name as ProtocolName, seed: 1, mutations: ['noSuchBug'] })).toThrow(/unknown mutation "noSuchBug"/)
    }
  })

  it('is the experiment schema’s list of read modes, and each protocol reports a mode it lists', () => {
    const raft = descriptorOf('raft')
    expect(readModes).toEqual(raft.reads.modes)
    for (const mode of raft.reads.modes) expect(errorsOf(experiment('raft', { readMode: mode, checkQuorum: true }))).toEqual([])
    expect(errorsOf(experiment('raft', { readMode: 'gossip' }))[0]).toMatch(/^cluster\.readMode:/)
    for (const descriptor of protocols) {
      const options = descriptor.options.schema.parse({})
      const settings = descriptor.settingsOf(options, { nodes: ['A', 'B', 'C', 'D'], tickMs: 5 })
      expect(descriptor.reads.modes).toContain(descriptor.reads.modeOf(settings))
    }
  })

  it('has the defaults the experiment schema fills in', () => {
    for (const descriptor of protocols) {
      const result = validateExperiment(experiment(descriptor.name))
      if (!result.ok) throw new Error(JSON.stringify(result.errors))
      const cluster = result.experiment.cluster as unknown as Record<string, unknown>
      const defaults = descriptor.options.schema.parse({}) as Record<string, unknown>
      for (const [field, value] of Object.entries(defaults)) {
        // PBFT's f defaults to the most n tolerates: the experiment resolves it from the nodes.
        if (value === undefined) continue
        expect(cluster[field], `${descriptor.name} cluster.${field}`).toEqual(value)
      }
    }
  })

  it('is what the checker holds each protocol to, in the protocol’s words', () => {
    for (const descriptor of protocols) {
      const trace = [
        { t: 1, node: 'A', kind: 'role' as const, role: descriptor.leaderRoles[0]!, term: 1 },
        { t: 2, node: 'B', kind: 'role' as const, role: descriptor.leaderRoles[0]!, term: 1 },
      ]
      const results = checkInvariants({ trace, protocol: descriptor.name as ProtocolName, finalStates: [] })
      const checked = results.map((result) => result.name).filter((name) => (traceInvariantNames as readonly string[]).includes(name))
      expect(checked.sort(), descriptor.name).toEqual([...descriptor.invariants].sort())
      const electionSafety = results.find((result) => result.name === 'election-safety')!
      expect(electionSafety.ok).toBe(false)
      expect(electionSafety.detail).toContain(`${descriptor.vocabulary.term} 1 had two`)
    }
  })

  it('hands the replica the facts its descriptor states', () => {
    for (const descriptor of protocols) {
      const adapter = adapterFor(descriptor.name as never)
      expect(adapter.leaderRoles).toEqual(descriptor.leaderRoles)
      expect(adapter.appliedTermMatters).toBe(descriptor.appliedTermMatters)
      for (const role of descriptor.leaderRoles) expect(descriptor.roles.map((spec) => spec.name)).toContain(role)
    }
  })
})
