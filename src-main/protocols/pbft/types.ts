/**
 * PBFT (Castro & Liskov, OSDI 1999; TOCS 2002) as plain data: messages, persisted records, the
 * reply a replica sends a client, and the core's options. Everything here crosses the wire
 * (msgpack) or lands in the WAL, so it stays plain: no classes, no Maps, no undefined fields.
 */
import type { Command, CommandResult, NodeId, Random, Ready, RequestTag } from '../types.js'

/** A client request as PBFT orders it: the operation and who asked, `tag.seq` being the client's timestamp. */
export interface ClientRequest {
  command: Command
  tag: RequestTag
}

/**
 * A MAC vector (TOCS §3.2 "authenticator"): `auth[k]` is the sender's HMAC for `members[k]` over the
 * message's canonical bytes (self included), so any replica can check a relayed message's entry for
 * itself. That is what lets certificates travel inside view-change and new-view messages.
 */
export type Authenticator = string[]

interface Authenticated {
  /** The replica that created (and MACed) the message; not necessarily the one that delivered it. */
  replica: NodeId
  auth: Authenticator
}

/** Client requests a backup forwards to the primary (§4.2: the backup relays and starts its timer). */
export interface RequestMessage extends Authenticated {
  type: 'Request'
  view: number
  requests: ClientRequest[]
}

/** ⟨PRE-PREPARE, v, n, d⟩ with the batch piggybacked; the MAC covers v, n, d and the digest covers the batch. */
export interface PrePrepare extends Authenticated {
  type: 'PrePrepare'
  view: number
  seq: number
  digest: string
  /** An empty batch is the null request a new primary uses to fill a gap (§4.4). */
  batch: ClientRequest[]
}

export interface Prepare extends Authenticated {
  type: 'Prepare'
  view: number
  seq: number
  digest: string
}

export interface Commit extends Authenticated {
  type: 'Commit'
  view: number
  seq: number
  digest: string
}

/** ⟨CHECKPOINT, n, d⟩: d is the hash chain of the batches executed up to n (the core has no state machine to hash). */
export interface Checkpoint extends Authenticated {
  type: 'Checkpoint'
  seq: number
  digest: string
}

/** A prepared certificate: the pre-prepare and 2f matching prepares from distinct backups. */
export interface PreparedProof {
  prePrepare: PrePrepare
  prepares: Prepare[]
}

/** ⟨VIEW-CHANGE, v+1, n, C, P, i⟩ (§4.4): the last stable checkpoint with its proof and the P set. */
export interface ViewChange extends Authenticated {
  type: 'ViewChange'
  view: number
  stableSeq: number
  stableDigest: string
  /** 2f+1 matching checkpoint messages for stableSeq; empty for the genesis checkpoint (seq 0). */
  checkpointProof: Checkpoint[]
  prepared: PreparedProof[]
}

/**
 * ⟨VIEW-CHANGE-ACK, v+1, i, j, d⟩ (TOCS §4.5): replica i (`replica`) tells the new primary that
 * j's view-change with digest d checked out at i, MACs and certificates included.
 */
export interface ViewChangeAck extends Authenticated {
  type: 'ViewChangeAck'
  view: number
  /** j: the replica whose view-change this acknowledges. */
  subject: NodeId
  /** d: the view-change's digest over its canonical bytes, its authenticator excluded. */
  digest: string
}

/**
 * ⟨NEW-VIEW, v+1, V, O⟩: backups recompute O from V and reject the message if it differs. `acks`
 * are the acknowledgements that let the primary put each message of V there; a backup that cannot
 * check a message of V itself accepts it on f+1 vouchers among the primary, its sender and these.
 */
export interface NewView extends Authenticated {
  type: 'NewView'
  view: number
  viewChanges: ViewChange[]
  acks: ViewChangeAck[]
  prePrepares: PrePrepare[]
}

