/**
 * The lists the rest of the lab keeps about protocols (names, Byzantine kinds, mutation flags, read
 * modes, option defaults, injector actions) are derived from the descriptors in
 * protocols/registry.ts; this fails when any of them drifts from what the descriptors state.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { byzantineKindNames, byzantineKindsOf, injectorActionsFor, readModes, resolveNode } from '../../src-main/api/experiment.js'
import { experimentJsonSchema } from '../../src-main/api/json-schema.js'
import { protocolNames as checkerProtocolNames } from '../../src-main/api/protocol-names.js'
import { validateExperiment } from '../../src-main/api/validate.js'
import { protocolNames, descriptorOf, type ProtocolName } from '../../src-main/protocols/registry.js'
import { raftMutationNames } from '../../src-main/protocols/raft/options.js'
import { traceInvariantNames } from '../../src-main/protocols/descriptor.js'
import { checkInvariants } from '../../src-main/checker/invariants.js'
import { Simulation } from '../../src-main/sim/index.js'
import { adapterFor } from '../../src-main/replica/adapters.js'
import { replicaConfigSchema } from '../../src-main/replica/config.js'
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

  it('declares Raft\'s snapshot setting (cluster.snapshotEntries, snapshotBytes), with its default, its form field and clear errors', () => {
    const raft = descriptorOf('raft')
    const options = raft.options.schema.parse({}) as { snapshotEntries: number; snapshotBytes: number }
    expect([options.snapshotEntries, options.snapshotBytes]).toEqual([10_000, 64 * 1024 * 1024])
    expect(raft.options.form.map((field) => field.field)).toContain('snapshotEntries')
    expect(errorsOf(experiment('raft', { snapshotEntries: 0, snapshotBytes: 0 }))).toEqual([])
    expect(errorsOf(experiment('raft', { snapshotEntries: -1 }))).toEqual(['cluster.snapshotEntries: expected 0 (never) or more entries'])
    expect(errorsOf(experiment('raft', { snapshotEntries: 2.5 }))).toEqual(['cluster.snapshotEntries: expected a whole number of entries'])
    expect(errorsOf(experiment('raft', { snapshotBytes: 'lots' }))[0]).toMatch(/^cluster\.snapshotBytes:/)
    // The core gets it; MultiRaft groups do not compact (yet).
    const settings = raft.settingsOf(options as never, { nodes: ['A', 'B', 'C'], tickMs: 5 }) as { snapshotEntries: number }
    expect(settings.snapshotEntries).toBe(10_000)
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
      const launch = replicaConfigSchema.parse({ id: 'A', protocol: descriptor.name, members: ['A', 'B', 'C', 'D'], dataDir: '/nonexistent' })
      const adapter = adapterFor({ ...launch, secret: 'a run secret of at least sixteen characters' })
      expect(adapter.readRoute).toBe(descriptor.reads.routeOf(launch.settings))
      expect(adapter.leaderRoles).toEqual(descriptor.leaderRoles)
      expect(adapter.appliedTermMatters).toBe(descriptor.appliedTermMatters)
      for (const role of descriptor.leaderRoles) expect(descriptor.roles.map((spec) => spec.name)).toContain(role)
    }
  })
})

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** Source files of the lab and the renderer, as paths from the repository's root. */
function sourceFiles(): string[] {
  const walk = (directory: string): string[] =>
    readdirSync(path.join(root, directory), { withFileTypes: true }).flatMap((entry) => {
      const relative = path.posix.join(directory, entry.name)
      return entry.isDirectory() ? walk(relative) : /\.(ts|vue)$/.test(entry.name) ? [relative] : []
    })
  return [...walk('src-main'), ...walk('src-renderer/src')]
}

/**
 * Lists of protocol words that may live outside the protocol folders, each for a reason; every
 * other one fails the test below. Their words are still checked against the descriptors.
 */
