/**
 * Keeps the event loop awake for a moment after I/O, so the answer that usually follows within a
 * fraction of a millisecond is read at once instead of after the process sleeps and is woken again.
 * On virtual machines waking an idle CPU costs 0.2-0.5 ms, several times a loopback round trip.
 * The spin is bounded (spinMicrosMax) and only follows activity: an idle process still sleeps.
 */
export const spinMicrosMax = 2000

export class EventLoopSpinner {
  private spinUntilMs = 0
  private spinning = false

  constructor(private readonly windowMicros: number) {
    if (!(windowMicros >= 0 && windowMicros <= spinMicrosMax)) throw new Error(`spin window must be 0..${spinMicrosMax} µs, got ${windowMicros}`)
  }

  /** Call after any I/O: the loop stays busy for the window from now. */
  touch(): void {
    if (this.windowMicros === 0) return
    this.spinUntilMs = performance.now() + this.windowMicros / 1000
    if (this.spinning) return
    this.spinning = true
    setImmediate(() => this.spin())
  }

  private spin(): void {
    if (performance.now() < this.spinUntilMs) setImmediate(() => this.spin())
    else this.spinning = false
  }
}

/** The spin window in µs from CONSENSUS_LAB_SPIN_US, else the default. */
export function spinWindowFromEnv(defaultMicros: number): number {
  const value = process.env.CONSENSUS_LAB_SPIN_US
  if (value === undefined || value === '') return defaultMicros
  const micros = Number(value)
  return Number.isFinite(micros) && micros >= 0 ? Math.min(micros, spinMicrosMax) : defaultMicros
}
