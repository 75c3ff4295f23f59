/**
 * The driver's side of tentative execution (TOCS §5.1.3): the results of tentatively executed
 * batches, computed over the committed state plus the tentative batches before them, without ever
 * changing the committed state. Dropping tentative work (a view change) is then forgetting layers,
 * and the committed state machine, its trace and its hash chain only ever see committed batches.
 *
 * Only the key-value commands whose effect is fully known here are evaluated: get, put (without a
 * lease), delete, cas, noop. Anything else gets no tentative result (its client waits for the
 * committed replies), and a write of that kind (a put with a lease, lease grants and revokes)
 * makes every later tentative result unknown until the committed state has caught up.
 */
import type { Command, CommandResult } from '../types.js'
import type { PbftCore } from './core.js'
import type { PbftReady, Reply, TentativeBatch } from './types.js'

/** What the committed state machine must answer: a key's value and its revision counter. */
export interface CommittedReader {
  valueOf(key: string): string | null
  readonly revision: number
}

interface Layer {
  seq: number
  writes: Map<string, string | null>
  revisions: number
  /** A write whose effect is unknown here ran in this batch: nothing after it can be evaluated. */
  opaque: boolean
}

export class TentativeState {
  private layers: Layer[] = []

  get depth(): number {
    return this.layers.length
  }

  drop(): void {
    this.layers = []
  }

  /** The committed state now holds every batch up to `seq`: their layers go. */
  committedThrough(seq: number): void {
    while (this.layers.length > 0 && this.layers[0].seq <= seq) this.layers.shift()
  }

  /**
   * The results of one tentative batch (undefined for a request with no tentative result), and its
   * effects kept for the batches after it. Undefined altogether when the batch does not follow the
   * last one kept (or the committed state): the caller then sends no tentative reply for it.
   */
  execute(batch: TentativeBatch, committedSeq: number, base: CommittedReader): (CommandResult | undefined)[] | undefined {
    const previous = this.layers.at(-1)?.seq ?? committedSeq
    if (batch.seq !== previous + 1) {
      this.drop()
      return undefined
    }
    const layer: Layer = { seq: batch.seq, writes: new Map(), revisions: 0, opaque: this.layers.some((kept) => kept.opaque) }
    this.layers.push(layer)
    return batch.requests.map((request) => (layer.opaque ? undefined : this.run(layer, request.command, base)))
  }

  private valueOf(key: string, base: CommittedReader): string | null {
    for (let index = this.layers.length - 1; index >= 0; index -= 1) {
      const written = this.layers[index].writes.get(key)
      if (written !== undefined) return written
    }
    return base.valueOf(key)
  }

  private revision(base: CommittedReader): number {
    return this.layers.reduce((sum, layer) => sum + layer.revisions, base.revision)
  }

  /** The same results as KeyValueStore.execute for the commands it covers (kv.ts). */
  private run(layer: Layer, command: Command, base: CommittedReader): CommandResult | undefined {
    switch (command.op) {
      case 'get':
        return { ok: true, value: this.valueOf(command.key, base), revision: this.revision(base) }
      case 'put':
        if (command.lease !== undefined) {
          layer.opaque = true
          return undefined
        }
        return this.write(layer, command.key, command.value, base)
      case 'delete':
        if (this.valueOf(command.key, base) !== null) return this.write(layer, command.key, null, base)
        return { ok: true, revision: this.revision(base) }
      case 'cas': {
        const current = this.valueOf(command.key, base)
        if (current !== command.expected) return { ok: false, error: 'cas-mismatch', value: current }
        return this.write(layer, command.key, command.value, base)
      }
      case 'noop':
        return { ok: true }
      case 'range':
      case 'lease-keepalive':
        return undefined
      case 'lease-grant':
      case 'lease-revoke':
        layer.opaque = true
        return undefined
      default: {
        const unknown: never = command
        throw new Error(`tentative execution: unknown command ${JSON.stringify(unknown)}`)
      }
    }
  }

  private write(layer: Layer, key: string, value: string | null, base: CommittedReader): CommandResult {
    layer.writes.set(key, value)
    layer.revisions += 1
    return { ok: true, revision: this.revision(base) }
  }
}

/** A state machine with KeyValueStore's read path (kv.ts), as tentative execution reads it. */
export function committedReaderOf(store: { read(command: Command): CommandResult; readonly revision: number }): CommittedReader {
  return {
    valueOf(key) {
      const result = store.read({ op: 'get', key })
      return result.ok ? (result.value ?? null) : null
    },
    get revision() {
      return store.revision
    },
  }
}

export interface TentativeAnswer {
  reply: Reply
  /** The command the reply answers (the simulator tells a forged request's replies by it). */
  command: Command
}

/** One TentativeState per core: a restarted replica (a new core) starts with none. */
const states = new WeakMap<PbftCore, TentativeState>()

/**
 * Step 3½ of the Ready contract for a driver that answers tentatively: after every committed entry
 * of `readies` (one I/O turn's, in order) was applied to `base`, the tentative replies to send. A
 * driver that never calls it gets committed replies only, as without tentative execution.
 */
/** Whether a Ready holds tentative work for `tentativeReplies` (batches, or a drop to carry out). */
export function hasTentativeWork(ready: PbftReady): boolean {
  return ready.tentative.length > 0 || ready.tentativeDropped
}

export function tentativeReplies(core: PbftCore, readies: readonly PbftReady[], base: CommittedReader): TentativeAnswer[] {
  let state = states.get(core)
  if (!state) {
    state = new TentativeState()
    states.set(core, state)
  }
  const lastDrop = readies.findLastIndex((ready) => ready.tentativeDropped)
  if (lastDrop >= 0) state.drop()
  const committedSeq = core.lastExecutedSeq
  state.committedThrough(committedSeq)
  const replies: TentativeAnswer[] = []
  for (const ready of readies.slice(Math.max(0, lastDrop))) {
    for (const batch of ready.tentative) {
      if (batch.seq <= committedSeq) continue
      const results = state.execute(batch, committedSeq, base)
      if (!results) continue
      batch.requests.forEach((request, index) => {
        const result = results[index]
        const reply = result === undefined ? undefined : core.tentativeReply(batch, request, result)
        if (reply) replies.push({ reply, command: request.command })
      })
    }
  }
  return replies
}