const listsAllowed: Record<string, string> = {
  'src-main/api/protocol-names.ts': 'the checker loads no schema library (the registry imports zod); kept equal to the registry below',
  'src-main/lab/soak/draw.ts': 'the soak’s own choice of what it draws: which protocols it soaks, which read modes stay linearizable under its faults',
  'src-main/cli/bench.ts': 'a bench suite names the protocols it compares (raft-vs-pbft, raft-vs-parallel-raft)',
  // A false match: role names, which share two words with read modes (follower, primary).
  'src-renderer/src/format.ts': 'the role names the renderer draws (follower, primary are roles here, not read modes)',
  'src-main/api/latency-breakdown.ts': 'the phases are cut from each protocol’s own trace events (Raft’s appends, PBFT’s slots); moving them into the descriptors is still to do',
}

describe('the descriptors are the only lists', () => {
  it('make up the experiment’s cluster fields and the published JSON Schema', () => {
    const common = ['nodes', 'tickMs', 'durability', 'byzantine']
    const declared = new Set([...common, ...protocols.flatMap((descriptor) => Object.keys(descriptor.options.schema.shape))])
    const schema = experimentJsonSchema() as { properties: Record<string, { properties: Record<string, unknown>; enum?: string[] }> }
    const cluster = schema.properties.cluster!.properties
    expect(Object.keys(cluster).sort()).toEqual([...declared].sort())
    expect(schema.properties.protocol!.enum).toEqual([...protocolNames])
    const published = JSON.parse(readFileSync(path.join(root, 'experiments/experiment.schema.json'), 'utf8'))
    expect(Object.keys(published.properties.cluster.properties).sort()).toEqual([...declared].sort())
    expect(JSON.stringify(published.properties.cluster.properties.byzantine)).toContain(JSON.stringify([...byzantineKindNames]))
    expect([...checkerProtocolNames]).toEqual([...protocolNames])
  })

  it('turn an experiment into each node’s settings (resolveNode), the replica’s and the replay’s', () => {
    for (const descriptor of protocols) {
      const result = validateExperiment(experiment(descriptor.name, { tickMs: 10 }))
      if (!result.ok) throw new Error(JSON.stringify(result.errors))
      const options = descriptor.options.schema.parse({})
      const node = resolveNode(result.experiment, 'B')
      expect(node).toMatchObject({ protocol: descriptor.name, id: 'B', members: ['A', 'B', 'C', 'D'], tickMs: 10, liars: [] })
      expect(node.settings).toEqual(descriptor.settingsOf(options, { nodes: ['A', 'B', 'C', 'D'], tickMs: 10 }))
    }
    expect(() => resolveNode({ protocol: 'raft', seed: 1, cluster: { nodes: ['A'], tickMs: 5, byzantine: {} } }, 'Z')).toThrow(/unknown node "Z"/)
  })

  it('leave no list of protocol names, Byzantine kinds, mutations or read modes elsewhere, and no switch on a protocol', () => {
    const words = new Set<string>([
      ...protocolNames,
      ...protocols.flatMap((descriptor) => [...(descriptor.byzantine?.kinds ?? []), ...descriptor.mutations, ...descriptor.reads.modes]),
    ])
    const ownFolders = protocolNames.map((name) => `src-main/protocols/${name}/`)
    const found: string[] = []
    for (const file of sourceFiles()) {
      if (ownFolders.some((folder) => file.startsWith(folder))) continue
      const text = readFileSync(path.join(root, file), 'utf8')
      for (const [, items] of text.matchAll(/\[([^[\]]*)\]/g)) {
        const listed = [...items!.matchAll(/'([^']+)'/g)].map(([, word]) => word!).filter((word) => words.has(word))
        if (listed.length < 2) continue
        if (listsAllowed[file] === undefined) found.push(`${file}: [${listed.join(', ')}]`)
      }
      for (const [switched] of text.matchAll(/switch \([^)]*protocol[^)]*\) \{[^}]*?case '([^']+)'/g)) {
        if (protocolNames.some((name) => switched.includes(`case '${name}'`))) found.push(`${file}: ${switched.split('\n')[0]} ...`)
      }
    }
    expect(found, 'protocol facts belong in the protocol’s descriptor (src-main/protocols/<name>/protocol.ts)').toEqual([])
    for (const file of Object.keys(listsAllowed)) expect(existsSync(path.join(root, file)), file).toBe(true)
  })
})
