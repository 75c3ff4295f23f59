/**
 * The view-change certificates of §4.4 as pure functions: checking a view-change message,
 * computing the new view's O set from V, and checking a new-view message by recomputing O.
 * The new primary and every backup run the same `computeNewView`, so they agree on O.
 *
 * MACs prove a message to its receiver only, so a faulty replica can send a view-change that
 * some replicas can check and others cannot. View-change acknowledgements (TOCS §4.5) close that
 * gap: each replica that checked a view-change tells the new primary so (its digest), the new
 * primary puts into V only view-changes 2f+1 replicas vouch for (itself, the sender, 2f-1 acks),
 * and hands the acks on in the new-view. A backup that cannot check one of them itself accepts
 * it when f+1 of those vouchers are valid at the backup: at least one of them is correct.
 */
import type { NodeId } from '../types.js'
import { isCheckpointProof } from './checkpoints.js'
import { primaryOf } from './config.js'
import type { Checkpoint, ClientRequest, NewView, PbftMessage, PreparedProof, ViewChange, ViewChangeAck } from './types.js'

export interface CertificateContext {
  members: readonly NodeId[]
  f: number
  logWindowMax: number
  genesis: string
  /** Checks the authenticator entry for this replica. */
  verify(message: PbftMessage): boolean
  digestOf(batch: ClientRequest[]): string
  /** The digest acknowledgements name: over the canonical bytes, authenticator excluded. */
  viewChangeDigest(message: ViewChange): string
}

export interface NewViewEntry {
  seq: number
  digest: string
  batch: ClientRequest[]
}

export interface NewViewPlan {
  stableSeq: number
  stableDigest: string
  stableProof: Checkpoint[]
  /** One entry per sequence number in (stableSeq, maxSeq]; gaps are null requests (empty batches). */
  entries: NewViewEntry[]
}

/**
 * Why a view-change message is invalid, or undefined when it is valid. With `checkMacs` the
 * certificates inside are authenticated through this replica's MAC entries (the message's own
 * authenticator is the caller's to check); without, only their structure is checked, for a message
 * that f+1 replicas vouch for.
 */
export function viewChangeError(message: ViewChange, context: CertificateContext, checkMacs = true): string | undefined {
  const quorum = 2 * context.f + 1
  const verify = checkMacs ? context.verify : () => true
  if (message.view === 0) return 'view 0 has no view change'
  if (message.stableSeq === 0) {
    if (message.stableDigest !== context.genesis) return 'genesis checkpoint digest mismatch'
  } else if (!isCheckpointProof(message.checkpointProof, message.stableSeq, message.stableDigest, quorum, verify)) {
    return `checkpoint proof for ${message.stableSeq} is not 2f+1 valid matching messages`
  }
  const seen = new Set<number>()
  for (const proof of message.prepared) {
    const error = preparedProofError(proof, message, context, verify)
    if (error) return error
    if (seen.has(proof.prePrepare.seq)) return `two prepared certificates for seq ${proof.prePrepare.seq}`
    seen.add(proof.prePrepare.seq)
  }
  return undefined
}

function preparedProofError(
  proof: PreparedProof,
  message: ViewChange,
  context: CertificateContext,
  verify: (message: PbftMessage) => boolean,
): string | undefined {
  const prePrepare = proof.prePrepare
  const where = `prepared certificate for seq ${prePrepare.seq}`
  if (prePrepare.view >= message.view) return `${where} is from view ${prePrepare.view}, not before ${message.view}`
  if (prePrepare.seq <= message.stableSeq || prePrepare.seq > message.stableSeq + context.logWindowMax) {
    return `${where} is outside the window above ${message.stableSeq}`
  }
  const primary = primaryOf(context.members, prePrepare.view)
  if (prePrepare.replica !== primary) return `${where}: pre-prepare not from the primary ${primary}`
  // With f >= 1 the 2f prepares checked below include a correct replica's, and a correct replica
  // prepares only after a valid pre-prepare for this (view, seq, digest): that proves the primary
  // sent it even where the primary's own MAC is bad (a faulty primary may MAC it for some only).
  if (context.f === 0 && !verify(prePrepare)) return `${where}: pre-prepare fails authentication`
  if (context.digestOf(prePrepare.batch) !== prePrepare.digest) return `${where}: batch does not match its digest`
  const backups = new Set<NodeId>()
  for (const prepare of proof.prepares) {
    if (prepare.view !== prePrepare.view || prepare.seq !== prePrepare.seq || prepare.digest !== prePrepare.digest) {
      return `${where}: a prepare does not match the pre-prepare`
    }
    if (prepare.replica === primary || backups.has(prepare.replica)) return `${where}: prepares not from distinct backups`
    if (!verify(prepare)) return `${where}: a prepare fails authentication`
    backups.add(prepare.replica)
  }
  return backups.size >= 2 * context.f ? undefined : `${where}: ${backups.size} prepares, need ${2 * context.f}`
}

