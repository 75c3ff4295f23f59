/**
 * One randomized run per seed, VOPR-style: per seed a cluster of 4 or 7, up to f Byzantine replicas with
 * behaviours drawn at random (equivocators collude), sometimes one honest replica crashing and
 * restarting from its WAL while the faults stay within f, and a network that reorders, delays,
 * duplicates and drops. Safety is checked throughout (agreement, validity); after the network
 * heals every client must finish and the honest replicas must converge (liveness).
 * Used by randomized.test.ts, which says how to replay a seed.
 */
import { randomInt, seededRandom } from '../../../src-main/protocols/common/random.js'
import type { Random } from '../../../src-main/protocols/types.js'
import { byzantineKinds } from '../../../src-main/protocols/pbft/types.js'
import type { ByzantineBehaviour } from '../../../src-main/protocols/pbft/types.js'
import { pbftDefaults } from '../../../src-main/protocols/pbft/config.js'
import type { Command, CoreEvent } from '../../../src-main/protocols/types.js'
import { ClosedLoopClients, Cluster, fastTestCrypto, validityViolations } from './harness.js'
import type { Envelope } from './harness.js'

const chaosTicks = 200
const healTicksMax = 2500
const settleTicks = 60
const wavesPerTickMax = 64

interface Network {
  drop: number
  duplicate: number
  delay: number
  delayTicksMax: number
}

export interface Outcome {
  problems: string[]
  summary: string
  /** Messages sent, by type. */
  sent: string
}

function shuffle<T>(random: Random, items: T[]): T[] {
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = randomInt(random, 0, index)
    ;[items[index], items[other]] = [items[other], items[index]]
  }
  return items
}

function drawByzantine(random: Random, members: string[], f: number): Record<string, ByzantineBehaviour> {
  const liars = shuffle(random, [...members]).slice(0, randomInt(random, 0, f))
  const kinds = liars.map(() => byzantineKinds[randomInt(random, 0, byzantineKinds.length - 1)])
  const equivocators = liars.filter((_, index) => kinds[index] === 'equivocate')
  return Object.fromEntries(
    liars.map((id, index): [string, ByzantineBehaviour] => {
      const kind = kinds[index]
      if (kind === 'equivocate') return [id, { kind, colluders: equivocators }]
      if (kind === 'slow-primary') return [id, { kind, delayTicks: randomInt(random, 1, 40) }]
      return [id, { kind } as ByzantineBehaviour]
    }),
  )
}

/** Delivers the queue in random order with loss, duplication and delay; messages sent meanwhile go in the next wave. */
class RandomNetwork {
  private held: { due: number; envelope: Envelope }[] = []
  now = 0

  constructor(private readonly cluster: Cluster, private readonly random: Random, public conditions: Network) {}

  tick(): void {
    this.now += 1
    const due = this.held.filter((item) => item.due <= this.now)
    this.held = this.held.filter((item) => item.due > this.now)
    this.cluster.queue.push(...due.map((item) => item.envelope))
    for (let wave = 0; wave < wavesPerTickMax && this.cluster.queue.length > 0; wave += 1) {
      const batch = shuffle(this.random, this.cluster.queue)
      this.cluster.queue = []
      for (const envelope of batch) this.route(envelope)
    }
  }

  private route(envelope: Envelope): void {
    const { drop, duplicate, delay, delayTicksMax } = this.conditions
    if (this.random() < drop) return
    if (this.random() < delay) {
      this.held.push({ due: this.now + randomInt(this.random, 1, delayTicksMax), envelope })
      return
    }
    this.deliver(envelope)
    if (this.random() < duplicate) this.deliver(envelope)
  }

  private deliver(envelope: Envelope): void {
    if (this.cluster.down.has(envelope.to)) return
    this.cluster.step(envelope.to, { kind: 'message', from: envelope.from, message: envelope.message })
  }

  flushHeld(): void {
    this.cluster.queue.push(...this.held.map((item) => item.envelope))
    this.held = []
  }
}

interface FaultPlan {
  crash?: { id: string; at: number; for: number }
  /** Windows in which `side` hears nothing from the rest and the rest nothing from it. */
  partitions: { at: number; for: number; side: Set<string> }[]
}

/** At most f replicas are faulty at once: a crash only when fewer than f are Byzantine. Partitions may cut more. */
function drawFaults(random: Random, names: string[], honest: string[], byzantineCount: number, f: number): FaultPlan {
  const crash = byzantineCount < f && random() < 0.5
    ? { id: honest[randomInt(random, 0, honest.length - 1)], at: randomInt(random, 5, chaosTicks - 60), for: randomInt(random, 5, 80) }
    : undefined
  const partitions = Array.from({ length: randomInt(random, 0, 2) }, () => ({
    at: randomInt(random, 5, chaosTicks - 40),
    for: randomInt(random, 10, 60),
    side: new Set(shuffle(random, [...names]).slice(0, randomInt(random, 1, f + 1))),
  }))
  return { crash, partitions }
}

function describeRun(seed: number, n: number, byzantine: Record<string, ByzantineBehaviour>, network: Network, faults: FaultPlan): string {
  const kinds = Object.fromEntries(Object.entries(byzantine).map(([id, behaviour]) => [id, behaviour.kind]))
  const net = Object.entries(network).map(([key, value]) => `${key}=${Math.round(value * 100) / 100}`).join(',')
  const crash = faults.crash ? ` crash=${faults.crash.id}@${faults.crash.at}+${faults.crash.for}` : ''
  const cuts = faults.partitions.map((p) => ` cut=[${[...p.side].join(',')}]@${p.at}+${p.for}`).join('')
  return `seed ${seed}: n=${n} byzantine=${JSON.stringify(kinds)} net=${net}${crash}${cuts}`
}

