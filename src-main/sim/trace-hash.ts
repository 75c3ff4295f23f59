/**
 * A running 64-bit hash (two FNV-1a lanes with different offsets) over the lines that describe
 * each step. Same seed and options ⇒ same lines ⇒ same hash: the replay test compares it, and a
 * failure report prints it so two machines can tell whether they replayed the same run.
 */
export class TraceHasher {
  private high = 0x811c9dc5
  private low = 0x01000193 ^ 0x9e3779b9
  private lines = 0

  add(line: string): void {
    let high = this.high
    let low = this.low
    for (let index = 0; index < line.length; index += 1) {
      const code = line.charCodeAt(index)
      high = Math.imul(high ^ code, 0x01000193)
      low = Math.imul(low ^ code, 0x01000193) ^ (high >>> 15)
    }
    // A separator, so ["ab", "c"] and ["a", "bc"] differ.
    this.high = Math.imul(high ^ 0x0a, 0x01000193)
    this.low = Math.imul(low ^ 0x0a, 0x01000193)
    this.lines += 1
  }

  get count(): number {
    return this.lines
  }

  digest(): string {
    return (this.high >>> 0).toString(16).padStart(8, '0') + (this.low >>> 0).toString(16).padStart(8, '0')
  }
}