/**
 * Periodic summary (the "status" messages of TOCS §5.2, simplified): peers answer with what the
 * sender is missing — the new-view, its own view-change, the last stable checkpoint with the
 * batches since the sender's last execution, or retransmissions of in-window messages.
 */
export interface Status extends Authenticated {
  type: 'Status'
  view: number
  viewChanging: boolean
  stableSeq: number
  executedSeq: number
  /**
   * Sequence numbers in the window holding a pre-prepare of this view that is not committed here
   * yet, executed or not (a batch executed in an earlier view is committed again in this one, and
   * the peers that lag behind need this replica's commit).
   */
  uncommitted: number[]
  /** The view-changes the sender holds for its target view and above, so peers relay only the others. */
  viewChangesHeld: { replica: NodeId; view: number }[]
}

/**
 * State transfer for a replica behind the last stable checkpoint. The core's "state" is the
 * sequence of executed batches, so the batches themselves are the transfer; the receiver checks
 * them against the checkpoint digest (a hash chain), so one honest sender is enough.
 */
export interface CatchUp extends Authenticated {
  type: 'CatchUp'
  /** Sequence number of batches[0]; fromSeq = toSeq + 1 when only the proof is sent. */
  fromSeq: number
  toSeq: number
  toDigest: string
  /** 2f+1 matching checkpoints for (toSeq, toDigest). */
  proof: Checkpoint[]
  /** The batches from fromSeq on, as many as catchUpBytesMax allows (at least one). */
  batches: ClientRequest[][]
  /**
   * The digests of the batches after those, through toSeq: with them the receiver checks the
   * whole hash chain against toDigest, and executes the batches carried; the rest come next time.
   */
  digests: string[]
}

export type PbftMessage =
  | RequestMessage
  | PrePrepare
  | Prepare
  | Commit
  | Checkpoint
  | ViewChange
  | ViewChangeAck
  | NewView
  | Status
  | CatchUp

export type PbftMessageType = PbftMessage['type']

/** A message before its authenticator is computed. */
export type Unsigned<M extends PbftMessage = PbftMessage> = M extends PbftMessage ? Omit<M, 'auth'> : never

/**
 * ⟨REPLY, v, t, c, i, r⟩ (§4.1): what a replica sends a client for an executed request. The driver
 * builds it with `PbftCore.reply(entry, result)`. A client accepts a result once f+1 replies from
 * distinct replicas agree on (clientId, timestamp, result); `view` tells it who the primary is.
 */
export interface Reply {
  type: 'Reply'
  view: number
  /** The client's timestamp: the request tag's seq. */
  timestamp: number
  clientId: string
  replica: NodeId
  /**
   * The result; absent in a digest reply (TOCS §5.1.1), which carries `resultDigest` instead: only
   * the replica the request designates (designatedReplier) sends it in full the first time.
   */
  result?: CommandResult
  /** resultDigestOf(result): what a digest reply carries in place of the result. */
  resultDigest?: string
  /** This replica's execution counter for the request (trace only; not part of the match). */
  index: number
  /** The sequence number the request executed at (trace only; not part of the match). */
  seq?: number
  /**
   * TOCS §5.1.3: executed once prepared, before it committed. A client needs 2f+1 matching
   * tentative replies of one view (f+1 matching committed ones otherwise). Absent on committed replies.
   */
  tentative?: true
  /**
   * TOCS §5.1.3: the answer to a read-only request, from this replica's committed state once every
   * request it had prepared when the read arrived executed. A client needs 2f+1 matching ones.
   */
  readOnly?: true
}

/**
 * A batch executed tentatively (TOCS §5.1.3): prepared in `view`, every batch before it committed
 * or tentatively executed. `requests` are those that run (duplicates by client timestamp, counting
 * the tentative ones, are left out), in order. The driver computes their results against its
 * committed state plus the tentative batches before this one, without changing the committed state.
 */
export interface TentativeBatch {
  seq: number
  view: number
  requests: ClientRequest[]
}

