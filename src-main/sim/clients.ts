/**
 * Simulated clients and the history they leave (Jepsen style, the checker's format). Each client
 * has at most one operation in flight; it records invoke, then exactly one of ok (it happened),
 * fail (it definitely did not) or info (it may have: a timeout, a leader that dropped it). When
 * in doubt, info: the linearizability checker lets an info write take effect or not.
 *
 * The probe client exists for the liveness phase: it writes one key until a write is acknowledged.
 */
import { randomInt } from '../protocols/common/random.js'
import type { Command, NodeId, Random, RequestTag } from '../protocols/types.js'
import { historyInputOf, type HistoryEvent } from '../api/trace.js'
import type { WorkloadRates } from './scenario.js'

/** Operations recorded per run; a client stops invoking beyond it (the checker's search stays quick). */
export const historyOpsMax = 2_000
/** History processes of writes no client issued (a Byzantine primary's forgeries) start here. */
export const foreignProcessFirst = 1_000_000
export const probeKey = 'liveness-probe'

export type ClientFunction = 'get' | 'put' | 'cas'

export interface ClientOp {
  /** Unique per run; replies and timeouts name it, so a late answer to an old op is ignored. */
  opId: number
  f: ClientFunction
  key: string
  command: Command
  tag: RequestTag
  node: NodeId
  invokeUs: number
  /** Times the request was sent again to every replica ('quorum' style clients). */
  retransmits: number
  /** 'quorum' style: the replicas that answered, by result (JSON), until one result has enough. */
  replies: Map<string, Set<NodeId>>
  /**
   * The outcome behind each result (by the part of its key after the kind), once a replica answered
   * with it in full (digest replies, TOCS §5.1.1): a full reply of any kind supplies it.
   */
  fullOutcomes: Map<string, Outcome>
  /** The matching replies each result key needs (its kind's quorum). */
  replyQuorums: Map<string, number>
  /** A read allowed to be stale (a follower read): kept out of the history the checker judges. */
  unrecorded: boolean
}

export type Outcome =
  | { type: 'ok'; value?: string | null }
  | { type: 'fail'; error: string; leaderHint?: NodeId }
  | { type: 'info'; error: string }

export interface SimClient {
  /** The history's process number. */
  process: number
  id: string
  isProbe: boolean
  seq: number
  op: ClientOp | undefined
  leaderHint: NodeId | undefined
}

export interface ClientStats {
  ok: number
  fail: number
  info: number
}

export class Workload {
  readonly clients: SimClient[]
  readonly history: HistoryEvent[] = []
  readonly stats: ClientStats = { ok: 0, fail: 0, info: 0 }
  private opIdNext = 1
  private readonly lastValue = new Map<string, string | null>()
  /** Every request a client issued, by tag "clientId#seq": what it asked and when. */
  readonly issued = new Map<string, { command: Command; invokeUs: number }>()
  private foreignProcessNext = foreignProcessFirst

  /** Follower reads served in this run (kept out of the history). */
  followerReads = 0

  /** `readsMayBeStale`: gets are follower reads, which the history leaves out (see SimProtocol.readRoute). */
  constructor(
    private readonly rates: WorkloadRates,
    private members: readonly NodeId[],
    private readonly random: Random,
    private readonly readsMayBeStale = false,
  ) {
    this.clients = Array.from({ length: rates.clients + 1 }, (_, index) => {
      const isProbe = index === rates.clients
      return { process: index, id: isProbe ? 'probe' : `c${index + 1}`, isProbe, seq: 0, op: undefined, leaderHint: undefined }
    })
  }

  /** The nodes a client without a leader hint picks from, after a membership change. */
  setMembers(members: readonly NodeId[]): void {
    this.members = [...members]
  }

  clientById(id: string): SimClient | undefined {
    return this.clients.find((client) => client.id === id)
  }

  get operations(): number {
    return this.opIdNext - 1
  }

  get atCapacity(): boolean {
    return this.operations >= historyOpsMax
  }

  thinkUs(): number {
    return Math.floor(-Math.log(1 - this.random()) * this.rates.thinkUsMean)
  }

