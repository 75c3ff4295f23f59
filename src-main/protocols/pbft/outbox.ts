/**
 * Collects one step's output. Every message leaves through `send`, the single place where a
 * Byzantine behaviour rewrites this replica's own messages and a slow primary holds its
 * pre-prepares back. Relayed messages (created by another replica) pass through unchanged.
 */
import { assertNever } from '../types.js'
import type { CoreEvent, NodeId } from '../types.js'
import { sign } from './auth.js'
import { rewriteOwnMessage } from './byzantine.js'
import type { RewriteContext } from './byzantine.js'
import { pbftBounds, pbftDefaults } from './config.js'
import type { ByzantineBehaviour, PbftMessage, PbftPersist, PbftReady, Unsigned } from './types.js'

export function emptyPbftReady(): PbftReady {
  return { persist: [], mustSync: false, messages: [], applied: [], reads: [], rejections: [], events: [], replies: [], tentativeDropped: false, tentative: [] }
}

/**
 * Records that must be durable before the replica answers a client: its view and view-change (so it
 * never contradicts them after a restart), executions and stable checkpoints (so it never forgets
 * what a client may have been told), and prepared certificates, which back the tentative answer
 * sent with them (TOCS §5.1.3: 2f+1 such answers must survive every replica's crash, or the request
 * could vanish in the next view change). Pre-prepares and votes need only be written before they
 * leave: PBFT counts a replica that forgets them as one of its f faults.
 */
export function recordMustSync(record: PbftPersist): boolean {
  switch (record.type) {
    case 'executed':
    case 'view':
    case 'new-view':
    case 'view-change':
    case 'stable-checkpoint':
    case 'prepared':
      return true
    case 'pre-prepare':
    case 'prepare':
    case 'commit':
      return false
    default:
      return assertNever(record, 'persisted record')
  }
}

interface Delayed {
  releaseTick: number
  to: NodeId
  message: PbftMessage
}

export class Outbox {
  ready: PbftReady = emptyPbftReady()
  byzantine: ByzantineBehaviour | undefined
  tick = 0
  private delayed: Delayed[] = []

  constructor(private readonly rewrite: RewriteContext) {}

  take(): PbftReady {
    const ready = this.ready
    this.ready = emptyPbftReady()
    // Write before send, fsync with execution: no message waits for the disk flush (see PbftReady).
    for (const outbound of ready.messages) outbound.leavesBefore = 'sync'
    return ready
  }

  sign<M extends PbftMessage>(message: Unsigned<M>): M {
    return sign<M>(this.rewrite.crypto, this.rewrite.members, message)
  }

  broadcast(message: PbftMessage): void {
    this.send(this.rewrite.members.filter((member) => member !== this.rewrite.me), message)
  }

  send(receivers: NodeId[], message: PbftMessage): void {
    if (receivers.length === 0) return
    const behaviour = this.byzantine
    if (message.replica !== this.rewrite.me || !behaviour) {
      if (behaviour?.kind === 'silent') return
      for (const to of receivers) this.ready.messages.push({ to, message })
      return
    }
    for (const variant of rewriteOwnMessage(behaviour, message, receivers, this.rewrite)) {
      for (const to of variant.to) this.dispatch(behaviour, to, variant.message)
    }
  }

  private dispatch(behaviour: ByzantineBehaviour, to: NodeId, message: PbftMessage): void {
    if (behaviour.kind === 'slow-primary' && message.type === 'PrePrepare') {
      if (this.delayed.length >= pbftBounds.delayedSendsMax) this.delayed.shift()
      const delayTicks = behaviour.delayTicks ?? pbftDefaults.slowPrimaryDelayTicks
      this.delayed.push({ releaseTick: this.tick + delayTicks, to, message })
      return
    }
    this.ready.messages.push({ to, message })
  }

  /** Sends the held-back pre-prepares that are due (always in the order they were held). */
  releaseDelayed(): void {
    while (this.delayed.length > 0 && this.delayed[0].releaseTick <= this.tick) {
      const { to, message } = this.delayed.shift() as Delayed
      this.ready.messages.push({ to, message })
    }
  }

  persist(record: PbftPersist): void {
    this.ready.persist.push(record)
    if (recordMustSync(record)) this.ready.mustSync = true
  }

  event(event: CoreEvent): void {
    this.ready.events.push(event)
  }

  note(text: string): void {
    this.ready.events.push({ kind: 'note', text })
  }
}
