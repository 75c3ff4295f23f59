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
      {
        field: 'lookBehindEntries',
        input: 'number',
        absentMeans: lookBehindEntriesDefault,
        // Its words live here, not in the renderer's messages: a protocol's folder carries its own.
        text: {
          label: 'Look-behind buffer (entries)',
          help: 'Each entry carries the keys of this many entries before it, so a follower can apply entries that do not conflict out of order (PolarFS’s N).',
          ko: {
            label: '룩비하인드 버퍼(엔트리 수)',
            help: '각 엔트리가 앞선 이만큼의 엔트리가 쓰는 키를 함께 실어서, 팔로워가 서로 겹치지 않는 엔트리를 순서와 상관없이 적용할 수 있습니다(PolarFS의 N).',
          },
        },
      },
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
