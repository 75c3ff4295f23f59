/** A fixed-capacity FIFO: pushing into a full buffer drops the oldest item. Never grows. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[]
  private start = 0
  private count = 0
  /** How many items were pushed out since the last clear, for "N older events not shown". */
  dropped = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`ring buffer capacity must be a positive integer, got ${capacity}`)
    this.items = new Array<T | undefined>(capacity)
  }

  get size(): number {
    return this.count
  }

  push(item: T): void {
    const end = (this.start + this.count) % this.capacity
    this.items[end] = item
    if (this.count < this.capacity) this.count += 1
    else {
      this.start = (this.start + 1) % this.capacity
      this.dropped += 1
    }
  }

  /** The i-th oldest item (0 = oldest); negative counts from the newest (-1 = newest). */
  at(index: number): T | undefined {
    const i = index < 0 ? this.count + index : index
    if (i < 0 || i >= this.count) return undefined
    return this.items[(this.start + i) % this.capacity]
  }

  last(): T | undefined {
    return this.at(-1)
  }

  forEach(visit: (item: T, index: number) => void): void {
    for (let i = 0; i < this.count; i += 1) visit(this.items[(this.start + i) % this.capacity] as T, i)
  }

  toArray(): T[] {
    const out = new Array<T>(this.count)
    this.forEach((item, i) => (out[i] = item))
    return out
  }

  /** Items with key(item) in [from, to], assuming keys increase with insertion order (binary search). */
  range(key: (item: T) => number, from: number, to: number): T[] {
    let low = 0
    let high = this.count
    while (low < high) {
      const mid = (low + high) >> 1
      if (key(this.at(mid) as T) < from) low = mid + 1
      else high = mid
    }
    const out: T[] = []
    for (let i = low; i < this.count; i += 1) {
      const item = this.at(i) as T
      if (key(item) > to) break
      out.push(item)
    }
    return out
  }

  clear(): void {
    this.items.fill(undefined)
    this.start = 0
    this.count = 0
    this.dropped = 0
  }
}
