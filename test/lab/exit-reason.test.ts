/** Why a child process died, from what it printed: the line a person would point at. */
import { describe, expect, it } from 'vitest'
import { errorLine, exitReasonCharsMax, firstLine } from '../../src-main/lab/exit-reason.js'

describe('errorLine', () => {
  it('takes the replica\'s own "stopped" line without its prefix', () => {
    const log = 'replica B stopped: Error: frame of 67116132 bytes exceeds 16777216\n    at encodeFrame (file:///out/node/replica.js:797:45)\n'
    expect(errorLine(log, 'replica B stopped: ')).toBe('Error: frame of 67116132 bytes exceeds 16777216')
  })

  it('finds V8\'s fatal line after its GC log when the heap ran out', () => {
    const log = [
      '',
      '<--- Last few GCs --->',
      '',
      '[4242:0x5d0]     1520 ms: Mark-Compact 11.9 (13.6) -> 11.8 (13.8) MB, 9.1 / 0.0 ms  (average mu = 0.2) allocation failure;',
      '',
      '<--- JS stacktrace --->',
      '',
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
      ' 1: 0xb8a9a0 node::Abort() [node]',
    ].join('\n')
    expect(errorLine(log, 'replica A stopped: ')).toBe('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory')
  })

  it('an unhandled stream error: the error, not the line of source Node prints above it', () => {
    const log = [
      'node:events:497',
      '      throw er; // Unhandled \'error\' event',
      '      ^',
      '',
      'Error: ENOSPC: no space left on device, write',
      "Emitted 'error' event on WriteStream instance at:",
    ].join('\n')
    expect(errorLine(log)).toBe('Error: ENOSPC: no space left on device, write')
  })

  it('says nothing rather than guess when no line names an error', () => {
    expect(errorLine('(node:12) ExperimentalWarning: something\n', 'replica A stopped: ')).toBeUndefined()
    expect(errorLine('', 'replica A stopped: ')).toBeUndefined()
  })

  it('keeps a reason to one bounded line', () => {
    expect(firstLine(`\n  Error: ${'x'.repeat(1000)}\n  at here`)).toHaveLength(exitReasonCharsMax)
    expect(firstLine('AssertionError: commit index went back\n  at Raft.step')).toBe('AssertionError: commit index went back')
  })
})
