/**
 * Watches on a replica: each streams the changes under a key prefix, in revision order, starting
 * from a revision the client names (replayed from the state machine's history) and then live as
 * entries apply. A client that reconnects elsewhere resumes from its last revision + 1: every
 * replica applies the same changes with the same revisions, so nothing is missed or repeated.
 */
import type { ClientConnection } from './client-server.js'
import type { ChangeEvent, KeyValueStore } from '../kv/store.js'
import { chunkByBytes, encodedBytesMax, watchEventsBytesMax } from '../protocols/common/wire-budget.js'

/** Watches per replica; beyond this a new one is refused. */
export const watchesMax = 10_000
/** Events per pushed frame; frames are also capped by bytes (watchEventsBytesMax), at least one event each. */
const eventsPerFrameMax = 1000

interface Watch {
  connection: ClientConnection
  requestId: number
  prefix: string
  /** The next revision this watch must deliver (everything before it was sent). */
  nextRevision: number
}

export class WatchHub {
  private readonly watches = new Map<string, Watch>()

  constructor(private readonly node: string) {}

  open(connection: ClientConnection, requestId: number, prefix: string, fromRevision: number, kv: KeyValueStore): void {
    this.prune()
    const reply = { id: requestId, node: this.node }
    if (fromRevision < 0) return connection.send({ ...reply, ok: false, error: 'invalid', message: 'fromRevision must be 0 (now) or a positive revision' })
    if (this.watches.size >= watchesMax) return connection.send({ ...reply, ok: false, error: 'rejected', message: `too many watches (at most ${watchesMax})` })
    const start = fromRevision === 0 ? kv.revision + 1 : fromRevision
    const backlog = kv.changesSince(start)
    if (!backlog) {
      return connection.send({
        ...reply,
        ok: false,
        error: 'compacted',
        message: `revision ${fromRevision} has been compacted; the oldest revision still available is ${kv.compactedRevision() + 1}`,
      })
    }
    const watch: Watch = { connection, requestId, prefix, nextRevision: start }
    this.watches.set(watchKey(connection, requestId), watch)
    connection.send({ ...reply, ok: true, watching: true, revision: start - 1 })
    this.deliver(watch, backlog)
    // Lets a client tell a finished replay from a quiet prefix (etcd's progress notification).
    connection.send({ ...reply, ok: true, progress: kv.revision })
  }

  cancel(connection: ClientConnection, requestId: number): void {
    this.watches.delete(watchKey(connection, requestId))
  }

  /** Changes just applied, in revision order. */
  publish(changes: readonly ChangeEvent[]): void {
    if (changes.length === 0 || this.watches.size === 0) return
    for (const [key, watch] of this.watches) {
      if (watch.connection.closed) this.watches.delete(key)
      else this.deliver(watch, changes)
    }
  }

  private deliver(watch: Watch, changes: readonly ChangeEvent[]): void {
    const events = changes.filter((change) => change.revision >= watch.nextRevision && change.key.startsWith(watch.prefix))
    if (changes.length > 0) watch.nextRevision = Math.max(watch.nextRevision, changes[changes.length - 1]!.revision + 1)
    for (let offset = 0; offset < events.length; offset += eventsPerFrameMax) {
      for (const chunk of chunkByBytes(events.slice(offset, offset + eventsPerFrameMax), watchEventsBytesMax, encodedBytesMax)) {
        watch.connection.send({ id: watch.requestId, ok: true, node: this.node, events: chunk })
      }
    }
  }

  private prune(): void {
    for (const [key, watch] of this.watches) if (watch.connection.closed) this.watches.delete(key)
  }
}

function watchKey(connection: ClientConnection, requestId: number): string {
  return `${connection.id}:${requestId}`
}
