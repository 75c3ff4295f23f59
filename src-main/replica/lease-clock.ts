/**
 * The leader's side of lease expiry. Every replica notes when each lease was granted or kept alive
 * (on its own monotonic clock, the host's nodeClockMs: real time at the node's clock rate, so a
 * stalled event loop does not delay an expiry, and a skewed clock skews it on purpose), but only
 * the node acting as leader acts on it: it proposes a revoke
 * marked `expired`, and the revoke takes effect everywhere when it applies. A new leader cannot know
 * how long its predecessor's clock had run, so it gives every lease a full TTL again (as etcd does).
 */
import type { KeyValueStore } from '../kv/store.js'

export class LeaseClock {
  private readonly deadlines = new Map<string, number>()
  /** Leases whose revoke this leader proposed and has not yet seen applied. */
  private readonly revoking = new Set<string>()

  /** After an applied grant or keep-alive. */
  touched(lease: string, ttlMs: number, nowMs: number): void {
    this.deadlines.set(lease, nowMs + ttlMs)
  }

  revoked(lease: string): void {
    this.deadlines.delete(lease)
    this.revoking.delete(lease)
  }

  /** On becoming leader: every live lease starts a full TTL now. */
  restartAll(kv: KeyValueStore, nowMs: number): void {
    this.revoking.clear()
    for (const [lease, { ttlMs }] of kv.leases) this.deadlines.set(lease, nowMs + ttlMs)
  }

  /** Leases that just ran out, each returned once until it is applied as revoked. */
  expired(nowMs: number): string[] {
    const expired: string[] = []
    for (const [lease, deadline] of this.deadlines) {
      if (deadline > nowMs || this.revoking.has(lease)) continue
      this.revoking.add(lease)
      expired.push(lease)
    }
    return expired
  }

  /** A lost leadership forgets its pending revokes: the next leader decides again. */
  stepDown(): void {
    this.revoking.clear()
  }
}