/**
 * O from V (§4.4): min-s is the latest stable checkpoint in V, max-s the highest prepared sequence
 * number; every n between gets the batch prepared in the highest view, or a null request. Ties
 * (only possible with more than f faults) go to the smaller digest so every replica picks alike.
 */
export function computeNewView(viewChanges: ViewChange[], context: CertificateContext): NewViewPlan {
  let base: ViewChange | undefined
  for (const message of viewChanges) {
    if (!base || message.stableSeq > base.stableSeq || (message.stableSeq === base.stableSeq && message.stableDigest < base.stableDigest)) {
      base = message
    }
  }
  if (!base) throw new Error('pbft invariant: computeNewView needs at least one view-change message')
  const stableSeq = base.stableSeq
  const chosen = new Map<number, PreparedProof>()
  for (const message of viewChanges) {
    for (const proof of message.prepared) {
      const seq = proof.prePrepare.seq
      if (seq <= stableSeq) continue
      const current = chosen.get(seq)
      if (!current || outranks(proof, current)) chosen.set(seq, proof)
    }
  }
  const maxSeq = Math.max(stableSeq, ...chosen.keys())
  const entries: NewViewEntry[] = []
  for (let seq = stableSeq + 1; seq <= maxSeq; seq += 1) {
    const proof = chosen.get(seq)
    const batch = proof ? proof.prePrepare.batch : []
    entries.push({ seq, digest: proof ? proof.prePrepare.digest : context.digestOf(batch), batch })
  }
  return { stableSeq, stableDigest: base.stableDigest, stableProof: base.checkpointProof, entries }
}

function outranks(candidate: PreparedProof, current: PreparedProof): boolean {
  const a = candidate.prePrepare
  const b = current.prePrepare
  return a.view > b.view || (a.view === b.view && a.digest < b.digest)
}

/**
 * Checks a new-view message as a backup must (§4.4); returns the plan to install or an error. The
 * new-view itself has been authenticated by the caller, so its primary vouches for every message
 * in V; see the top of this file for the rest.
 */
export function checkNewView(message: NewView, context: CertificateContext): { plan: NewViewPlan } | { error: string } {
  const primary = primaryOf(context.members, message.view)
  if (message.replica !== primary) return { error: `new-view for ${message.view} not from its primary ${primary}` }
  const senders = new Set<NodeId>()
  for (const viewChange of message.viewChanges) {
    if (viewChange.view !== message.view) return { error: `contains a view-change for view ${viewChange.view}` }
    if (senders.has(viewChange.replica)) return { error: `two view-changes from ${viewChange.replica}` }
    const error = viewChangeError(viewChange, context, false)
    if (error) return { error: `view-change from ${viewChange.replica}: ${error}` }
    if (!acceptedInNewView(viewChange, message, context)) {
      return { error: `view-change from ${viewChange.replica} fails authentication here and f+1 replicas do not vouch for it` }
    }
    senders.add(viewChange.replica)
  }
  if (senders.size < 2 * context.f + 1) return { error: `${senders.size} view-changes, need ${2 * context.f + 1}` }
  const plan = computeNewView(message.viewChanges, context)
  if (message.prePrepares.length !== plan.entries.length) {
    return { error: `O has ${message.prePrepares.length} pre-prepares, recomputed ${plan.entries.length}` }
  }
  for (let index = 0; index < plan.entries.length; index += 1) {
    const expected = plan.entries[index]
    const prePrepare = message.prePrepares[index]
    if (prePrepare.view !== message.view || prePrepare.seq !== expected.seq || prePrepare.digest !== expected.digest) {
      return { error: `O differs from the recomputed one at seq ${expected.seq}` }
    }
    if (prePrepare.replica !== primary || !context.verify(prePrepare)) return { error: `O pre-prepare ${expected.seq} fails authentication` }
    if (context.digestOf(prePrepare.batch) !== prePrepare.digest) return { error: `O pre-prepare ${expected.seq}: batch does not match its digest` }
  }
  return { plan }
}

/** A view-change in a new-view: valid here with every MAC, or vouched for by f+1 replicas whose MACs are valid here. */
function acceptedInNewView(viewChange: ViewChange, newView: NewView, context: CertificateContext): boolean {
  const authentic = context.verify(viewChange)
  if (authentic && viewChangeError(viewChange, context, true) === undefined) return true
  const digest = context.viewChangeDigest(viewChange)
  const vouchers = new Set<NodeId>([newView.replica])
  if (authentic) vouchers.add(viewChange.replica)
  for (const ack of newView.acks) {
    if (ack.view !== newView.view || ack.subject !== viewChange.replica || ack.digest !== digest) continue
    if (ack.replica === viewChange.replica || !context.verify(ack)) continue
    vouchers.add(ack.replica)
  }
  return vouchers.size >= context.f + 1
}

