/**
 * The seeded network between simulated nodes: per-message delay (a floor plus an exponential
 * tail), loss, duplication, stragglers, per-link FIFO or reordering, and directed link cuts
 * (partitions, one-way included). It only decides *when* a message arrives, if ever; the
 * simulation puts the arrivals on its agenda.
 *
 * A cut is checked when a message arrives, not when it leaves: a partition also swallows what was
 * already on the wire, and a message sent just before the heal may still get through.
 */
import type { LinkConditionsChange } from '../faults/fault.js'
import type { NodeId, Random } from '../protocols/types.js'
import { delayUsMax, tickUs, type NetworkRates } from './scenario.js'

/** Messages on the wire at once; beyond it a send is dropped as a full buffer would (counted). */
export const messagesInFlightMax = 20_000
/** What a loopback hop costs before any delay a lab fault adds. */
export const loopbackDelayUs = 100
/** The exponential tail of a link without jitter. */
export const loopbackJitterMeanUs = 200

/**
 * The lab's link conditions (network and link faults, an experiment's `network`) as the simulator's
 * rates, field by field: what the change leaves out stays. The replica delays a message by delay ±
 * jitter (uniform) and keeps order unless it reorders; here a delay is a floor plus an exponential
 * tail, so `delay ± jitter` becomes a floor of delay - jitter and a tail whose mean is the jitter,
 * and any reordering makes the link non-FIFO.
 */
export function ratesWithConditions(rates: NetworkRates, change: LinkConditionsChange): NetworkRates {
  const next = { ...rates }
  if (change.delayMs !== undefined || change.jitterMs !== undefined) {
    const jitterUs = change.jitterMs !== undefined ? change.jitterMs * 1000 : rates.delayMeanUs === loopbackJitterMeanUs ? 0 : rates.delayMeanUs
    const delayUs = change.delayMs !== undefined ? change.delayMs * 1000 : rates.delayMinUs - loopbackDelayUs + jitterUs
    next.delayMinUs = loopbackDelayUs + Math.max(0, Math.round(delayUs - jitterUs))
    next.delayMeanUs = Math.max(loopbackJitterMeanUs, Math.round(jitterUs))
    next.delayCapUs = next.delayMinUs + Math.max(3 * tickUs, 2 * Math.round(jitterUs))
  }
  if (change.loss !== undefined) next.lossPercent = change.loss * 100
  if (change.duplicate !== undefined) next.duplicatePercent = change.duplicate * 100
  if (change.reorder !== undefined) next.fifo = change.reorder === 0
  return next
}

export interface NetworkStats {
  sent: number
  lost: number
  duplicated: number
  stragglers: number
  overflowed: number
}

export class SimNetwork {
  readonly stats: NetworkStats = { sent: 0, lost: 0, duplicated: 0, stragglers: 0, overflowed: 0 }
  /** Every link's rates (and the clients'); a link with its own conditions has them in linkRates. */
  private rates: NetworkRates
  private linkRates = new Map<string, NetworkRates>()
  /** What network and link faults changed since the start, on top of the seed's rates. */
  private networkChange: LinkConditionsChange = {}
  private readonly linkChanges = new Map<string, LinkConditionsChange>()
  private calmed = false
  /** Directed cuts, as "from>to". */
  private readonly cuts = new Set<string>()
  /** FIFO links: the latest arrival time already promised on each link. */
  private readonly lastArrivalUs = new Map<string, number>()
  private inFlight = 0

  constructor(private readonly baseRates: NetworkRates, private readonly random: Random) {
    this.rates = baseRates
  }

  /** The liveness phase calms the network: no loss, duplicates or stragglers, delays unchanged. */
  calm(): void {
    this.calmed = true
    this.recompute()
  }

  /** The lab's `network` fault: every link's conditions, merged into the current ones. */
  changeConditions(change: LinkConditionsChange): string {
    this.networkChange = { ...this.networkChange, ...change }
    this.recompute()
    return ''
  }

  /** The lab's `link` fault: one directed link's conditions, over the network's. */
  changeLinkConditions(from: NodeId, to: NodeId, change: LinkConditionsChange): string {
    const link = `${from}>${to}`
    this.linkChanges.set(link, { ...this.linkChanges.get(link), ...change })
    this.recompute()
    return ''
  }

  private recompute(): void {
    const calm = (rates: NetworkRates): NetworkRates => (this.calmed ? { ...rates, lossPercent: 0, duplicatePercent: 0, stragglerPercent: 0 } : rates)
    this.rates = calm(ratesWithConditions(this.baseRates, this.networkChange))
    this.linkRates = new Map([...this.linkChanges].map(([link, change]) => [link, calm(ratesWithConditions(this.baseRates, { ...this.networkChange, ...change }))]))
  }

  private ratesOf(from: NodeId, to: NodeId): NetworkRates {
    return this.linkRates.size === 0 ? this.rates : (this.linkRates.get(`${from}>${to}`) ?? this.rates)
  }

  /** Arrival times for one message sent now: none (lost), one, or two (duplicated). */
  send(from: NodeId, to: NodeId, nowUs: number): number[] {
    this.stats.sent += 1
    if (this.inFlight >= messagesInFlightMax) {
      this.stats.overflowed += 1
      return []
    }
    const rates = this.ratesOf(from, to)
    if (this.percent(rates.lossPercent)) {
      this.stats.lost += 1
      return []
    }
    const arrivals = [this.arrival(from, to, nowUs, rates)]
    if (this.percent(rates.duplicatePercent)) {
      this.stats.duplicated += 1
      arrivals.push(this.arrival(from, to, nowUs, rates))
    }
    this.inFlight += arrivals.length
    return arrivals
  }

  /** One message left the wire (arrived, or was found cut); keeps the in-flight count honest. */
  landed(): void {
    this.inFlight -= 1
  }

  /** Delay for traffic between a client and a node: same distribution, never lost or cut. */
  clientDelayUs(): number {
    return this.delayUs(this.rates)
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cuts.size > 0 && this.cuts.has(`${from}>${to}`)
  }

  /** Cuts every link from a node of `from` to a node of `to` (call twice, swapped, for both ways). */
  cut(from: readonly NodeId[], to: readonly NodeId[]): void {
    for (const a of from) for (const b of to) if (a !== b) this.cuts.add(`${a}>${b}`)
  }

  heal(): void {
    this.cuts.clear()
  }

  get cutLinks(): number {
    return this.cuts.size
  }

  private arrival(from: NodeId, to: NodeId, nowUs: number, rates: NetworkRates): number {
    let arrivalUs = nowUs + this.delayUs(rates)
    if (this.percent(rates.stragglerPercent)) {
      this.stats.stragglers += 1
      arrivalUs = nowUs + Math.min(delayUsMax, rates.delayCapUs + Math.floor(this.random() * delayUsMax))
    }
    if (!rates.fifo) return arrivalUs
    // TCP: a message never overtakes an earlier one on the same link; it waits behind it.
    const link = `${from}>${to}`
    const previous = this.lastArrivalUs.get(link) ?? 0
    const fifoUs = Math.max(arrivalUs, previous + 1)
    this.lastArrivalUs.set(link, fifoUs)
    return fifoUs
  }

  private delayUs(rates: NetworkRates): number {
    const { delayMinUs, delayMeanUs, delayCapUs } = rates
    // Exponential tail by inversion; 1 - random() is in (0, 1], so the log is finite.
    const tail = -Math.log(1 - this.random()) * delayMeanUs
    return Math.min(delayCapUs, delayMinUs + Math.floor(tail))
  }

  private percent(value: number): boolean {
    return value > 0 && this.random() * 100 < value
  }
}
