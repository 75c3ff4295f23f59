/**
 * The simulator's agenda: a binary min-heap of timed events ordered by (timeUs, seq). `seq` is the
 * insertion counter, so events due at the same instant run in the order they were scheduled; that
 * tie-break is what makes a seed's schedule a total order, independent of the heap's layout.
 */
export interface Timed<E> {
  timeUs: number
  seq: number
  event: E
}

export class EventQueue<E> {
  private readonly heap: Timed<E>[] = []
  private seqNext = 0

  get size(): number {
    return this.heap.length
  }

  push(timeUs: number, event: E): void {
    if (!Number.isSafeInteger(timeUs) || timeUs < 0) throw new Error(`sim queue: event time ${timeUs} is not a whole non-negative number of µs`)
    const item: Timed<E> = { timeUs, seq: this.seqNext, event }
    this.seqNext += 1
    this.heap.push(item)
    this.siftUp(this.heap.length - 1)
  }

  peek(): Timed<E> | undefined {
    return this.heap[0]
  }

  pop(): Timed<E> | undefined {
    const heap = this.heap
    if (heap.length === 0) return undefined
    const top = heap[0]
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      this.siftDown(0)
    }
    return top
  }

  /** Removes every event matching `predicate`; O(n), for rare bulk changes (a crash, a heal). */
  removeWhere(predicate: (event: E) => boolean): number {
    const kept = this.heap.filter((item) => !predicate(item.event))
    const removed = this.heap.length - kept.length
    if (removed === 0) return 0
    this.heap.length = 0
    for (const item of kept) {
      this.heap.push(item)
      this.siftUp(this.heap.length - 1)
    }
    return removed
  }

  /** Every queued event, in no particular order (for counting and inspection). */
  events(): E[] {
    return this.heap.map((item) => item.event)
  }

  private less(a: Timed<E>, b: Timed<E>): boolean {
    return a.timeUs < b.timeUs || (a.timeUs === b.timeUs && a.seq < b.seq)
  }

  private siftUp(position: number): void {
    const heap = this.heap
    while (position > 0) {
      const parent = (position - 1) >> 1
      if (!this.less(heap[position], heap[parent])) return
      ;[heap[position], heap[parent]] = [heap[parent], heap[position]]
      position = parent
    }
  }

  private siftDown(position: number): void {
    const heap = this.heap
    for (;;) {
      const left = position * 2 + 1
      const right = left + 1
      let smallest = position
      if (left < heap.length && this.less(heap[left], heap[smallest])) smallest = left
      if (right < heap.length && this.less(heap[right], heap[smallest])) smallest = right
      if (smallest === position) return
      ;[heap[position], heap[smallest]] = [heap[smallest], heap[position]]
      position = smallest
    }
  }
}