/**
 * The WAL payload. Replaying these records (constructor option `persisted`) restores a crashed
 * replica: it never contradicts what it sent before (same view, same prepares and commits), keeps
 * its prepared certificates for the next view change, and rebuilds its state machine from the
 * executed batches (the core re-emits them as `applied` on its first step).
 */
export type PbftPersist =
  | { type: 'view'; view: number; viewChanging: boolean }
  /** A pre-prepare this replica sent (primary) or accepted (backup). */
  | { type: 'pre-prepare'; message: PrePrepare }
  | { type: 'prepare'; message: Prepare }
  | { type: 'commit'; message: Commit }
  /** Completes a prepared certificate whose pre-prepare is in an earlier 'pre-prepare' record. */
  | { type: 'prepared'; view: number; seq: number; prepares: Prepare[] }
  | { type: 'stable-checkpoint'; seq: number; digest: string; proof: Checkpoint[] }
  /**
   * The new-view this replica installed: after a restart it can still hand it to a replica that
   * missed it (otherwise a replica stuck changing to this view waits forever). Replaying it
   * installs its view.
   */
  | { type: 'new-view'; message: NewView }
  /**
   * A view-change message for a view not installed yet, its own or a valid one it received: after a
   * restart it resends its own unchanged and relays the others, so replicas still waiting for 2f+1
   * in that view complete it (or see the f+1 that pull them along).
   */
  | { type: 'view-change'; message: ViewChange }
  /** `chain` is the checkpoint digest after this batch, so replay needs no earlier record. */
  | { type: 'executed'; seq: number; view: number; digest: string; chain: string; batch: ClientRequest[] }

/** The core's output: the shared contract plus cached replies to re-send (handle them with step 3, "reply"). */
export interface PbftReady extends Ready<PbftMessage, PbftPersist> {
  /**
   * PBFT's `mustSync` is set when a record changes what this replica promised (a view, a view-change,
   * an execution, a stable checkpoint, a prepared certificate: `recordMustSync` is the rule, per
   * record); then `persist` must reach the disk before anything in `applied`, `replies` or
   * `tentative` is answered. Every message is marked `leavesBefore: 'sync'`: the records need only be
   * written before messages leave.
   */
  mustSync: boolean
  /** Replies from the reply cache for duplicate requests; send each to `reply.clientId`. */
  replies: Reply[]
  /**
   * Every tentatively executed batch not yet committed is void (a view change, or a committed batch
   * that differs from the tentative one): drop their effects before computing `tentative`. Set
   * before anything else in the Ready is handled; the committed state is never touched by it.
   */
  tentativeDropped: boolean
  /** Batches executed tentatively in this step, in sequence order; see TentativeBatch and `PbftCore.tentativeReply`. */
  tentative: TentativeBatch[]
}

/** Injected so the core stays pure; the replica's `nodeCrypto` (replica/node-crypto.ts) is the real one. */
export interface PbftCrypto {
  digest(bytes: Uint8Array): string
  mac(from: NodeId, to: NodeId, bytes: Uint8Array): string
  verify(from: NodeId, to: NodeId, bytes: Uint8Array, mac: string): boolean
}

export const byzantineKinds = [
  'silent',
  'equivocate',
  'corrupt-digest',
  'phantom',
  'forge-auth',
  'slow-primary',
  'lie-checkpoint',
  'forge-view-change',
  'lie-reply',
  'lie-reply-digest',
] as const
export type ByzantineKind = (typeof byzantineKinds)[number]

