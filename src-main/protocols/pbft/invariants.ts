/**
 * What a replica can check about itself after every step (TigerBeetle style: assertions stay on,
 * and a broken one stops the replica). Only local facts: nothing a peer sends can make one of
 * these false without a bug here, so they are assertions, never notes.
 */
import type { NodeId } from '../types.js'
import { pbftBounds } from './config.js'
import type { PbftConfig } from './config.js'
import { votesFor } from './log.js'
import type { Slot } from './log.js'
import type { StableCheckpoint } from './recovery.js'
import type { NewView, PreparedProof, ViewChange } from './types.js'

/** The replica's state as the checks read it; `before` is the same state at the start of the step. */
export interface InvariantState {
  config: PbftConfig
  view: number
  viewChanging: boolean
  primary: NodeId
  stable: StableCheckpoint
  lastExecuted: number
  chain: string
  newView: NewView | undefined
  ownViewChange: ViewChange | undefined
  /** The slots to check: the whole window, or after a step that moved neither the view nor the water marks, the slots it touched (see PbftCore.assertInvariants). */
  slots: Iterable<Slot>
  seqNext: number
  retainedLastExecuted: boolean
  ownCheckpointSeqs: Iterable<number>
  requestTimerRunning: boolean
  viewChangeTimerRunning: boolean
  futureMessages: number
  pendingRequests: number
  awaitedRequests: number
}

export interface InvariantBaseline {
  view: number
  viewChanging: boolean
  lastExecuted: number
  chain: string
  stableSeq: number
}

/** The first broken invariant, described, or undefined when all hold. */
export function brokenInvariant(state: InvariantState, before: InvariantBaseline): string | undefined {
  return progressBroken(state, before) ?? viewBroken(state) ?? windowBroken(state) ?? boundsBroken(state)
}

/** Views, execution and the stable checkpoint only move forward; execution follows the chain. */
function progressBroken(state: InvariantState, before: InvariantBaseline): string | undefined {
  if (state.view < before.view) return `view went from ${before.view} back to ${state.view}`
  if (state.lastExecuted < before.lastExecuted) return `last executed went from ${before.lastExecuted} back to ${state.lastExecuted}`
  if (state.lastExecuted === before.lastExecuted && state.chain !== before.chain) return `the hash chain changed without an execution`
  if (state.stable.seq < before.stableSeq) return `stable checkpoint went from ${before.stableSeq} back to ${state.stable.seq}`
  if (state.stable.seq % state.config.checkpointInterval !== 0) return `stable checkpoint ${state.stable.seq} is not a multiple of K`
  if (state.lastExecuted > 0 && !state.retainedLastExecuted) return `the last executed batch ${state.lastExecuted} is not retained`
  for (const seq of state.ownCheckpointSeqs) {
    if (seq <= state.stable.seq || seq > state.lastExecuted) return `own checkpoint ${seq} outside (${state.stable.seq}, ${state.lastExecuted}]`
  }
  return undefined
}

/** A normal view is backed by its new-view; a view change by this replica's own view-change and no request timer. */
function viewBroken(state: InvariantState): string | undefined {
  const installed = state.newView?.view ?? 0
  if (installed > state.view) return `installed new-view ${installed} is beyond view ${state.view}`
  if (state.viewChanging) {
    if (installed >= state.view) return `changing to view ${state.view}, which is installed`
    if (state.ownViewChange === undefined) return `changing to view ${state.view} without its own view-change`
    if (state.requestTimerRunning) return `request timer running while changing views`
    return undefined
  }
  if (installed !== state.view) return `in view ${state.view} with the new-view of view ${installed}`
  if (state.viewChangeTimerRunning) return `new-view timer running in an installed view`
  if (state.primary === state.config.id && state.requestTimerRunning) return `the primary runs a request timer`
  return undefined
}

/** Slots lie in (h, h + L] and belong to the current view; flags and certificates agree. */
function windowBroken(state: InvariantState): string | undefined {
  const { stable, config } = state
  const high = stable.seq + config.logWindowMax
  if (!state.viewChanging && state.primary === config.id && (state.seqNext <= stable.seq || state.seqNext > high + 1)) {
    return `primary's next sequence number ${state.seqNext} outside (${stable.seq}, ${high + 1}]`
  }
  for (const slot of state.slots) {
    const broken = slotBroken(slot, state)
    if (broken) return `slot ${slot.seq}: ${broken}`
  }
  return undefined
}

/**
 * Certificates are never changed once built, and a slot's commits only grow once it committed, so
 * those two (the costlier checks) run once per object rather than after every step.
 */
const soundCertificates = new WeakSet<PreparedProof>()
const soundCommittedSlots = new WeakSet<Slot>()

function slotBroken(slot: Slot, state: InvariantState): string | undefined {
  const { stable, config } = state
  if (slot.seq <= stable.seq || slot.seq > stable.seq + config.logWindowMax) return `outside the window (${stable.seq}, ${stable.seq + config.logWindowMax}]`
  if (slot.view !== state.view) return `belongs to view ${slot.view}, not ${state.view}`
  const prePrepare = slot.prePrepare
  if (prePrepare && (prePrepare.view !== slot.view || prePrepare.seq !== slot.seq)) return `holds pre-prepare ${prePrepare.view}/${prePrepare.seq}`
  if (slot.committed && !slot.prepared) return 'committed but not prepared'
  if (slot.committed && !soundCommittedSlots.has(slot)) {
    if (votesFor(slot.commits, prePrepare?.digest).length < 2 * config.f + 1) return 'committed without 2f+1 matching commits'
    soundCommittedSlots.add(slot)
  }
  if (slot.prepared && (!prePrepare || slot.preparedCert?.prePrepare.digest !== prePrepare.digest || slot.preparedCert.prePrepare.view !== slot.view)) {
    return 'prepared without a certificate for its pre-prepare'
  }
  const cert = slot.preparedCert
  if (!cert) return undefined
  if (cert.prePrepare.seq !== slot.seq || cert.prePrepare.view > state.view) return `certificate for ${cert.prePrepare.view}/${cert.prePrepare.seq}`
  return soundCertificates.has(cert) ? undefined : certificateBroken(cert, config.f)
}

function certificateBroken(cert: PreparedProof, f: number): string | undefined {
  const { view, seq, digest } = cert.prePrepare
  if (cert.prepares.some((prepare) => prepare.view !== view || prepare.seq !== seq || prepare.digest !== digest)) return 'certificate with a mismatched prepare'
  if (new Set(cert.prepares.map((prepare) => prepare.replica)).size < 2 * f) return 'certificate with fewer than 2f distinct prepares'
  soundCertificates.add(cert)
  return undefined
}

function boundsBroken(state: InvariantState): string | undefined {
  if (state.futureMessages > pbftBounds.futureMessagesMax) return `${state.futureMessages} future messages buffered`
  if (state.pendingRequests > pbftBounds.pendingRequestsMax) return `${state.pendingRequests} requests pending`
  if (state.awaitedRequests > pbftBounds.waitingRequestsMax) return `${state.awaitedRequests} requests awaited`
  return undefined
}
