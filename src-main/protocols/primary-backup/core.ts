/**
 * A deliberately naive primary-backup protocol, the "before" picture of scenario 1.
 *
 * The primary applies a write at once, answers the client, and ships the write to the backups
 * (asynchronous replication). A backup that stops hearing the primary for an election timeout
 * promotes itself. There are no terms and no quorums: nothing stops two nodes from being primary at
 * the same time when the network splits them, and nothing reconciles their diverged data afterwards.
 * When two primaries hear each other, the one with the later name in the member list steps down,
 * keeping whatever it wrote.
 *
 * It is pure like the real protocols (ticks in, effects out), so the simulator can drive it too.
 */
import type { AppliedEntry, CoreInput, CoreStatus, NodeId, ProposedCommand, ProtocolCore, Random, Ready } from '../types.js'
import { assertNever, emptyReady } from '../types.js'
import { checkCommand, checkRequestTag } from '../common/command-check.js'
import { chunkByBytes, encodedBytesMax, entriesRecordBytesMax, replicateBytesMax } from '../common/wire-budget.js'

export type PrimaryBackupMessage =
  | { type: 'Heartbeat'; term: 0 }
  | { type: 'Replicate'; term: 0; entries: ProposedCommand[] }

/** Every command this node applied, in its own order; replayed on restart. */
export type PrimaryBackupPersist = { kind: 'applied'; entries: ProposedCommand[] }

export type PrimaryBackupRole = 'primary' | 'backup'

export interface PrimaryBackupOptions {
  id: NodeId
  members: readonly NodeId[]
  electionTimeoutTicks: readonly [number, number]
  heartbeatTicks: number
  random: Random
  persisted?: readonly PrimaryBackupPersist[]
  /** Bytes of commands in one Replicate message (at least one command each); default replicateBytesMax. */
  replicateBytesMax?: number
  /** Bytes of commands in one persisted record; default entriesRecordBytesMax. */
  recordBytesMax?: number
}

type PbReady = Ready<PrimaryBackupMessage, PrimaryBackupPersist>

export class PrimaryBackupCore implements ProtocolCore<PrimaryBackupMessage, PrimaryBackupPersist> {
  readonly id: NodeId
  private role: PrimaryBackupRole
  private primary: NodeId | undefined
  private appliedIndex = 0
  private ticksSinceHeard = 0
  private ticksSinceHeartbeat = 0
  private electionTimeoutTicks: number
  /** Entries recovered from disk, handed to the state machine on the first step. */
  private replay: ProposedCommand[]

  constructor(private readonly options: PrimaryBackupOptions) {
    if (!options.members.includes(options.id)) throw new Error(`primary-backup: members must include ${options.id}`)
    this.id = options.id
    this.role = options.members[0] === options.id ? 'primary' : 'backup'
    this.primary = options.members[0]
    this.electionTimeoutTicks = this.drawTimeout()
    this.replay = (options.persisted ?? []).flatMap((record) => record.entries)
    // A restarted node does not know who is primary now; it waits to hear one, or promotes itself.
    if (this.replay.length > 0) {
      this.role = 'backup'
      this.primary = undefined
    }
  }

  status(): CoreStatus {
    return {
      id: this.id,
      role: this.role,
      term: 0,
      leader: this.primary,
      commitIndex: this.appliedIndex + this.replay.length,
      lastIndex: this.appliedIndex + this.replay.length,
      appliedIndex: this.appliedIndex,
    }
  }

  step(input: CoreInput<PrimaryBackupMessage>): PbReady {
    const ready = emptyReady<PrimaryBackupMessage, PrimaryBackupPersist>()
    if (this.replay.length > 0) {
      ready.applied.push(...this.toApplied(this.replay))
      this.replay = []
    }
    switch (input.kind) {
      case 'tick':
        this.tick(ready)
        break
      case 'message':
        this.receive(input.from, input.message, ready)
        break
      case 'propose':
        this.propose(input.proposals, ready)
        break
      case 'read':
        for (const readId of input.readIds) {
          // Naive: the primary answers from its own copy, whatever has happened elsewhere.
          if (this.role === 'primary') ready.reads.push({ readId })
          else ready.rejections.push({ kind: 'read', readId, reason: this.primary ? 'not-leader' : 'no-leader', leaderHint: this.primary })
        }
        break
      default:
        assertNever(input, 'input')
    }
    return ready
  }