/**
 * Replicas that vouch for `viewChange` at its new primary, which checked it itself: the primary,
 * the sender (its MAC was valid here), and every replica that acknowledged this very message.
 */
export function vouchersAtPrimary(viewChange: ViewChange, me: NodeId, acks: readonly ViewChangeAck[], digest: string): Set<NodeId> {
  const vouchers = new Set<NodeId>([me, viewChange.replica])
  for (const ack of acks) if (ack.subject === viewChange.replica && ack.digest === digest && ack.view === viewChange.view) vouchers.add(ack.replica)
  return vouchers
}

/** V for the new primary: its own view-change first, then others in member order, 2f+1 in all. */
export function selectViewChanges(
  candidates: Iterable<ViewChange>,
  view: number,
  me: NodeId,
  members: readonly NodeId[],
  quorum: number,
): ViewChange[] | undefined {
  const forView = [...candidates].filter((message) => message.view === view)
  const rank = (message: ViewChange): number => (message.replica === me ? -1 : members.indexOf(message.replica))
  forView.sort((a, b) => rank(a) - rank(b))
  if (forView.length < quorum || forView[0].replica !== me) return undefined
  return forView.slice(0, quorum)
}

/**
 * View-change messages for views not installed yet, a few views per replica. Older ones are kept
 * on purpose: a replica whose new-view timer moved it on to v+2 still counts toward v+1 (its
 * message for v+1 stays true, it prepared nothing since), and peers relay these messages to a
 * primary that missed one. A replica flooding views only evicts its own messages.
 */
export class ViewChangeStore {
  private readonly byReplica = new Map<NodeId, ViewChange[]>()

  constructor(private readonly perReplicaMax: number) {}

  has(replica: NodeId, view: number): boolean {
    return this.byReplica.get(replica)?.some((message) => message.view === view) ?? false
  }

  add(message: ViewChange): void {
    const list = (this.byReplica.get(message.replica) ?? []).filter((existing) => existing.view !== message.view)
    list.push(message)
    list.sort((a, b) => a.view - b.view)
    while (list.length > this.perReplicaMax) list.shift()
    this.byReplica.set(message.replica, list)
  }

  get(replica: NodeId, view: number): ViewChange | undefined {
    return this.byReplica.get(replica)?.find((message) => message.view === view)
  }

  /** Every message for `view` or above, by view. */
  from(view: number): ViewChange[] {
    return [...this.byReplica.values()].flatMap((list) => list.filter((message) => message.view >= view)).sort((a, b) => a.view - b.view)
  }

  forView(view: number): ViewChange[] {
    return [...this.byReplica.values()].flatMap((list) => list.filter((message) => message.view === view))
  }

  /** For each replica but `me` with a message above `view`, the smallest such view. */
  lowestViewsAbove(view: number, me: NodeId): number[] {
    const views: number[] = []
    for (const [replica, list] of this.byReplica) {
      const above = list.find((message) => message.view > view)
      if (replica !== me && above) views.push(above.view)
    }
    return views
  }

  discardUpTo(view: number): void {
    for (const [replica, list] of this.byReplica) {
      const kept = list.filter((message) => message.view > view)
      if (kept.length === 0) this.byReplica.delete(replica)
      else this.byReplica.set(replica, kept)
    }
  }
}

/**
 * Acknowledgements a new primary collected, for the views it is primary of and has not installed
 * yet: per view and subject, one ack per acknowledging replica (the first; a correct replica acks
 * one message per sender and view).
 */
export class ViewChangeAckStore {
  private readonly byView = new Map<number, Map<NodeId, Map<NodeId, ViewChangeAck>>>()

  constructor(private readonly viewsMax: number) {}

  /** False when it was already there (or, the bound reached, every view kept is nearer than its). */
  add(ack: ViewChangeAck): boolean {
    let bySubject = this.byView.get(ack.view)
    if (!bySubject) {
      if (this.byView.size >= this.viewsMax) {
        const farthest = Math.max(...this.byView.keys())
        if (farthest < ack.view) return false
        this.byView.delete(farthest)
      }
      bySubject = new Map()
      this.byView.set(ack.view, bySubject)
    }
    const byAcker = bySubject.get(ack.subject) ?? new Map<NodeId, ViewChangeAck>()
    if (byAcker.has(ack.replica)) return false
    byAcker.set(ack.replica, ack)
    bySubject.set(ack.subject, byAcker)
    return true
  }

  for(view: number, subject: NodeId): ViewChangeAck[] {
    return [...(this.byView.get(view)?.get(subject)?.values() ?? [])]
  }

  discardUpTo(view: number): void {
    for (const key of this.byView.keys()) if (key <= view) this.byView.delete(key)
  }
}
