/**
 * The client requests a replica answers for until they execute: those it awaits (a backup's
 * request timer runs while any exist) and, at the primary, those waiting for a sequence number
 * or already in a pre-prepare of this view.
 */
import type { RequestTag } from '../types.js'
import { requestKey } from './clients.js'
import { pbftBounds } from './config.js'
import type { ClientRequest } from './types.js'
import { encodedBytesMax } from '../common/wire-budget.js'

export class RequestBook {
  /**
   * By client: a client has one request outstanding (§4.1), so a newer timestamp replaces an older
   * one, and an older one never lingers (its timer would fire forever). Only requests a client
   * handed over (directly, or forwarded by a backup) move to a new primary: one seen only in a
   * pre-prepare may be a Byzantine primary's forgery, since the lab's clients do not sign requests.
   */
  private readonly awaited = new Map<string, { request: ClientRequest; fromClient: boolean }>()
  private pending: ClientRequest[] = []
  private readonly pendingKeys = new Set<string>()
  private readonly assigned = new Set<string>()

  /** Remembers a request until it executes; false when the table is full. */
  await(request: ClientRequest, fromClient: boolean): boolean {
    const existing = this.awaited.get(request.tag.clientId)
    if (!existing && this.awaited.size >= pbftBounds.waitingRequestsMax) return false
    if (existing && existing.request.tag.seq > request.tag.seq) return true
    // For the same timestamp the client's own copy wins over one that only came in a pre-prepare.
    const replaces = !existing || existing.request.tag.seq < request.tag.seq || (fromClient && !existing.fromClient)
    if (replaces) this.awaited.set(request.tag.clientId, { request, fromClient })
    return true
  }

  /** Primary: queues a request for a sequence number; false when the queue is full. */
  enqueue(request: ClientRequest): boolean {
    const key = requestKey(request.tag)
    if (this.assigned.has(key) || this.pendingKeys.has(key)) return true
    if (this.pending.length >= pbftBounds.pendingRequestsMax) return false
    this.pending.push(request)
    this.pendingKeys.add(key)
    return true
  }

  hasPending(): boolean {
    return this.pending.length > 0
  }

  /**
   * Up to `max` queued requests and `bytesMax` bytes (but at least one request) for one batch,
   * skipping those assigned meanwhile or no longer new. A request that would cross the byte budget
   * stays first in the queue for the next batch.
   */
  takeBatch(max: number, bytesMax: number, isNew: (tag: RequestTag) => boolean): ClientRequest[] {
    const batch: ClientRequest[] = []
    let bytes = encodedBytesMax([])
    while (this.pending.length > 0 && batch.length < max) {
      const request = this.pending[0] as ClientRequest
      const key = requestKey(request.tag)
      const fresh = isNew(request.tag) && !this.assigned.has(key)
      const requestBytes = fresh ? encodedBytesMax(request) : 0
      if (fresh && batch.length > 0 && bytes + requestBytes > bytesMax) break
      this.pending.shift()
      this.pendingKeys.delete(key)
      if (!fresh) continue
      batch.push(request)
      bytes += requestBytes
    }
    return batch
  }

  /** Primary: the request is in a pre-prepare of this view. */
  assign(tag: RequestTag): void {
    this.assigned.add(requestKey(tag))
  }

  /** Forgets an executed request (and any older one of its client); true when this replica was awaiting it. */
  executed(tag: RequestTag): boolean {
    this.assigned.delete(requestKey(tag))
    const existing = this.awaited.get(tag.clientId)
    if (!existing || existing.request.tag.seq > tag.seq) return false
    this.awaited.delete(tag.clientId)
    return true
  }

  /** Entering a view: the primary's queues start over; returns what clients handed over, in arrival order. */
  resetForView(): ClientRequest[] {
    this.pending = []
    this.pendingKeys.clear()
    this.assigned.clear()
    return [...this.awaited.values()].flatMap((entry) => (entry.fromClient ? [entry.request] : []))
  }

  get awaitedCount(): number {
    return this.awaited.size
  }

  get pendingCount(): number {
    return this.pending.length
  }
}
