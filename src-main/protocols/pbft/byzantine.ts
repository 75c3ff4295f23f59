/**
 * Byzantine behaviours as rewrites of a replica's own outgoing messages. The replica runs the
 * honest protocol; what leaves it is what a liar would send, correctly MACed (except under
 * 'forge-auth'), so honest replicas must defeat it with quorums, not with authentication.
 */
import { assertNever } from '../types.js'
import type { Command, CommandResult, NodeId, Random } from '../types.js'
import { sign } from './auth.js'
import { batchDigest, resultDigestOf, tamperedDigest } from './canonical.js'
import { pbftDefaults } from './config.js'
import type { ByzantineBehaviour, ClientRequest, PbftCrypto, PbftMessage, Reply, Unsigned } from './types.js'

export interface RewriteContext {
  me: NodeId
  members: readonly NodeId[]
  crypto: PbftCrypto
  random: Random
  primaryOf(view: number): NodeId
  /** The batch this replica holds for (view, seq), so an equivocating backup can name the forged digest. */
  batchAt(view: number, seq: number): ClientRequest[] | undefined
}

export interface Variant {
  to: NodeId[]
  message: PbftMessage
}

/** What `message` (signed honestly by this replica) becomes for `receivers` under `behaviour`. */
export function rewriteOwnMessage(
  behaviour: ByzantineBehaviour,
  message: PbftMessage,
  receivers: NodeId[],
  context: RewriteContext,
): Variant[] {
  const unchanged: Variant[] = [{ to: receivers, message }]
  switch (behaviour.kind) {
    case 'silent':
      return []
    case 'forge-auth':
      return [{ to: receivers, message: { ...message, auth: message.auth.map(() => garbageMac(context.random)) } }]
    case 'corrupt-digest':
      if (message.type !== 'Prepare' && message.type !== 'Commit') return unchanged
      return [{ to: receivers, message: resign(context, { ...message, digest: tamperedDigest(context.crypto, 'corrupt', message.digest) }) }]
    case 'lie-checkpoint':
      if (message.type !== 'Checkpoint') return unchanged
      return [{ to: receivers, message: resign(context, { ...message, digest: tamperedDigest(context.crypto, 'lie', message.digest) }) }]
    case 'forge-view-change': {
      if (message.type !== 'ViewChange') return unchanged
      const primary = context.primaryOf(message.view)
      const auth = message.auth.map((mac, index) => (context.members[index] === primary ? mac : garbageMac(context.random)))
      return [{ to: receivers, message: { ...message, auth } }]
    }
    case 'equivocate':
      return equivocate(behaviour, message, receivers, context)
    case 'phantom':
    case 'slow-primary':
    case 'lie-reply':
    case 'lie-reply-digest':
      // phantom adds messages on ticks; slow-primary delays pre-prepares in the outbox; the reply
      // liars lie to clients (lyingReply), never to replicas.
      return unchanged
    default:
      return assertNever(behaviour, 'Byzantine behaviour')
  }
}

/**
 * The victims are the second half of the replicas outside the collusion, in member order. With c
 * colluders (primary included) a forged batch gathers floor((n-c)/2) + c-1 prepares: below 2f
 * while c <= f, exactly 2f when c = f+1 — the line the paper's bound draws. (Retransmission may
 * relay the primary's validly MACed forgery to a non-victim; as clients do not sign requests, the
 * forgery can then be ordered — by every honest replica alike, so agreement still holds.)
 */
export function victimsOf(behaviour: { colluders?: NodeId[] }, me: NodeId, members: readonly NodeId[]): Set<NodeId> {
  const colluders = new Set([...(behaviour.colluders ?? []), me])
  const honest = members.filter((member) => !colluders.has(member))
  return new Set(honest.slice(Math.ceil(honest.length / 2)))
}

function equivocate(
  behaviour: Extract<ByzantineBehaviour, { kind: 'equivocate' }>,
  message: PbftMessage,
  receivers: NodeId[],
  context: RewriteContext,
): Variant[] {
  const unchanged: Variant[] = [{ to: receivers, message }]
  const forgedValue = behaviour.forgedValue ?? pbftDefaults.forgedValue
  let forged: PbftMessage | undefined
  if (message.type === 'PrePrepare' && message.batch.length > 0 && context.primaryOf(message.view) === context.me) {
    const batch = forgeBatch(message.batch, forgedValue)
    forged = resign(context, { ...message, batch, digest: batchDigest(context.crypto, batch) })
  } else if (message.type === 'Prepare' || message.type === 'Commit') {
    const real = context.batchAt(message.view, message.seq)
    const digest = real && real.length > 0
      ? batchDigest(context.crypto, forgeBatch(real, forgedValue))
      : tamperedDigest(context.crypto, 'equivocate', message.digest)
    forged = resign(context, { ...message, digest })
  }
  if (!forged) return unchanged
  const victims = victimsOf(behaviour, context.me, context.members)
  const honestTo = receivers.filter((to) => !victims.has(to))
  const victimTo = receivers.filter((to) => victims.has(to))
  return [
    ...(honestTo.length > 0 ? [{ to: honestTo, message }] : []),
    ...(victimTo.length > 0 ? [{ to: victimTo, message: forged }] : []),
  ]
}

/** Same clients and timestamps, every command turned into a write of `value` (the forged transfer). */
export function forgeBatch(batch: ClientRequest[], value: string): ClientRequest[] {
  return batch.map((request) => ({ tag: request.tag, command: { op: 'put', key: commandKey(request.command), value } }))
}

/** The key the forged write lands on: the real command's key, or 'transfer' when it has none. */
function commandKey(command: Command): string {
  if ('key' in command) return command.key
  if ('prefix' in command) return command.prefix
  return 'transfer'
}

function resign(context: RewriteContext, message: PbftMessage): PbftMessage {
  const { auth: _auth, ...unsigned } = message
  return sign(context.crypto, context.members, unsigned as Unsigned)
}

function garbageMac(random: Random): string {
  let text = ''
  for (let index = 0; index < 8; index += 1) text += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0')
  return text
}

/**
 * The result a reply liar claims instead of `result`. It depends on nothing but `result` and
 * `forgedValue`, so every liar tells the same lie and f of them send matching replies. Each lie is
 * one a history shows: a read of a value nobody wrote, a write said refused that took effect, a
 * refused compare-and-set said done.
 */
export function forgedResult(result: CommandResult, forgedValue: string): CommandResult {
  if (!result.ok) return { ok: true }
  if (result.entries !== undefined) return { ok: true, entries: [['forged', forgedValue]], ...(result.revision === undefined ? {} : { revision: result.revision }) }
  if ('value' in result) return { ...result, value: forgedValue }
  return { ok: false, error: 'invalid', message: 'refused (a Byzantine replica says so)' }
}

/**
 * `reply` (honest, full or digest, as the replica would send it) as a reply liar sends it.
 * `honestResult` is the result behind a digest reply, which carries only its digest.
 */
export function lyingReply(behaviour: ByzantineBehaviour | undefined, reply: Reply, honestResult: CommandResult, crypto: PbftCrypto): Reply {
  if (behaviour?.kind !== 'lie-reply' && behaviour?.kind !== 'lie-reply-digest') return reply
  const forged = forgedResult(honestResult, behaviour.forgedValue ?? pbftDefaults.forgedValue)
  if (reply.result === undefined) return { ...reply, resultDigest: resultDigestOf(crypto.digest, forged) }
  return behaviour.kind === 'lie-reply' ? { ...reply, result: forged } : reply
}
