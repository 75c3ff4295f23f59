/**
 * ParallelRaft as the lab knows it (see descriptor.ts): Raft's words, roles and client style, a
 * look-behind buffer of `lookBehindEntries` keys per entry, reads confirmed by a heartbeat round
 * that wait for pending entries touching their key, and one deliberate bug.
 */
import { z } from 'zod'
import { electionTimingErrors, electionTimingForm, electionTimingFields, electionTimingTicks, positiveInt } from '../common/fields.js'
import type { ProtocolDescriptor } from '../descriptor.js'
import { ParallelRaftCore, type ParallelRaftMutations } from './core.js'
import { checkParallelRaftMessage, type ParallelRaftMessage, type ParallelRaftPersist } from './messages.js'
import { parallelRaftSim, type ParallelRaftSimSettings } from './sim.js'

/** The longest look-behind buffer an experiment may ask for (each entry carries this many key lists). */
export const lookBehindEntriesMax = 64
/** PolarFS's N. */
export const lookBehindEntriesDefault = 2

export const parallelRaftMutationNames = ['ignoreLookBehindConflicts'] as const satisfies readonly (keyof ParallelRaftMutations)[]

const optionsSchema = z
  .object({
    ...electionTimingFields,
    /**
     * N: each entry carries the keys of the N entries before it (lookBehindEntriesDefault when
     * absent: the experiment's flat cluster holds the field for every protocol, so no default there).
     */
    lookBehindEntries: positiveInt(lookBehindEntriesMax).optional(),
  })
  .strict()

export type ParallelRaftExperimentOptions = z.output<typeof optionsSchema>

export interface ParallelRaftSettings {
  electionTimeoutTicks: [number, number]
  heartbeatTicks: number
  lookBehindEntries: number
}

export const parallelRaftProtocol: ProtocolDescriptor<'parallel-raft', ParallelRaftExperimentOptions, ParallelRaftSettings, ParallelRaftMessage, ParallelRaftPersist, never, ParallelRaftSimSettings> = {
  name: 'parallel-raft',
  label: 'ParallelRaft',
  vocabulary: { term: 'term', leader: 'leader' },
  roles: [
    { name: 'leader', kind: 'leading' },
    { name: 'candidate', kind: 'electing' },
    { name: 'follower', kind: 'following' },
  ],
  leaderRoles: ['leader'],
  options: {
    schema: optionsSchema,
    check: (options, cluster) => electionTimingErrors(options, cluster.tickMs),
    form: [
      ...electionTimingForm,
      { field: 'lookBehindEntries', input: 'number', absentMeans: lookBehindEntriesDefault },
    ],
  },
  settingsOf(options, cluster) {
    return { ...electionTimingTicks(options, cluster.tickMs), lookBehindEntries: options.lookBehindEntries ?? lookBehindEntriesDefault }
  },
  // The leader confirms it still leads with a heartbeat round, then waits for entries touching the key.
  reads: { modes: ['readindex'], modeOf: () => 'readindex', routeOf: () => 'core' },
  mutations: parallelRaftMutationNames,
  // Not log matching, leader append-only or one apply order: holes and out-of-order apply are the point.
  // The trace's apply hashes follow each node's own order, so the checks comparing them
  // (state-machine-safety, committed-never-lost, final-state-agreement) do not hold either; the
  // simulator checks each index and the per-key order instead (sim.appliesOutOfOrder).
  invariants: ['election-safety', 'commit-monotonic'],
  leadership: 'per-term',
  appliedTermMatters: true,
  clients: { kind: 'leader' },

  createCore(settings, persisted, env) {
    const mutations: ParallelRaftMutations = {}
    for (const name of env.mutations) mutations[name as keyof ParallelRaftMutations] = true
    return new ParallelRaftCore({ ...settings, id: env.id, members: env.members, random: env.random(`parallel-raft:${env.id}`), persisted, mutations })
  },

  host: {
    isMessage: (value): value is ParallelRaftMessage => checkParallelRaftMessage(value) === null,
    // As Raft's: a leader answers what an acknowledgement committed before the next batch's
    // fdatasync (replica/host.ts); what it applies then was written in an earlier flush.
    settleUnpersistedPrefixFirst: true,
  },

  sim: parallelRaftSim,
}
