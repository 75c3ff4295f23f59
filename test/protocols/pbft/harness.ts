/**
 * A tiny deterministic harness for PBFT cores: a Map of cores, an explicit message queue, explicit
 * ticks, a toy key-value state machine per replica and client replies collected per request.
 * Nothing happens unless a test says so.
 */
import type { AppliedEntry, Command, CommandResult, CoreEvent, NodeId, ProposedCommand } from '../../../src-main/protocols/types.js'
import { PbftCore } from '../../../src-main/protocols/pbft/core.js'
import { nodeCrypto } from '../../../src-main/replica/node-crypto.js'
import { keyedHash } from '../../../src-main/sim/auth.js'
import { ReplyQuorum } from '../../../src-main/protocols/pbft/client.js'
import type { AcceptedReply } from '../../../src-main/protocols/pbft/client.js'
import { tentativeReplies } from '../../../src-main/protocols/pbft/tentative.js'
import type {
  ByzantineBehaviour,
  ByzantineKind,
  ClientRequest,
  PbftCrypto,
  PbftMessage,
  PbftOptions,
  PbftPersist,
  PbftReady,
  Reply,
} from '../../../src-main/protocols/pbft/types.js'

export interface Envelope {
  from: NodeId
  to: NodeId
  message: PbftMessage
}

export interface ClusterOptions {
  n: number
  f?: number
  names?: string[]
  byzantine?: Record<NodeId, ByzantineBehaviour | ByzantineKind>
  core?: Partial<Omit<PbftOptions, 'id' | 'members' | 'crypto' | 'byzantine' | 'persisted'>>
  crypto?: PbftCrypto
  /** Replicas answer tentatively (TOCS §5.1.3) as the replica process does; otherwise committed replies only. */
  tentative?: boolean
}

export const testCoreOptions = {
  requestTimeoutTicks: 20,
  statusIntervalTicks: 5,
  checkpointInterval: 4,
  logWindowMax: 8,
  batchMax: 8,
} as const

export function applyCommand(kv: Map<string, string>, command: Command): CommandResult {
  switch (command.op) {
    case 'put':
      kv.set(command.key, command.value)
      return { ok: true }
    case 'delete':
      kv.delete(command.key)
      return { ok: true }
    case 'get':
      return { ok: true, value: kv.get(command.key) ?? null }
    case 'cas': {
      const current = kv.get(command.key) ?? null
      if (current !== command.expected) return { ok: false, error: 'cas-mismatch', value: current }
      kv.set(command.key, command.value)
      return { ok: true }
    }
    case 'range':
      return { ok: true, entries: [...kv.entries()].filter(([key]) => key.startsWith(command.prefix)).sort() }
    case 'lease-grant':
    case 'lease-keepalive':
    case 'lease-revoke':
    case 'noop':
      return { ok: true }
  }
}

export class Cluster {
  readonly members: NodeId[]
  readonly f: number
  readonly crypto: PbftCrypto
  readonly cores = new Map<NodeId, PbftCore>()
  readonly kv = new Map<NodeId, Map<string, string>>()
  readonly wal = new Map<NodeId, PbftPersist[]>()
  readonly applied = new Map<NodeId, AppliedEntry[]>()
  /** seq -> batch digest and batch, from the 'executed' WAL records. */
  readonly executed = new Map<NodeId, Map<number, { digest: string; batch: ClientRequest[] }>>()
  readonly events = new Map<NodeId, CoreEvent[]>()
  readonly replies: Reply[] = []
  queue: Envelope[] = []
  readonly down = new Set<NodeId>()
  /** Return true to drop a message instead of queueing it (partitions, loss). */
  dropIf: ((envelope: Envelope) => boolean) | undefined
  sent = 0
  readonly sentByType = new Map<string, number>()
  /** Read-only requests handed to the cores (TOCS §5.1.3), by read id. */
  private readonly readOnlyRequests = new Map<number, { tag: { clientId: string; seq: number }; key: string }>()
  private readIdNext = 1

