/**
 * The invariants of the service-discovery scenario: watches lose and repeat nothing across
 * reconnects and leader changes; a dead instance's key vanishes about one TTL after its last
 * keep-alive (never before); a live instance's key never vanishes.
 */
import type { DiscoveryReport, InvariantResult } from '../api/summary.js'

/** Slack for the time between a keep-alive applying at the leader and its answer reaching the client. */
const earlyToleranceMs = 100
/** A leader change restarts every TTL, and an election takes a while: the latest a key may vanish. */
const failoverAllowanceMs = 1500

export function checkDiscovery(report: DiscoveryReport, runEndMs: number): InvariantResult[] {
  return [checkWatches(report), checkExpiries(report, runEndMs), checkLiveInstances(report)]
}

function checkWatches(report: DiscoveryReport): InvariantResult {
  const broken = report.watchers.filter((watcher) => watcher.missingCount > 0 || watcher.duplicates > 0 || watcher.outOfOrder > 0)
  if (report.finalRevision === undefined) {
    return { name: 'watch-complete', ok: false, detail: 'the final revision could not be read, so the watches could not be checked' }
  }
  if (report.referenceChanges === undefined) {
    return { name: 'watch-complete', ok: false, detail: `no replica could replay the prefix's history through revision ${report.finalRevision}, so the watches could not be checked` }
  }
  if (broken.length > 0) {
    const details = broken.map((watcher) => `watcher ${watcher.watcher}: ${watcher.missingCount} missing (${watcher.missing.join(', ')}), ${watcher.duplicates} repeated, ${watcher.outOfOrder} out of order`)
    return { name: 'watch-complete', ok: false, detail: details.join('; ') }
  }
  const resumes = report.watchers.reduce((sum, watcher) => sum + watcher.resumes, 0)
  return {
    name: 'watch-complete',
    ok: true,
    detail: `${report.watchers.length} watcher(s) received all ${report.referenceChanges} change(s) under ${report.prefix} up to revision ${report.finalRevision} in order, none missed or repeated (${resumes} resume(s) on another node after a disconnect)`,
  }
}

function checkExpiries(report: DiscoveryReport, runEndMs: number): InvariantResult {
  const problems: string[] = []
  const observed: string[] = []
  for (const instance of report.instances.filter((candidate) => candidate.stoppedAtMs !== undefined)) {
    const lastAlive = instance.lastKeepAliveMs ?? instance.registeredAtMs ?? instance.stoppedAtMs!
    const earliest = lastAlive + report.ttlMs - earlyToleranceMs
    const latest = lastAlive + 2 * report.ttlMs + failoverAllowanceMs
    if (instance.disappearedAtMs === undefined) {
      if (runEndMs >= latest) problems.push(`${instance.key} was still registered ${Math.round(runEndMs - lastAlive)} ms after its last keep-alive (TTL ${report.ttlMs} ms)`)
      continue
    }
    const after = Math.round(instance.disappearedAtMs - lastAlive)
    if (instance.disappearedAtMs < earliest) problems.push(`${instance.key} vanished ${after} ms after its last keep-alive, before its TTL of ${report.ttlMs} ms`)
    else if (instance.disappearedAtMs > latest) problems.push(`${instance.key} vanished only ${after} ms after its last keep-alive (TTL ${report.ttlMs} ms)`)
    else observed.push(`${instance.key} vanished ${after} ms after its last keep-alive`)
    if (!instance.expired) problems.push(`${instance.key} was deleted, but not by its lease ending`)
  }
  if (problems.length > 0) return { name: 'lease-expiry', ok: false, detail: problems.join('; ') }
  return { name: 'lease-expiry', ok: true, detail: observed.length > 0 ? `${observed.join('; ')} (TTL ${report.ttlMs} ms)` : 'no instance died during the run' }
}

function checkLiveInstances(report: DiscoveryReport): InvariantResult {
  const live = report.instances.filter((instance) => instance.stoppedAtMs === undefined)
  const vanished = live.filter((instance) => instance.disappearedAtMs !== undefined)
  if (vanished.length > 0) {
    return { name: 'live-leases-kept', ok: false, detail: vanished.map((instance) => `${instance.key} vanished at ${instance.disappearedAtMs} ms while its instance kept it alive`).join('; ') }
  }
  const unregistered = live.filter((instance) => instance.error)
  if (unregistered.length > 0) return { name: 'live-leases-kept', ok: false, detail: unregistered.map((instance) => `${instance.key}: ${instance.error}`).join('; ') }
  return { name: 'live-leases-kept', ok: true, detail: `${live.length} live instance(s) stayed registered for the whole run` }
}
