import { assertNever } from '../types.js'
import type { NodeId } from '../types.js'

/**
 * Raft cluster membership, changed one server at a time (thesis §4.1, §4.2.1).
 *
 * A configuration entry carries the whole configuration that follows the change, not the change
 * alone: any node can read the configuration at an index from the latest such entry at or before it
 * (or from the snapshot below it), with nothing to fold.
 */
export interface RaftConfig {
  /** Count toward elections and commits. */
  voters: readonly NodeId[]
  /** Receive the log and snapshots but never vote or count (thesis §4.2.1, etcd learners). */
  learners: readonly NodeId[]
}

/** One single-server change: a newcomer joins as a learner, is promoted once caught up, or leaves. */
export type ConfigChange =
  | { kind: 'addLearner'; node: NodeId }
  | { kind: 'promote'; node: NodeId }
  | { kind: 'remove'; node: NodeId }

export const configChangeKinds = ['addLearner', 'promote', 'remove'] as const

/** A cluster larger than this is a misconfiguration (as in options.ts). */
export const configMembersMax = 64

export function isVoter(config: RaftConfig, node: NodeId): boolean {
  return config.voters.includes(node)
}

export function isMember(config: RaftConfig, node: NodeId): boolean {
  return config.voters.includes(node) || config.learners.includes(node)
}

/** Everyone the leader replicates to: voters and learners other than `self`. */
export function replicasOf(config: RaftConfig, self: NodeId): NodeId[] {
  return [...config.voters, ...config.learners].filter((node) => node !== self)
}

export function describeConfig(config: RaftConfig): string {
  const learners = config.learners.length === 0 ? '' : `, learners ${config.learners.join(', ')}`
  return `voters ${config.voters.join(', ')}${learners}`
}

export function describeChange(change: ConfigChange): string {
  switch (change.kind) {
    case 'addLearner':
      return `add ${change.node} as a learner`
    case 'promote':
      return `promote ${change.node} to voter`
    case 'remove':
      return `remove ${change.node}`
    default:
      return assertNever(change, 'config change')
  }
}

/** The configuration after `change`, or why the change cannot be made from `config`. */
export function applyChange(config: RaftConfig, change: ConfigChange): RaftConfig | string {
  const { node } = change
  switch (change.kind) {
    case 'addLearner':
      if (isMember(config, node)) return `${node} is already a ${isVoter(config, node) ? 'voter' : 'learner'}`
      if (config.voters.length + config.learners.length >= configMembersMax) return `the cluster already has ${configMembersMax} members`
      return { voters: config.voters, learners: [...config.learners, node] }
    case 'promote':
      if (!config.learners.includes(node)) return `${node} is not a learner (${describeConfig(config)})`
      return { voters: [...config.voters, node], learners: config.learners.filter((learner) => learner !== node) }
    case 'remove':
      if (!isMember(config, node)) return `${node} is not a member (${describeConfig(config)})`
      if (config.voters.length === 1 && config.voters[0] === node) return `${node} is the last voter`
      return { voters: config.voters.filter((voter) => voter !== node), learners: config.learners.filter((learner) => learner !== node) }
    default:
      return assertNever(change, 'config change')
  }
}

/** Shape check of a configuration that arrived over the wire or from disk; null when sound. */
export function checkConfig(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'config must be an object'
  const { voters, learners } = value as Record<string, unknown>
  const nodes = (list: unknown): list is string[] => Array.isArray(list) && list.every((node) => typeof node === 'string' && node.length > 0)
  if (!nodes(voters) || voters.length === 0) return 'config.voters must be a non-empty array of node ids'
  if (!nodes(learners)) return 'config.learners must be an array of node ids'
  const all = [...voters, ...learners]
  if (new Set(all).size !== all.length) return 'config lists a node twice'
  if (all.length > configMembersMax) return `config lists more than ${configMembersMax} nodes`
  return null
}

/**
 * The configurations in a log: the one at its base (from the snapshot or the bootstrap members)
 * and one per configuration entry above the base, by index. Thesis §4.1: a server uses the latest
 * configuration in its log, committed or not, so truncating a configuration entry reverts to the one
 * before it, and compacting keeps the one at the new base.
 */
export class ConfigHistory {
  private base: RaftConfig
  /** The log's base index when the base configuration was last set from it (0: the bootstrap). */
  private baseIndex: number
  /** Configuration entries above the base, oldest first. */
  private entries: { index: number; config: RaftConfig }[] = []

  constructor(base: RaftConfig, baseIndex: number) {
    this.base = base
    this.baseIndex = baseIndex
  }

  get latest(): RaftConfig {
    return this.entries.length === 0 ? this.base : this.entries[this.entries.length - 1].config
  }

  /**
   * Where the latest configuration is known to be in force from: its entry's index, or, when that
   * entry is compacted, the snapshot's index (0: the bootstrap configuration).
   */
  get latestIndex(): number {
    return this.entries.length === 0 ? this.baseIndex : this.entries[this.entries.length - 1].index
  }

  /** The configuration in force at `index`: the latest entry at or below it, else the base's. */
  at(index: number): RaftConfig {
    for (let position = this.entries.length - 1; position >= 0; position -= 1) {
      if (this.entries[position].index <= index) return this.entries[position].config
    }
    return this.base
  }

  /** A configuration entry appended at `index` (after every one known). */
  appended(index: number, config: RaftConfig): void {
    if (index <= this.latestIndex) throw new Error(`raft config: entry at ${index} after one at ${this.latestIndex}`)
    this.entries.push({ index, config })
  }

  /** The log dropped every entry at or after `fromIndex`. */
  truncatedFrom(fromIndex: number): void {
    while (this.entries.length > 0 && this.entries[this.entries.length - 1].index >= fromIndex) this.entries.pop()
  }

  /** The log's base moved up to `index`: the configuration there becomes the base. */
  compactedThrough(index: number): void {
    this.base = this.at(index)
    this.baseIndex = index
    this.entries = this.entries.filter((entry) => entry.index > index)
  }

  /** The log was replaced by a snapshot's (the whole log discarded, or kept above `index`). */
  reset(index: number, base: RaftConfig): void {
    this.base = base
    this.baseIndex = index
    this.entries = this.entries.filter((entry) => entry.index > index)
  }
}
