/** Human-readable output of the CLI: the live progress line and the end-of-run summary. */
import type { LiveFrame } from '../api/lab-api.js'
import type { RunSummary } from '../api/summary.js'
import { faultLagShownMs, invariantState, verdictWord } from '../api/report/analysis.js'
import { describeReplicaExit } from '../api/report/format.js'
import { vocabularyOf } from '../api/vocabulary.js'

const barWidth = 24

export class ProgressLine {
  private lastPlainPrintMs = -Infinity
  private written = false

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly durationMs: number,
    /** Whose words the line speaks: PBFT's view and primary, Raft's term and leader. */
    private readonly protocol: string,
  ) {}

  update(frame: LiveFrame): void {
    const leaderNode = frame.nodes.find((node) => node.node === frame.leader)
    // Frames count on experiment time, the clock of the fault schedule and of every report.
    const elapsedMs = Math.max(0, frame.t)
    const fraction = Math.min(1, elapsedMs / this.durationMs)
    const filled = Math.round(fraction * barWidth)
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`
    const words = vocabularyOf(this.protocol)
    const leader = frame.leader ? `${words.leader} ${frame.leader} ${words.term} ${leaderNode?.term ?? '?'}` : `no ${words.leader}`
    const text = `${bar} ${(elapsedMs / 1000).toFixed(1)}s/${(this.durationMs / 1000).toFixed(1)}s  ops ${frame.ops.ok} ok ${frame.ops.fail} fail ${frame.ops.info} info  ${leader}`
    if (this.stream.isTTY) {
      this.stream.write(`\r${text.padEnd(100)}`)
      this.written = true
    } else if (frame.t - this.lastPlainPrintMs >= 1000) {
      this.lastPlainPrintMs = frame.t
      this.stream.write(`${text}\n`)
    }
  }

  note(text: string): void {
    if (this.written) this.stream.write('\n')
    this.written = false
    this.stream.write(`${text}\n`)
  }

  done(): void {
    if (this.written) this.stream.write('\n')
    this.written = false
  }
}

function describeLoad(summary: RunSummary): string {
  if (summary.rate !== undefined) return `${summary.rate} ops/s open loop`
  if (summary.clients > 0) return `${summary.clients} clients`
  return summary.discovery ? 'service discovery' : 'scripted'
}

/** The run's outcome in a word, and for a failure what failed: "FAIL (replicas-healthy, linearizability)". */
function describeOutcome(summary: RunSummary): string {
  const word = verdictWord(summary)
  if (word !== 'FAIL' || !summary.verdict) return word
  const failed = [
    ...summary.verdict.invariants.filter((invariant) => invariantState(invariant) === 'broken').map((invariant) => invariant.name),
    ...(summary.verdict.linearizable === false ? ['linearizability'] : []),
  ]
  return `${word} (${failed.join(', ')})`
}

/** One line per phase (p50 and p99, ms), or why there is no breakdown. */
function describeBreakdown(summary: RunSummary): string[] {
  if (summary.latencyBreakdownNote === undefined) return []
  const rows = (summary.latencyBreakdown ?? []).map((row) => `    ${row.phase.padEnd(16)} p50 ${row.p50Ms}  p99 ${row.p99Ms}  mean ${row.meanMs}`)
  return [`  phases       ${summary.latencyBreakdownNote}`, ...rows]
}

export function formatSummary(summary: RunSummary): string {
  const words = vocabularyOf(summary.protocol)
  const lines = [
    `${summary.name}: ${summary.protocol}, ${summary.nodes} nodes, ${describeLoad(summary)}, durability ${summary.durability}, seed ${summary.seed}`,
    `  ops          ${summary.ops.ok} ok, ${summary.ops.fail} fail, ${summary.ops.info} info in ${(summary.durationMs / 1000).toFixed(2)} s`,
    `  throughput   ${summary.throughput.toFixed(0)} ops/s`,
    `  latency ms   p50 ${summary.latencyMs.p50}  p90 ${summary.latencyMs.p90}  p99 ${summary.latencyMs.p99}  max ${summary.latencyMs.max}`,
    ...Object.entries(summary.latencyByOperationMs).map(
      ([operation, latency]) => `    ${operation.padEnd(10)} p50 ${latency.p50}  p99 ${latency.p99}  (${latency.count} ok)`,
    ),
    ...describeBreakdown(summary),
    `  leadership   ${summary.leaderChanges} ${words.leader} changes, highest ${words.term} ${summary.terms}, ${summary.unavailableMs.toFixed(0)} ms without a ${words.leader}`,
    ...(summary.groups ?? []).map(
      (group) => `    group ${String(group.group).padEnd(4)} led by ${group.leaders.join(', ') || 'nobody'}, ${group.leaderChanges} changes, ${group.unavailableMs.toFixed(0)} ms without a ${words.leader}`,
    ),
    `  messages     ${summary.messages.total} (${(summary.messages.bytes / 1024).toFixed(0)} KiB): ${Object.entries(summary.messages.byType).map(([type, count]) => `${type} ${count}`).join(', ')}`,
  ]
  if (summary.discovery) {
    const { discovery } = summary
    for (const instance of discovery.instances) {
      const fate = instance.stoppedAtMs === undefined ? 'alive to the end' : `died at ${(instance.stoppedAtMs / 1000).toFixed(2)} s, key gone at ${instance.disappearedAtMs === undefined ? '(never)' : `${(instance.disappearedAtMs / 1000).toFixed(2)} s`}`
      lines.push(`  instance     ${instance.key}: ${instance.keepAlivesOk} keep-alives, ${fate}`)
    }
    for (const watcher of discovery.watchers) {
      lines.push(`  watcher ${watcher.watcher}    ${watcher.events} events to revision ${watcher.lastRevision}, ${watcher.missingCount} missing, ${watcher.duplicates} repeated, ${watcher.resumes} resumes (${watcher.nodes.join(', ')})`)
    }
  }
  if (summary.reads.total > 0) lines.push(`  reads        ${summary.reads.total} (${summary.reads.mode}), ${summary.reads.stale} certainly stale`)
  for (const fault of summary.faults) {
    const late = fault.scheduledAtMs !== undefined && fault.atMs - fault.scheduledAtMs >= faultLagShownMs ? `, due at ${(fault.scheduledAtMs / 1000).toFixed(2)} s` : ''
    lines.push(`  fault        at ${(fault.atMs / 1000).toFixed(2)} s${late}: ${fault.action}${fault.targets.length ? ` → ${fault.targets.join(', ')}` : ''}${fault.detail ? ` (${fault.detail})` : ''}`)
  }
  for (const exit of summary.replicaExits ?? []) lines.push(`  DIED         ${describeReplicaExit(exit)}`)
  if (summary.verdict) {
    const verdict = summary.verdict
    const linearizable = verdict.linearizable === true ? 'yes' : verdict.linearizable === false ? 'NO' : 'unknown'
    lines.push(`  linearizable ${linearizable}`)
    for (const invariant of verdict.invariants) lines.push(`  ${{ ok: 'ok  ', broken: 'FAIL', unknown: '?   ' }[invariantState(invariant)]}         ${invariant.name}: ${invariant.detail}`)
    if (verdict.witness) lines.push(...verdict.witness.split('\n').map((line) => `  witness      ${line}`))
  }
  if (summary.error) lines.push(`  error        ${summary.error}`)
  lines.push(`  verdict      ${describeOutcome(summary)}`)
  lines.push(`  run dir      ${summary.runDir}`)
  return `${lines.join('\n')}\n`
}
