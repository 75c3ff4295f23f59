/**
 * Each replica's CPU time (user + system) over a run's measured window, from the process's own
 * `process.cpuUsage()` that it ships with every status batch (every eventBatchMs). CPU per
 * operation does not depend on how busy the rest of the machine is, where latency does: it is the
 * figure to compare a protocol change by on a shared machine.
 *
 * The samples are stamped with the lab's clock when they arrive; the value at the window's start
 * and end is interpolated between the samples on either side, so it is off by at most what one
 * batch interval's CPU was. A replica that restarted inside the window (its counter starts again)
 * or has no sample on one side has no figure: the result says so rather than guessing.
 */

import type { ReplicaCpu } from '../api/summary.js'

/** Samples kept per replica: an hour at one every 50 ms; beyond it the window's end has no sample and the figure is unknown. */
export const cpuSamplesPerReplicaMax = 72_000


interface Sample {
  atMs: number
  cpuMs: number
}

export class ReplicaCpuMeter {
  private readonly samples = new Map<string, Sample[]>()

  record(node: string, atMs: number, cpuMs: number): void {
    const series = this.samples.get(node) ?? []
    if (series.length >= cpuSamplesPerReplicaMax) return
    series.push({ atMs, cpuMs })
    this.samples.set(node, series)
  }

  measured(startMs: number, endMs: number): ReplicaCpu {
    const measuredMs: Record<string, number> = {}
    const unknown: Record<string, string> = {}
    for (const [node, series] of this.samples) {
      const figure = cpuBetween(series, startMs, endMs)
      if (typeof figure === 'number') measuredMs[node] = Math.round(figure * 10) / 10
      else unknown[node] = figure.unknown
    }
    return Object.keys(unknown).length > 0 ? { measuredMs, unknown } : { measuredMs }
  }
}

function cpuBetween(series: readonly Sample[], startMs: number, endMs: number): number | { unknown: string } {
  const first = series[0]
  const last = series[series.length - 1]
  if (first === undefined || last === undefined) return { unknown: 'no status reached the lab' }
  if (first.atMs > startMs) return { unknown: 'its first status came after the measured window began' }
  if (last.atMs < endMs) return { unknown: 'no status came after the measured window ended' }
  let previous = first
  for (const sample of series) {
    if (sample.cpuMs < previous.cpuMs && sample.atMs > startMs && previous.atMs < endMs) return { unknown: 'it restarted during the measured window' }
    previous = sample
  }
  return at(series, endMs) - at(series, startMs)
}

/** The CPU counter at a time, interpolated between the samples on either side (the series covers it). */
function at(series: readonly Sample[], timeMs: number): number {
  const after = series.findIndex((sample) => sample.atMs >= timeMs)
  const next = series[after]!
  const before = series[after - 1]
  if (before === undefined || next.atMs === before.atMs) return next.cpuMs
  return before.cpuMs + ((next.cpuMs - before.cpuMs) * (timeMs - before.atMs)) / (next.atMs - before.atMs)
}