  constructor(private readonly options: ClusterOptions) {
    this.members = options.names ?? Array.from({ length: options.n }, (_, index) => `R${index}`)
    this.f = options.f ?? Math.floor((this.members.length - 1) / 3)
    this.crypto = options.crypto ?? nodeCrypto('lab-secret', this.members)
    for (const id of this.members) {
      this.wal.set(id, [])
      this.applied.set(id, [])
      this.executed.set(id, new Map())
      this.events.set(id, [])
      this.kv.set(id, new Map())
      this.cores.set(id, this.makeCore(id))
    }
  }

  private makeCore(id: NodeId, persisted?: PbftPersist[]): PbftCore {
    return new PbftCore({
      id,
      members: this.members,
      f: this.options.f,
      crypto: this.crypto,
      ...testCoreOptions,
      ...this.options.core,
      byzantine: this.options.byzantine?.[id],
      persisted,
    })
  }

  core(id: NodeId): PbftCore {
    const core = this.cores.get(id)
    if (!core) throw new Error(`no core ${id}`)
    return core
  }

  honest(): NodeId[] {
    return this.members.filter((id) => !this.options.byzantine?.[id] && !this.down.has(id))
  }

  /** Steps one core and handles its Ready in the contract's order: persist, send, apply+reply. */
  step(id: NodeId, input: Parameters<PbftCore['step']>[0]): PbftReady {
    if (this.down.has(id)) throw new Error(`${id} is down`)
    const core = this.core(id)
    const ready = core.step(input)
    this.wal.get(id)?.push(...ready.persist)
    for (const record of ready.persist) {
      if (record.type === 'executed') this.executed.get(id)?.set(record.seq, { digest: record.digest, batch: record.batch })
    }
    for (const { to, message } of ready.messages) {
      const envelope = { from: id, to, message }
      this.sent += 1
      this.sentByType.set(message.type, (this.sentByType.get(message.type) ?? 0) + 1)
      if (this.dropIf?.(envelope)) continue
      this.queue.push(envelope)
    }
    const kv = this.kv.get(id) as Map<string, string>
    for (const entry of ready.applied) {
      this.applied.get(id)?.push(entry)
      const reply = core.reply(entry, applyCommand(kv, entry.command))
      if (reply) this.replies.push(reply)
    }
    this.replies.push(...ready.replies)
    for (const { readId } of ready.reads) {
      const read = this.readOnlyRequests.get(readId)
      const reply = read === undefined ? undefined : core.readOnlyReply(read.tag, applyCommand(kv, { op: 'get', key: read.key }))
      if (reply) this.replies.push(reply)
    }
    if (this.options.tentative) {
      // The toy state machine has no revisions: tentative results carry revision 0.
      const reader = { valueOf: (key: string) => kv.get(key) ?? null, revision: 0 }
      for (const { reply } of tentativeReplies(core, [ready], reader)) this.replies.push(reply)
    }
    this.events.get(id)?.push(...ready.events)
    return ready
  }

  propose(id: NodeId, proposals: ProposedCommand[]): PbftReady {
    return this.step(id, { kind: 'propose', proposals })
  }

  /** A client request sent to some replicas (the client's first try goes to the primary only). */
  request(clientId: string, seq: number, command: Command, to: NodeId[]): ProposedCommand {
    const proposal = { command, tag: { clientId, seq } }
    for (const id of to) if (!this.down.has(id)) this.propose(id, [proposal])
    return proposal
  }

  /** A read-only get (TOCS §5.1.3), multicast to `to` as the client does; each replica answers on its own. */
  readOnly(clientId: string, seq: number, key: string, to: NodeId[] = this.members): void {
    for (const id of to) {
      if (this.down.has(id)) continue
      const readId = this.readIdNext++
      this.readOnlyRequests.set(readId, { tag: { clientId, seq }, key })
      this.step(id, { kind: 'read', readIds: [readId] })
    }
  }

  tick(ids: NodeId[] = this.members, count = 1): void {
    for (let index = 0; index < count; index += 1) {
      for (const id of ids) if (!this.down.has(id)) this.step(id, { kind: 'tick' })
    }
  }

  /** Delivers the first queued message matching `match`; returns it, or undefined when none matches. */
  deliverOne(match: (envelope: Envelope) => boolean = () => true): Envelope | undefined {
    const index = this.queue.findIndex(match)
    if (index < 0) return undefined
    const [envelope] = this.queue.splice(index, 1)
    if (!this.down.has(envelope.to)) this.step(envelope.to, { kind: 'message', from: envelope.from, message: envelope.message })
    return envelope
  }

