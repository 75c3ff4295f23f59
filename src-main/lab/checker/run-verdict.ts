/**
 * The verdict of a finished run, in the shape the runner's VerdictBuilder hook expects:
 * `setVerdictBuilder(buildRunVerdict)`. Reads history.ndjson from the run directory; the trace and
 * final states come from the runner's memory.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { ProtocolName } from '../../api/experiment.js'
import type { Verdict } from '../../api/summary.js'
import type { TraceEvent } from '../../api/trace.js'
import { parseHistoryNdjson } from '../../checker/history.js'
import { checkInvariants, type FinalState } from '../../checker/invariants.js'
import { buildVerdict, type VerdictOptions } from '../../checker/verdict.js'
import { descriptorOf } from '../../protocols/registry.js'

export interface RunVerdictInput {
  runDir: string
  experiment: { protocol: ProtocolName }
  trace: TraceEvent[]
  finalStates: readonly FinalState[]
}

export async function buildRunVerdict(input: RunVerdictInput, given: VerdictOptions = {}): Promise<Verdict> {
  // The lab has every descriptor loaded: a protocol is judged by what its own descriptor states.
  const options: VerdictOptions = { facts: descriptorOf(input.experiment.protocol), ...given }
  const file = path.join(input.runDir, 'history.ndjson')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    return undecided(input, options, `${file}: ${(error as Error).message}`)
  }
  const history = parseHistoryNdjson(text, file)
  if (!history.ok) return undecided(input, options, history.error)
  return buildVerdict(history.value, input.trace, input.experiment.protocol, { finalStates: input.finalStates, ...options })
}

/** The history cannot be judged, but the trace still can. */
function undecided(input: RunVerdictInput, options: VerdictOptions, reason: string): Verdict {
  const invariants = checkInvariants({
    trace: input.trace, protocol: input.experiment.protocol, finalStates: input.finalStates, faultyNodes: options.faultyNodes, originMs: options.originMs, facts: options.facts,
  })
  return { linearizable: 'unknown', invariants, witness: `Unknown: the history could not be read: ${reason}` }
}