/** What a Byzantine replica does to its own output. Each one is real behaviour, not a label. */
export type ByzantineBehaviour =
  /** Sends nothing at all (and builds no replies). */
  | { kind: 'silent' }
  /**
   * As primary: a forged batch (each command replaced by `put <key> = forgedValue`) for the victim
   * half of the honest replicas, the real one for the rest. As backup: prepares and commits carry
   * the forged digest for victims. Replicas in `colluders` share the victim split, so f+1 of them
   * can make two honest halves commit different batches at one sequence number.
   */
  | { kind: 'equivocate'; colluders?: NodeId[]; forgedValue?: string }
  /** Prepares and commits carry a wrong digest. */
  | { kind: 'corrupt-digest' }
  /** Sends prepares and commits for sequence numbers and batches no primary proposed. */
  | { kind: 'phantom' }
  /** Garbage MACs on everything it sends. */
  | { kind: 'forge-auth' }
  /** As primary, holds every pre-prepare back for `delayTicks`. */
  | { kind: 'slow-primary'; delayTicks?: number }
  /** Checkpoint messages carry a wrong state digest. */
  | { kind: 'lie-checkpoint' }
  /**
   * Its view-change messages carry a MAC that only the new primary can check (garbage for every
   * other replica); everything else it sends is honest. A new primary that put such a message in
   * its new-view would see every backup reject it, view after view.
   */
  | { kind: 'forge-view-change' }
  /**
   * Every reply it sends a client (committed, tentative, read-only, from the cache) carries a
   * forged result (forgedResult: a get reads `forgedValue`, a write says it was refused, a refusal
   * says it succeeded); a digest reply carries the forged result's digest. Every liar forges alike,
   * so f of them agree: only a client that waits for f+1 (2f+1) matching replies is safe.
   */
  | { kind: 'lie-reply'; forgedValue?: string }
  /**
   * Its full replies are honest, its digest replies (TOCS §5.1.1) carry the digest of the forged
   * result: they match a 'lie-reply' liar's full reply, never the honest one.
   */
  | { kind: 'lie-reply-digest'; forgedValue?: string }

export interface PbftOptions {
  id: NodeId
  /** Every replica, in the same order everywhere; the primary of view v is members[v mod n]. */
  members: NodeId[]
  /** Faults tolerated; defaults to the largest f with n >= 3f+1. */
  f?: number
  crypto: PbftCrypto
  /** Seeded generator; used only for Byzantine garbage. */
  random?: Random
  /** A backup's request timer; doubles per consecutive view change (§4.5.2). */
  requestTimeoutTicks?: number
  statusIntervalTicks?: number
  /** K: a checkpoint every K sequence numbers. */
  checkpointInterval?: number
  /** L: the high water mark is h + L. At least K, so the window always reaches the next checkpoint. */
  logWindowMax?: number
  /** Requests in one pre-prepare. */
  batchMax?: number
  /**
   * Digest replies (TOCS §5.1.1): only the replica a request designates answers with the full
   * result; the others send its digest, until the client asks again (then everyone answers in full).
   */
  digestReplies?: boolean
  /** Bytes of requests in one batch; default pbftBatchBytesMax(n, f, L), which keeps view changes within a frame. */
  batchBytesMax?: number
  /** Bytes of batches in one CatchUp; default catchUpBytesMax. */
  catchUpBytesMax?: number
  persisted?: PbftPersist[]
  byzantine?: ByzantineBehaviour | ByzantineKind
  /** Deliberate bugs for the simulator to catch (never set outside tests). */
  mutations?: PbftMutations
}

/** Deliberate bugs (each must be caught by the simulator; see test/sim/pbft-mutations.test.ts). */
export interface PbftMutations {
  /** Executes a batch tentatively once its pre-prepare is accepted, not once it is prepared. */
  tentativeBeforePrepared?: boolean
  /** Answers a read-only request at once from the committed state, not waiting for what it had prepared to execute. */
  readOnlyBeforeExecuted?: boolean
  /**
   * The client's side: accepts a committed result once f matching replies name it, not f+1 (the
   * descriptor's replyQuorum; the core itself ignores it). f liars then answer for the cluster.
   */
  acceptFMatchingReplies?: boolean
}
export const pbftMutationNames = ['tentativeBeforePrepared', 'readOnlyBeforeExecuted', 'acceptFMatchingReplies'] as const
