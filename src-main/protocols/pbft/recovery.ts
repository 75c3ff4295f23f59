/**
 * Replaying the WAL after a crash. The records are folded in order into what the replica knew:
 * its view, the last stable checkpoint, what it executed, and — for the final view — the
 * pre-prepares it accepted and the prepares and commits it sent, so it never contradicts them.
 */
import type { Checkpoint, Commit, NewView, PbftPersist, PrePrepare, Prepare, PreparedProof, ViewChange } from './types.js'
import { assertNever } from '../types.js'

export interface StableCheckpoint {
  seq: number
  digest: string
  proof: Checkpoint[]
}

export type ExecutedRecord = Extract<PbftPersist, { type: 'executed' }>

export interface Recovered {
  view: number
  viewChanging: boolean
  stable: StableCheckpoint
  executed: ExecutedRecord[]
  /** Accepted pre-prepares and own votes of the final view, above the stable checkpoint. */
  prePrepares: PrePrepare[]
  prepares: Prepare[]
  commits: Commit[]
  /** The highest-view certificate per sequence number above the stable checkpoint. */
  preparedCerts: PreparedProof[]
  /** The last new-view installed. */
  newView?: NewView
  /** View-change messages (its own and others') for views above the last installed one. */
  viewChanges: ViewChange[]
}

export function replayPersisted(records: readonly PbftPersist[], genesis: string): Recovered {
  let view = 0
  let viewChanging = false
  let stable: StableCheckpoint = { seq: 0, digest: genesis, proof: [] }
  const executed: ExecutedRecord[] = []
  const prePrepares = new Map<string, PrePrepare>()
  const prepares: Prepare[] = []
  const commits: Commit[] = []
  const prepared: Extract<PbftPersist, { type: 'prepared' }>[] = []
  let newView: NewView | undefined
  const viewChanges: ViewChange[] = []
  for (const record of records) {
    switch (record.type) {
      case 'view':
        view = record.view
        viewChanging = record.viewChanging
        break
      case 'pre-prepare':
        prePrepares.set(`${record.message.view}:${record.message.seq}`, record.message)
        break
      case 'prepare':
        prepares.push(record.message)
        break
      case 'commit':
        commits.push(record.message)
        break
      case 'prepared':
        prepared.push(record)
        break
      case 'new-view':
        // Installing a new-view installs its view (the 'view' record written after it may be torn off).
        newView = record.message
        if (record.message.view >= view) {
          view = record.message.view
          viewChanging = false
        }
        break
      case 'view-change':
        viewChanges.push(record.message)
        break
      case 'stable-checkpoint':
        if (record.seq > stable.seq) stable = { seq: record.seq, digest: record.digest, proof: record.proof }
        break
      case 'executed': {
        const last = executed.at(-1)
        if (last && record.seq !== last.seq + 1) {
          throw new Error(`pbft WAL: executed seq ${record.seq} follows ${last.seq}; executed records must be contiguous`)
        }
        executed.push(record)
        break
      }
      default:
        assertNever(record, 'persisted record')
    }
  }
  // Records at or below the final stable checkpoint may have been compacted away; the rest must pair up.
  const certs = new Map<number, PreparedProof>()
  for (const record of prepared) {
    if (record.seq <= stable.seq) continue
    const prePrepare = prePrepares.get(`${record.view}:${record.seq}`)
    if (!prePrepare) throw new Error(`pbft WAL: 'prepared' for view ${record.view} seq ${record.seq} without its pre-prepare`)
    const current = certs.get(record.seq)
    if (!current || current.prePrepare.view <= record.view) certs.set(record.seq, { prePrepare, prepares: record.prepares })
  }
  const current = <T extends { view: number; seq: number }>(message: T): boolean => message.view === view && message.seq > stable.seq
  return {
    view,
    viewChanging,
    stable,
    executed,
    prePrepares: [...prePrepares.values()].filter(current),
    prepares: prepares.filter(current),
    commits: commits.filter(current),
    preparedCerts: [...certs.values()],
    ...(newView ? { newView } : {}),
    viewChanges: viewChanges.filter((message) => message.view > (newView?.view ?? 0)),
  }
}
