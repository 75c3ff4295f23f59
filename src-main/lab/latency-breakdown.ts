/**
 * A run's latency breakdown (api/latency-breakdown.ts) from its directory: the history it already
 * read, and one pass over trace.ndjson that parses only the lines of the four kinds it needs.
 */
import fs from 'node:fs'
import readline from 'node:readline'
import { BreakdownEvents, computeLatencyBreakdown, type AcknowledgedOperation, type LatencyBreakdownResult } from '../api/latency-breakdown.js'
import type { ProtocolName } from '../api/experiment.js'
import type { TraceEvent } from '../api/trace.js'

/** The kinds the breakdown reads, as they appear in a trace line (JSON.stringify puts no spaces). */
const wantedKindMarks = ['"kind":"append"', '"kind":"commit"', '"kind":"apply"', '"kind":"slot"']

export async function readLatencyBreakdown(
  traceFile: string,
  protocol: ProtocolName,
  nodes: number,
  operations: readonly AcknowledgedOperation[],
): Promise<LatencyBreakdownResult> {
  const wantedSeqs = protocol === 'pbft' ? new Set(operations.flatMap((operation) => (operation.seq === undefined ? [] : [operation.seq]))) : undefined
  const events = new BreakdownEvents(wantedSeqs)
  if (protocol !== 'primary-backup' && fs.existsSync(traceFile)) {
    const lines = readline.createInterface({ input: fs.createReadStream(traceFile, 'utf8'), crlfDelay: Infinity })
    for await (const line of lines) {
      if (!wantedKindMarks.some((mark) => line.includes(mark))) continue
      let event: TraceEvent
      try {
        event = JSON.parse(line) as TraceEvent
      } catch {
        continue // a line cut short by a full disk (the run says so itself)
      }
      events.add(event)
    }
  }
  return computeLatencyBreakdown(protocol, nodes, operations, events)
}