  /** Delivers queued messages (and those they cause) in FIFO order until the queue is empty. */
  deliverAll(match: (envelope: Envelope) => boolean = () => true, stepsMax = 100_000): number {
    let delivered = 0
    while (this.deliverOne(match)) {
      delivered += 1
      if (delivered > stepsMax) throw new Error('deliverAll: no quiescence')
    }
    return delivered
  }

  /** Ticks everyone and drains the queue, `rounds` times. */
  run(rounds: number): void {
    for (let round = 0; round < rounds; round += 1) {
      this.tick()
      this.deliverAll()
    }
  }

  crash(id: NodeId): void {
    this.down.add(id)
    this.queue = this.queue.filter((envelope) => envelope.to !== id)
  }

  /** Restarts from the WAL with an empty state machine, as a replica process would. */
  restart(id: NodeId): void {
    this.down.delete(id)
    this.kv.set(id, new Map())
    this.applied.set(id, [])
    this.cores.set(id, this.makeCore(id, [...(this.wal.get(id) ?? [])]))
  }

  accepted(clientId: string, seq: number): AcceptedReply | undefined {
    const quorum = new ReplyQuorum(clientId, seq, this.f, this.crypto.digest)
    let accepted: AcceptedReply | undefined
    for (const reply of this.replies) accepted = quorum.add(reply) ?? accepted
    return accepted
  }

  notes(id: NodeId, prefix: string): string[] {
    return (this.events.get(id) ?? []).flatMap((event) => (event.kind === 'note' && event.text.startsWith(prefix) ? [event.text] : []))
  }

  executedSeq(id: NodeId): number {
    return this.core(id).status().commitIndex
  }

  appliedCommands(id: NodeId): string[] {
    return (this.applied.get(id) ?? []).map((entry) => `${entry.tag?.clientId}:${entry.tag?.seq}:${JSON.stringify(entry.command)}`)
  }

  /** Sequence numbers at which two of `ids` executed different batches. */
  disagreements(ids: NodeId[]): string[] {
    const found: string[] = []
    const bySeq = new Map<number, Map<string, NodeId[]>>()
    for (const id of ids) {
      for (const [seq, { digest }] of this.executed.get(id) ?? []) {
        const digests = bySeq.get(seq) ?? new Map<string, NodeId[]>()
        digests.set(digest, [...(digests.get(digest) ?? []), id])
        bySeq.set(seq, digests)
      }
    }
    for (const [seq, digests] of bySeq) {
      if (digests.size > 1) found.push(`seq ${seq}: ${[...digests.values()].map((nodes) => nodes.join('+')).join(' vs ')}`)
    }
    return found
  }

  messagesOfType(type: PbftMessage['type']): Envelope[] {
    return this.queue.filter((envelope) => envelope.message.type === type)
  }
}

export const put = (key: string, value: string): Command => ({ op: 'put', key, value })

/**
 * A fast stand-in for nodeCrypto, for the randomized sweep only: the same shape (a keyed function
 * per ordered pair over the canonical bytes, 64-bit), several times cheaper than HMAC-SHA256. The
 * sweep tests protocol logic; the unit tests keep the real HMACs.
 */
export function fastTestCrypto(members: readonly NodeId[]): PbftCrypto {
  // The simulator's keyed hash (sim/auth.ts), with each buffer's bytes hashed once.
  const hash = keyedHash
  // Hash the bytes once per buffer (the core reuses one buffer for a message), then key it per pair.
  const memo = new WeakMap<Uint8Array, Uint8Array>()
  const encoder = new TextEncoder()
  const mac = (from: NodeId, to: NodeId, bytes: Uint8Array): string => {
    let body = memo.get(bytes)
    if (!body) {
      body = encoder.encode(hash('body', bytes))
      memo.set(bytes, body)
    }
    return hash(`key:${from}>${to}`, body)
  }
  return {
    digest: (bytes) => hash('digest', bytes),
    mac,
    verify: (from, to, bytes, received) => members.includes(from) && members.includes(to) && mac(from, to, bytes) === received,
  }
}