  private tick(ready: PbReady): void {
    if (this.role === 'primary') {
      this.ticksSinceHeartbeat += 1
      if (this.ticksSinceHeartbeat >= this.options.heartbeatTicks) {
        this.ticksSinceHeartbeat = 0
        this.broadcast({ type: 'Heartbeat', term: 0 }, ready)
      }
      return
    }
    this.ticksSinceHeard += 1
    if (this.ticksSinceHeard < this.electionTimeoutTicks) return
    // The primary went quiet: it must be dead. (It may only be unreachable from here.)
    this.becomePrimary(ready)
  }

  private becomePrimary(ready: PbReady): void {
    this.role = 'primary'
    this.primary = this.id
    this.ticksSinceHeartbeat = 0
    ready.events.push({ kind: 'role', role: 'primary', term: 0, leader: this.id })
    ready.events.push({ kind: 'note', text: `${this.id} promotes itself to primary` })
    this.broadcast({ type: 'Heartbeat', term: 0 }, ready)
  }

  private receive(from: NodeId, message: PrimaryBackupMessage, ready: PbReady): void {
    if (this.role === 'primary' && !this.outranks(from)) return
    if (this.role === 'primary' || this.primary !== from) {
      // Two primaries met: the later one in the member list yields, keeping its diverged data.
      this.role = 'backup'
      ready.events.push({ kind: 'role', role: 'backup', term: 0, leader: from })
    }
    this.primary = from
    this.ticksSinceHeard = 0
    this.electionTimeoutTicks = this.drawTimeout()
    switch (message.type) {
      case 'Heartbeat':
        return
      case 'Replicate':
        return this.apply(message.entries, ready)
      default:
        return assertNever(message, 'message')
    }
  }

  private propose(proposals: ProposedCommand[], ready: PbReady): void {
    if (this.role !== 'primary') {
      for (const proposal of proposals) {
        ready.rejections.push({ kind: 'proposal', tag: proposal.tag, reason: this.primary ? 'not-leader' : 'no-leader', leaderHint: this.primary })
      }
      return
    }
    this.apply(proposals, ready)
    // Each message is one frame: a large turn ships as several, in order.
    for (const entries of chunkByBytes(proposals, this.options.replicateBytesMax ?? replicateBytesMax, encodedBytesMax)) {
      this.broadcast({ type: 'Replicate', term: 0, entries }, ready)
    }
  }

  private apply(entries: ProposedCommand[], ready: PbReady): void {
    if (entries.length === 0) return
    for (const chunk of chunkByBytes(entries, this.options.recordBytesMax ?? entriesRecordBytesMax, encodedBytesMax)) {
      ready.persist.push({ kind: 'applied', entries: chunk })
    }
    // Naive but not careless with its disk: what it applied is fsync'd before anything else leaves.
    ready.mustSync = true
    ready.applied.push(...this.toApplied(entries))
    ready.events.push({ kind: 'commit', index: this.appliedIndex })
  }

  private toApplied(entries: ProposedCommand[]): AppliedEntry[] {
    return entries.map((entry) => {
      this.appliedIndex += 1
      return { index: this.appliedIndex, term: 0, command: entry.command, tag: entry.tag }
    })
  }

  private broadcast(message: PrimaryBackupMessage, ready: PbReady): void {
    for (const member of this.options.members) if (member !== this.id) ready.messages.push({ to: member, message })
  }

  /** True when `other` comes before this node in the member list. */
  private outranks(other: NodeId): boolean {
    return this.options.members.indexOf(other) < this.options.members.indexOf(this.id)
  }

  private drawTimeout(): number {
    const [low, high] = this.options.electionTimeoutTicks
    return low + Math.floor(this.options.random() * (high - low + 1))
  }
}

export function isPrimaryBackupMessage(value: unknown): value is PrimaryBackupMessage {
  const message = value as Partial<PrimaryBackupMessage> | null
  if (typeof message !== 'object' || message === null || message.term !== 0) return false
  if (message.type === 'Heartbeat') return true
  if (message.type !== 'Replicate' || !Array.isArray(message.entries)) return false
  return message.entries.every(
    (entry) => typeof entry === 'object' && entry !== null && checkCommand(entry.command) === null && entry.command.op !== 'noop' && checkRequestTag(entry.tag) === null,
  )
}
