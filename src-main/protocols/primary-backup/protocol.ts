/**
 * The naive primary-backup protocol as the lab knows it (see descriptor.ts): elections by timeout
 * alone, no terms, no quorums, no liars of its own (it needs none to lose data).
 */
import { z } from 'zod'
import { electionTimingErrors, electionTimingForm, electionTimingFields } from '../common/fields.js'
import { ticksOf, type ProtocolDescriptor } from '../descriptor.js'
import { isPrimaryBackupMessage, PrimaryBackupCore, type PrimaryBackupMessage, type PrimaryBackupPersist } from './core.js'
import { primaryBackupSim, type PrimaryBackupSimSettings } from './sim.js'

const optionsSchema = z.object({ ...electionTimingFields }).strict()

export type PrimaryBackupExperimentOptions = z.output<typeof optionsSchema>

export interface PrimaryBackupSettings {
  electionTimeoutTicks: [number, number]
  heartbeatTicks: number
}

export const primaryBackupProtocol: ProtocolDescriptor<'primary-backup', PrimaryBackupExperimentOptions, PrimaryBackupSettings, PrimaryBackupMessage, PrimaryBackupPersist, never, PrimaryBackupSimSettings> = {
  name: 'primary-backup',
  label: 'Primary-backup (naive)',
  vocabulary: { term: 'term', leader: 'primary' },
  roles: [
    { name: 'primary', kind: 'leading' },
    { name: 'backup', kind: 'following' },
  ],
  leaderRoles: ['primary'],
  options: {
    schema: optionsSchema,
    check: (options, cluster) => electionTimingErrors(options, cluster.tickMs),
    form: [
      ...electionTimingForm,
    ],
  },
  settingsOf(options, cluster) {
    const ticks = (ms: number) => ticksOf(ms, cluster.tickMs)
    const [low, high] = options.electionTimeoutMs
    return { electionTimeoutTicks: [ticks(low), Math.max(ticks(low), ticks(high))], heartbeatTicks: ticks(options.heartbeatMs) }
  },
  // Naive: the primary answers a get from its own copy, whatever has happened elsewhere.
  reads: { modes: ['primary'], modeOf: () => 'primary', routeOf: () => 'core' },
  mutations: [],
  invariants: ['election-safety', 'state-machine-safety', 'committed-never-lost', 'commit-monotonic', 'final-state-agreement'],
  leadership: 'at-once',
  // No terms: every entry it applies says term 0.
  appliedTermMatters: false,
  clients: { kind: 'leader' },

  createCore(settings, persisted, env) {
    return new PrimaryBackupCore({ ...settings, id: env.id, members: env.members, random: env.random(`primary-backup:${env.id}`), persisted })
  },

  host: { isMessage: (value): value is PrimaryBackupMessage => isPrimaryBackupMessage(value) },

  sim: primaryBackupSim,
}
