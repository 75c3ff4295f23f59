/**
 * The named byte bounds, held against each other: every message a core or a replica builds from
 * bounded parts fits in a frame, and every record in a WAL record. If one bound moves, this says
 * which relation broke instead of a replica dying on a large experiment.
 */
import { describe, expect, it } from 'vitest'
import * as budget from '../../src-main/protocols/common/wire-budget.js'
import { walRecordBytesMax } from '../../src-main/replica/wal.js'
import { batchBytesCap, catchUpBytesMax, digestCharsMax, pbftBounds } from '../../src-main/protocols/pbft/config.js'
import type { Command } from '../../src-main/protocols/types.js'

const slackBytes = 4096
const largestCas: Command = { op: 'cas', key: 'k'.repeat(budget.keyBytesMax), expected: 'v'.repeat(budget.valueBytesMax), value: 'v'.repeat(budget.valueBytesMax) }
const largestEntry = budget.encodedBytesMax({ term: Number.MAX_SAFE_INTEGER, command: largestCas, tag: { clientId: 'c'.repeat(budget.clientIdBytesMax), seq: Number.MAX_SAFE_INTEGER } })

describe('the byte budgets hold together', () => {
  it('the largest command the client port accepts is within commandBytesMax', () => {
    expect(budget.checkCommandBytes(largestCas)).toBeNull()
    expect(budget.encodedBytesMax(largestCas)).toBeLessThanOrEqual(budget.commandBytesMax)
  })

  it('an AppendEntries (the budget, or one entry over it) fits in a frame with its envelope', () => {
    expect(Math.max(budget.appendBytesMax, largestEntry) + largestEntry + slackBytes).toBeLessThanOrEqual(budget.messageBytesMax)
  })

  it('a MultiRaft Batch, a Replicate and a watch frame fit', () => {
    expect(budget.batchBytesMax).toBeLessThanOrEqual(budget.messageBytesMax)
    expect(budget.replicateBytesMax + largestEntry + slackBytes).toBeLessThanOrEqual(budget.messageBytesMax)
    expect(budget.watchEventsBytesMax + largestEntry + slackBytes).toBeLessThanOrEqual(budget.messageBytesMax)
  })

  it('a range reply at the limit fits, with one more entry before the check refuses it', () => {
    const entryBytes = budget.encodedBytesMax(['k'.repeat(budget.keyBytesMax), 'v'.repeat(budget.valueBytesMax)])
    expect(budget.rangeBytesMax + entryBytes + slackBytes).toBeLessThanOrEqual(budget.messageBytesMax)
  })

  it('a PBFT state transfer fits: catchUpBytesMax of batches, one batch over, and a digest for every retained batch', () => {
    const digests = pbftBounds.executedRetainMax * (digestCharsMax + 5)
    expect(catchUpBytesMax + batchBytesCap + digests + slackBytes).toBeLessThanOrEqual(budget.messageBytesMax)
  })

  it('every persisted record fits in a WAL record: a split entries record plus one entry, a whole message (a PBFT new-view)', () => {
    expect(budget.entriesRecordBytesMax + largestEntry + slackBytes).toBeLessThanOrEqual(walRecordBytesMax)
    expect(budget.messageBytesMax).toBeLessThanOrEqual(walRecordBytesMax)
  })
})
