/** Chooses what each client does next: the operation, its key and a unique value. */
import type { Experiment } from '../../api/experiment.js'
import type { Command, Random } from '../../protocols/types.js'

export type Workload = Experiment['workload']

export class OperationGenerator {
  private readonly keyNames: string[]
  private readonly zipfCdf?: Float64Array
  private readonly weights: [Command['op'], number][]
  private readonly totalWeight: number
  private valueCounter = 0

  constructor(
    private readonly workload: Workload,
    private readonly random: Random,
  ) {
    const width = String(workload.keys - 1).length
    this.keyNames = Array.from({ length: workload.keys }, (_, index) => `k${String(index).padStart(width, '0')}`)
    if (workload.distribution === 'zipf') this.zipfCdf = zipfCdf(workload.keys, workload.zipfExponent)
    const mix = workload.mix
    this.weights = (
      [
        ['get', mix.get],
        ['put', mix.put],
        ['delete', mix.delete],
        ['cas', mix.cas],
      ] as [Command['op'], number][]
    ).filter(([, weight]) => weight > 0)
    this.totalWeight = this.weights.reduce((sum, [, weight]) => sum + weight, 0)
  }

  get keys(): readonly string[] {
    return this.keyNames
  }

  next(process: number): Command {
    const key = this.pickKey()
    switch (this.pickOp()) {
      case 'get':
        return { op: 'get', key }
      case 'delete':
        return { op: 'delete', key }
      case 'cas': {
        // Expect the value this workload last wrote to the key: it may or may not still be current,
        // so both outcomes occur and exercise the checker.
        const expected = this.lastWritten.get(key) ?? null
        return { op: 'cas', key, expected, value: this.uniqueValue(process, key) }
      }
      default:
        return { op: 'put', key, value: this.uniqueValue(process, key) }
    }
  }

  private readonly lastWritten = new Map<string, string>()

  /** Values are unique per run, which keeps the linearizability search small. */
  private uniqueValue(process: number, key: string): string {
    this.valueCounter += 1
    const base = `${process}.${this.valueCounter}`
    const value = base.length >= this.workload.valueBytes ? base : base + '.'.repeat(this.workload.valueBytes - base.length)
    this.lastWritten.set(key, value)
    return value
  }

  private pickKey(): string {
    if (!this.zipfCdf) return this.keyNames[Math.floor(this.random() * this.keyNames.length)]!
    const target = this.random()
    let low = 0
    let high = this.zipfCdf.length - 1
    while (low < high) {
      const middle = (low + high) >> 1
      if (this.zipfCdf[middle]! < target) low = middle + 1
      else high = middle
    }
    return this.keyNames[low]!
  }

  private pickOp(): Command['op'] {
    let target = this.random() * this.totalWeight
    for (const [op, weight] of this.weights) {
      target -= weight
      if (target < 0) return op
    }
    return this.weights[this.weights.length - 1]![0]
  }
}

function zipfCdf(count: number, exponent: number): Float64Array {
  const cdf = new Float64Array(count)
  let sum = 0
  for (let rank = 1; rank <= count; rank += 1) sum += 1 / Math.pow(rank, exponent)
  let running = 0
  for (let rank = 1; rank <= count; rank += 1) {
    running += 1 / Math.pow(rank, exponent) / sum
    cdf[rank - 1] = running
  }
  cdf[count - 1] = 1
  return cdf
}

/** Exponential inter-arrival time (ms) for a Poisson process of `ratePerSecond`. */
export function poissonGapMs(random: Random, ratePerSecond: number): number {
  return (-Math.log(1 - random()) / ratePerSecond) * 1000
}
