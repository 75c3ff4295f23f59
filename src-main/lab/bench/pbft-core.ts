/**
 * PBFT's cores alone, in one process: the CPU an operation costs the protocol itself (MACs,
 * digests, canonical JSON, the log, invariant checks, tentative execution), with every message
 * through the replica's own frames (msgpack) as on the wire, and none of the rest of a replica
 * (sockets, WAL, trace shipping, the event loop). One client writes one request at a time to the
 * primary, as the 1-client bench does; the schedule is the same on every run, so CPU per
 * operation barely moves with the machine's load, where a real run's does (fewer operations per
 * second share the same timers and batches).
 */
import { PbftCore } from '../../protocols/pbft/core.js'
import { committedReaderOf, hasTentativeWork, tentativeReplies } from '../../protocols/pbft/tentative.js'
import type { PbftMessage, PbftReady } from '../../protocols/pbft/types.js'
import type { NodeId } from '../../protocols/types.js'
import { KeyValueStore } from '../../kv/store.js'
import { nodeCrypto } from '../../replica/node-crypto.js'
import { encodeFrame, FrameDecoder } from '../../replica/framing.js'

export interface PbftCoreCpu {
  replicas: number
  ops: number
  /** CPU (user + system) of the whole process per operation: every replica's core, summed. */
  cpuMsPerOp: number
  messagesPerOp: number
}

/** Writes between ticks: a replica ticks every 5 ms (tickMs) and, on a quiet machine, a 1-client PBFT run writes about every 4 to 5 ms. */
const opsPerTick = 1

interface Replica {
  core: PbftCore
  store: KeyValueStore
}

export function measurePbftCoreCpu(options: { replicas: number; ops: number; warmupOps: number }): PbftCoreCpu {
  const members = Array.from({ length: options.replicas }, (_, index) => `R${index}`)
  const crypto = nodeCrypto('pbft-core-bench', members)
  const replicas = new Map<NodeId, Replica>(members.map((id) => [id, { core: new PbftCore({ id, members, crypto }), store: new KeyValueStore() }]))
  const queue: { from: NodeId; to: NodeId; frame: Buffer }[] = []
  let messages = 0
  let requestSeq = 0

  const step = (id: NodeId, input: Parameters<PbftCore['step']>[0]): void => {
    const { core, store } = replicas.get(id)!
    const ready: PbftReady = core.step(input)
    for (const { to, message } of ready.messages) queue.push({ from: id, to, frame: encodeFrame(message) })
    messages += ready.messages.length
    for (const entry of ready.applied) core.reply(entry, store.apply(entry.index, entry.term, entry.command))
    // As the replica does (adapters.ts: the turn's replies wait for tentative work only when there is some).
    if (hasTentativeWork(ready)) tentativeReplies(core, [ready], committedReaderOf(store))
  }
  const write = () => {
    requestSeq += 1
    step(members[0]!, { kind: 'propose', proposals: [{ command: { op: 'put', key: `k${requestSeq % 1000}`, value: 'v'.repeat(16) }, tag: { clientId: 'bench', seq: requestSeq } }] })
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const { bodies } = new FrameDecoder().push(next.frame)
      step(next.to, { kind: 'message', from: next.from, message: bodies[0] as PbftMessage })
    }
    if (requestSeq % opsPerTick === 0) for (const id of members) step(id, { kind: 'tick' })
  }

  for (let op = 0; op < options.warmupOps; op += 1) write()
  const messagesBefore = messages
  const cpuBefore = process.cpuUsage()
  for (let op = 0; op < options.ops; op += 1) write()
  const cpu = process.cpuUsage(cpuBefore)
  const executed = replicas.get(members[1]!)!.core.lastExecutedSeq
  if (executed !== options.warmupOps + options.ops) throw new Error(`pbft-core bench: ${executed} of ${options.warmupOps + options.ops} writes executed`)
  return { replicas: options.replicas, ops: options.ops, cpuMsPerOp: (cpu.user + cpu.system) / 1000 / options.ops, messagesPerOp: (messages - messagesBefore) / options.ops }
}