interface ClientState {
  id: string
  seq: number
  command?: Command
  sentAt: number
  done: number
}

/**
 * Closed-loop clients as §4.1 describes them: one request outstanding per client, sent to the
 * primary they believe in; on timeout, retransmitted to every replica; done at f+1 matching replies.
 */
export class ClosedLoopClients {
  readonly proposed = new Map<string, Command>()
  readonly results = new Map<string, CommandResult>()
  private readonly clients: ClientState[]
  private view = 0
  private now = 0
  private seenReplies = 0
  private readonly quorums = new Map<string, ReplyQuorum>()

  constructor(
    private readonly cluster: Cluster,
    count: number,
    private readonly opsEach: number,
    private readonly retransmitTicks = 30,
    private readonly makeCommand: (clientId: string, seq: number) => Command = (clientId, seq) => put(`${clientId}-k${seq % 3}`, `${clientId}-v${seq}`),
    /** Ticks a client waits after a result before its next request. */
    private readonly thinkTicks = 0,
  ) {
    this.clients = Array.from({ length: count }, (_, index) => ({ id: `client${index}`, seq: 0, sentAt: 0, done: 0 }))
  }

  /** Call once per tick: collects replies, starts next operations, retransmits late ones. */
  advance(): void {
    this.now += 1
    this.collectReplies()
    for (const client of this.clients) {
      if (client.done >= this.opsEach && !client.command) continue
      if (!client.command) {
        if (this.now < client.sentAt) continue
        client.seq += 1
        client.command = this.makeCommand(client.id, client.seq)
        this.proposed.set(`${client.id}:${client.seq}`, client.command)
        this.quorums.set(client.id, new ReplyQuorum(client.id, client.seq, this.cluster.f))
        client.sentAt = this.now
        this.send(client, [this.cluster.members[this.view % this.cluster.members.length]])
      } else if (this.now - client.sentAt >= this.retransmitTicks) {
        client.sentAt = this.now
        this.send(client, this.cluster.members)
      }
    }
  }

  private send(client: ClientState, to: NodeId[]): void {
    this.cluster.request(client.id, client.seq, client.command as Command, to)
  }

  private collectReplies(): void {
    const replies = this.cluster.replies
    for (; this.seenReplies < replies.length; this.seenReplies += 1) {
      const reply = replies[this.seenReplies]
      const client = this.clients.find((c) => c.id === reply.clientId)
      if (!client?.command || reply.timestamp !== client.seq) continue
      const accepted = this.quorums.get(client.id)?.add(reply)
      if (!accepted) continue
      this.results.set(`${client.id}:${client.seq}`, accepted.result)
      this.view = Math.max(this.view, accepted.view)
      client.command = undefined
      client.done += 1
      // sentAt doubles as "not before" while the client thinks.
      client.sentAt = this.now + this.thinkTicks
    }
  }

  finished(): boolean {
    return this.clients.every((client) => client.done >= this.opsEach)
  }

  completed(): number {
    return this.clients.reduce((sum, client) => sum + client.done, 0)
  }
}

/**
 * Honest replicas apply each client request at most once, and only what a client proposed. The
 * lab's clients do not sign requests, so a Byzantine primary can get a request of its own making
 * ordered (PBFT proper rejects it by the client's signature); `forgeryAllowed` names the one
 * forgery the 'equivocate' behaviour makes when such a primary is in the run.
 */
export function validityViolations(
  cluster: Cluster,
  proposed: Map<string, Command>,
  ids: NodeId[],
  forgeryAllowed: (command: Command) => boolean = () => false,
): string[] {
  const found: string[] = []
  for (const id of ids) {
    const tags = new Set<string>()
    for (const entry of cluster.applied.get(id) ?? []) {
      const key = `${entry.tag?.clientId}:${entry.tag?.seq}`
      if (tags.has(key)) found.push(`${id} applied ${key} twice`)
      tags.add(key)
      const command = proposed.get(key)
      const genuine = command !== undefined && JSON.stringify(command) === JSON.stringify(entry.command)
      if (!genuine && !forgeryAllowed(entry.command)) {
        found.push(`${id} applied ${key} ${JSON.stringify(entry.command)}, which no client proposed`)
      }
    }
  }
  return found
}