  /** Starts the client's next operation and records its invoke. */
  invoke(client: SimClient, nowUs: number): ClientOp {
    if (client.op !== undefined) throw new Error(`sim client ${client.id} invoked with op ${client.op.opId} in flight`)
    client.seq += 1
    const { f, key, command } = client.isProbe ? probeCommand(client) : this.drawCommand(client)
    const node = client.leaderHint ?? this.members[randomInt(this.random, 0, this.members.length - 1)]
    const op: ClientOp = {
      opId: this.opIdNext, f, key, command, tag: { clientId: client.id, seq: client.seq }, node, invokeUs: nowUs, retransmits: 0, replies: new Map(), fullOutcomes: new Map(), replyQuorums: new Map(),
      unrecorded: this.readsMayBeStale && f === 'get',
    }
    this.opIdNext += 1
    client.op = op
    this.issued.set(`${op.tag.clientId}#${op.tag.seq}`, { command, invokeUs: nowUs })
    if (op.unrecorded) return op
    this.history.push({ process: client.process, type: 'invoke', f, key, value: historyInputOf(command), time: nowUs * 1000 })
    return op
  }

  /** Records the outcome of the client's op in flight (the caller matched the opId). */
  complete(client: SimClient, outcome: Outcome, nowUs: number, node: NodeId | undefined): void {
    const op = client.op
    if (op === undefined) throw new Error(`sim client ${client.id} completed with nothing in flight`)
    client.op = undefined
    this.stats[outcome.type] += 1
    const event: HistoryEvent = { process: client.process, type: outcome.type, f: op.f, key: op.key, time: nowUs * 1000 }
    if (node !== undefined) event.node = node
    if (outcome.type === 'ok') {
      if (op.f === 'get') event.value = outcome.value ?? null
      this.lastValue.set(op.key, op.f === 'get' ? (outcome.value ?? null) : writtenValue(op.command))
    } else {
      event.error = outcome.error
    }
    if (op.unrecorded) this.followerReads += 1
    else this.history.push(event)
    // A refusal names the leader to try next; silence means the node we tried may be gone.
    if (outcome.type === 'fail') client.leaderHint = outcome.leaderHint
    else if (outcome.type === 'info') client.leaderHint = undefined
    else client.leaderHint = op.node
  }

  /**
   * A write that no client issued took effect by `nowUs` (a Byzantine primary ordered a request of
   * its own making under a client's tag; PBFT here cannot tell, its requests are unsigned). It goes
   * into the history as its own operation, invoked when the request it replaced was, so the checker
   * judges the other operations knowing it happened.
   */
  recordForeignWrite(command: Command, invokeUs: number, nowUs: number): void {
    if (command.op !== 'put' && command.op !== 'delete' && command.op !== 'cas') return
    const process = this.foreignProcessNext
    this.foreignProcessNext += 1
    const key = command.key
    this.history.push({ process, type: 'invoke', f: command.op, key, value: historyInputOf(command), time: invokeUs * 1000, error: 'forged' })
    this.history.push({ process, type: 'ok', f: command.op, key, time: nowUs * 1000 })
  }

  /** A write's value, unique per request; in big-values seeds some are kilobytes long (byte caps must split them). */
  private valueFor(client: SimClient): string {
    const value = `${client.id}.${client.seq}`
    if (this.rates.bigValuePercent === 0 || randomInt(this.random, 0, 99) >= this.rates.bigValuePercent) return value
    return `${value}.${'v'.repeat(randomInt(this.random, 1, this.rates.bigValueBytesMax))}`
  }

  private drawCommand(client: SimClient): { f: ClientFunction; key: string; command: Command } {
    const key = `k${randomInt(this.random, 0, this.rates.keys - 1)}`
    const roll = randomInt(this.random, 0, 99)
    const value = this.valueFor(client)
    if (roll < this.rates.getPercent) return { f: 'get', key, command: { op: 'get', key } }
    if (roll < this.rates.getPercent + this.rates.casPercent) {
      // Expect the latest value anyone saw, so a good share of cas operations can succeed.
      const expected = this.lastValue.get(key) ?? null
      return { f: 'cas', key, command: { op: 'cas', key, expected, value } }
    }
    return { f: 'put', key, command: { op: 'put', key, value } }
  }
}

function probeCommand(client: SimClient): { f: ClientFunction; key: string; command: Command } {
  return { f: 'put', key: probeKey, command: { op: 'put', key: probeKey, value: `probe.${client.seq}` } }
}


function writtenValue(command: Command): string | null {
  return command.op === 'put' || command.op === 'cas' ? command.value : null
}