export function simulate(seed: number): Outcome {
  const random = seededRandom(seed, 'pbft-randomized')
  const n = random() < 0.75 ? 4 : 7
  const f = (n - 1) / 3
  const names = Array.from({ length: n }, (_, index) => `R${index}`)
  const byzantine = drawByzantine(random, names, f)
  const honest = names.filter((id) => !byzantine[id])
  const cluster = new Cluster({ n, byzantine, crypto: fastTestCrypto(names), core: { statusIntervalTicks: 10 } })
  // Clients think between requests, so the workload spans the fault windows.
  const clients = new ClosedLoopClients(cluster, randomInt(random, 1, 4), randomInt(random, 3, 8), 30, undefined, randomInt(random, 0, 30))
  const network = new RandomNetwork(cluster, random, {
    drop: random() * 0.25,
    duplicate: random() * 0.1,
    delay: random() * 0.3,
    delayTicksMax: randomInt(random, 1, 15),
  })
  const faults = drawFaults(random, names, honest, Object.keys(byzantine).length, f)
  const summary = describeRun(seed, n, byzantine, network.conditions, faults)
  const problems: string[] = []
  // Unsigned client requests: an equivocating primary's forged write may be ordered (consistently).
  const equivocating = Object.values(byzantine).some((behaviour) => behaviour.kind === 'equivocate')
  const forgeryAllowed = (command: Command): boolean =>
    equivocating && command.op === 'put' && command.value === pbftDefaults.forgedValue
  const checkSafety = (): void => {
    problems.push(...cluster.disagreements(honest).map((text) => `agreement: ${text}`))
    const up = honest.filter((id) => !cluster.down.has(id))
    problems.push(...validityViolations(cluster, clients.proposed, up, forgeryAllowed).map((text) => `validity: ${text}`))
  }
  const stepAll = (): void => {
    clients.advance()
    cluster.tick()
    network.tick()
  }

  let tick = 0
  for (; tick < chaosTicks && !clients.finished() && problems.length === 0; tick += 1) {
    const crash = faults.crash
    if (crash && tick === crash.at) cluster.crash(crash.id)
    if (crash && tick === crash.at + crash.for) cluster.restart(crash.id)
    const cuts = faults.partitions.filter((p) => tick >= p.at && tick < p.at + p.for)
    cluster.dropIf = cuts.length === 0 ? undefined : (e) => cuts.some((p) => p.side.has(e.from) !== p.side.has(e.to))
    stepAll()
    if (tick % 25 === 0) checkSafety()
  }
  // Heal: every replica up, a reliable network, no partition; the Byzantine replicas keep lying.
  if (faults.crash && cluster.down.has(faults.crash.id)) cluster.restart(faults.crash.id)
  cluster.dropIf = undefined
  network.conditions = { drop: 0, duplicate: 0, delay: 0, delayTicksMax: 1 }
  network.flushHeld()
  let healTicks = 0
  for (; healTicks < healTicksMax && !clients.finished(); healTicks += 1) stepAll()
  for (let settle = 0; settle < settleTicks; settle += 1) stepAll()
  checkSafety()
  if (!clients.finished()) problems.push(`liveness: clients finished ${clients.completed()} operations after healing for ${healTicksMax} ticks`)
  problems.push(...convergenceProblems(cluster, honest))
  // PBFT_DEBUG=<n>: print each replica's status and its last n events (with PBFT_SEED, for one run).
  if (process.env.PBFT_DEBUG) {
    for (const id of names) console.log(JSON.stringify(cluster.core(id).status()))
    const interesting = (e: CoreEvent): boolean => e.kind !== 'commit' && !(e.kind === 'note' && e.text.startsWith('auth-failed'))
    for (const id of names) {
      const recent = (cluster.events.get(id) ?? []).filter(interesting).slice(-Number(process.env.PBFT_DEBUG))
      console.log(id, recent.map((e) => (e.kind === 'note' ? e.text : JSON.stringify(e))))
    }
  }
  const sent = [...cluster.sentByType].map(([type, count]) => `${type}:${count}`).join(' ')
  return { problems, summary: `${summary} chaos=${tick} heal=${healTicks}`, sent }
}

/**
 * Every honest replica in a normal view has executed as far as any honest replica; one still
 * changing view on its own (PBFT lets no single replica force a view change) must at least have
 * caught up to the latest stable checkpoint by state transfer.
 */
function convergenceProblems(cluster: Cluster, honest: string[]): string[] {
  const statuses = honest.map((id) => cluster.core(id).status())
  const executedMax = Math.max(...statuses.map((s) => s.lastExecuted))
  const stableMax = Math.max(...statuses.map((s) => s.lowWaterMark))
  return statuses.flatMap((status) => {
    const caughtUp = status.lastExecuted === executedMax || (status.role === 'view-changing' && status.lastExecuted >= stableMax)
    return caughtUp ? [] : [`liveness: ${status.id} (${status.role}, view ${status.view}) executed ${status.lastExecuted}, others ${executedMax}, stable ${stableMax}`]
  })
}

