/**
 * The seeded network between simulated nodes: per-message delay (a floor plus an exponential
 * tail), loss, duplication, stragglers, per-link FIFO or reordering, and directed link cuts
 * (partitions, one-way included). It only decides *when* a message arrives, if ever; the
 * simulation puts the arrivals on its agenda.
 *
 * A cut is checked when a message arrives, not when it leaves: a partition also swallows what was
 * already on the wire, and a message sent just before the heal may still get through.
 */
import type { NodeId, Random } from '../protocols/types.js'
import { delayUsMax, type NetworkRates } from './scenario.js'

/** Messages on the wire at once; beyond it a send is dropped as a full buffer would (counted). */
export const messagesInFlightMax = 20_000

export interface NetworkStats {
  sent: number
  lost: number
  duplicated: number
  stragglers: number
  overflowed: number
}

export class SimNetwork {
  readonly stats: NetworkStats = { sent: 0, lost: 0, duplicated: 0, stragglers: 0, overflowed: 0 }
  private rates: NetworkRates
  /** Directed cuts, as "from>to". */
  private readonly cuts = new Set<string>()
  /** FIFO links: the latest arrival time already promised on each link. */
  private readonly lastArrivalUs = new Map<string, number>()
  private inFlight = 0

  constructor(rates: NetworkRates, private readonly random: Random) {
    this.rates = rates
  }

  /** The liveness phase calms the network: no loss, duplicates or stragglers, delays unchanged. */
  calm(): void {
    this.rates = { ...this.rates, lossPercent: 0, duplicatePercent: 0, stragglerPercent: 0 }
  }

  /** Arrival times for one message sent now: none (lost), one, or two (duplicated). */
  send(from: NodeId, to: NodeId, nowUs: number): number[] {
    this.stats.sent += 1
    if (this.inFlight >= messagesInFlightMax) {
      this.stats.overflowed += 1
      return []
    }
    if (this.percent(this.rates.lossPercent)) {
      this.stats.lost += 1
      return []
    }
    const arrivals = [this.arrival(from, to, nowUs)]
    if (this.percent(this.rates.duplicatePercent)) {
      this.stats.duplicated += 1
      arrivals.push(this.arrival(from, to, nowUs))
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
    return this.delayUs()
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

  private arrival(from: NodeId, to: NodeId, nowUs: number): number {
    let arrivalUs = nowUs + this.delayUs()
    if (this.percent(this.rates.stragglerPercent)) {
      this.stats.stragglers += 1
      arrivalUs = nowUs + Math.min(delayUsMax, this.rates.delayCapUs + Math.floor(this.random() * delayUsMax))
    }
    if (!this.rates.fifo) return arrivalUs
    // TCP: a message never overtakes an earlier one on the same link; it waits behind it.
    const link = `${from}>${to}`
    const previous = this.lastArrivalUs.get(link) ?? 0
    const fifoUs = Math.max(arrivalUs, previous + 1)
    this.lastArrivalUs.set(link, fifoUs)
    return fifoUs
  }

  private delayUs(): number {
    const { delayMinUs, delayMeanUs, delayCapUs } = this.rates
    // Exponential tail by inversion; 1 - random() is in (0, 1], so the log is finite.
    const tail = -Math.log(1 - this.random()) * delayMeanUs
    return Math.min(delayCapUs, delayMinUs + Math.floor(tail))
  }

  private percent(value: number): boolean {
    return value > 0 && this.random() * 100 < value
  }
}
