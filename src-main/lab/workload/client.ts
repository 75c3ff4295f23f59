/**
 * How a client gets one operation done against a leader-based cluster (Raft, primary-backup):
 * send to the node it believes leads, follow "not leader" hints, move on from unreachable nodes,
 * and report the outcome honestly: `ok`, `fail` only when the operation certainly did not happen,
 * `info` whenever it might have.
 */
import type { Command } from '../../protocols/types.js'
import type { ClusterConnections } from './connections.js'

export type Outcome =
  /** `index`/`group`: the log position the operation took (Raft), `seq`: PBFT's sequence number. */
  | { type: 'ok'; node: string; value?: string | null; entries?: [string, string][]; revision?: number; index?: number; group?: number; seq?: number }
  | { type: 'fail'; error: string; node?: string; value?: string | null }
  | { type: 'info'; error: string; node?: string }

export interface ClientDriver {
  /**
   * `via`: the node to try first (scripted steps); otherwise the driver's routing decides.
   * `homeClientId`: the closed-loop client this process works for (the id of its first process),
   * when it is not the process itself: a process taken after an unknown outcome keeps its client's
   * home node, as a client bound to one replica does.
   */
  execute(clientId: string, seq: number, command: Command, timeoutMs: number, via?: string, homeClientId?: string): Promise<Outcome>
}

/** Pause before another round of tries when no node admits to leading. */
const noLeaderBackoffMs = 10

/** Leader guesses kept, one per client; beyond this the oldest are forgotten. */
const leaderGuessesMax = 10_000

export class LeaderClient implements ClientDriver {
  /**
   * Each client keeps its own idea of who leads, as independent clients would: during a split brain
   * different clients end up at different "leaders", which is what makes the damage visible.
   */
  private readonly leaderGuesses = new Map<string, string>()

  /**
   * routing 'leader': start where the last answer came from. 'home': start every operation at the
   * client's own node and follow hints from there, as a client bound to one replica does.
   */
  constructor(
    private readonly connections: ClusterConnections,
    private readonly routing: 'leader' | 'home' = 'leader',
    /** Follower reads: a read goes to the client's own node, which answers whatever its role. */
    private readonly readsAtHome = false,
    /** MultiRaft: each key's group has its own leader; the guesses are kept per group. */
    private readonly groupOf: (command: Command) => number = () => 0,
  ) {}

  async execute(clientId: string, seq: number, command: Command, timeoutMs: number, via?: string, homeClientId?: string): Promise<Outcome> {
    const deadline = performance.now() + timeoutMs
    const nodes = this.connections.nodeIds
    const home = nodes[hashClient(homeClientId ?? clientId) % nodes.length]!
    const isRead = command.op === 'get' || command.op === 'range'
    const guessKey = `${clientId}|${this.groupOf(command)}`
    let target = via ?? (this.routing === 'home' || (isRead && this.readsAtHome) ? home : (this.leaderGuesses.get(guessKey) ?? home))
    let triedThisRound = new Set<string>()
    let lastError = 'no node answered'
    for (;;) {
      const remaining = deadline - performance.now()
      // Every attempt so far was refused before execution, so the operation certainly did not happen.
      if (remaining <= 0) return { type: 'fail', error: `timeout: ${lastError}` }
      triedThisRound.add(target)
      const delivery = await this.connections.request(target, { clientId, seq, cmd: command }, remaining)
      if (delivery.kind === 'timeout') return { type: 'info', error: 'timeout', node: target }
      if (delivery.kind === 'closed') return { type: 'info', error: 'connection lost after send', node: target }
      let hint: string | undefined
      if (delivery.kind === 'unreachable') {
        lastError = `${target} unreachable`
      } else {
        const response = delivery.response
        if (response.ok) {
          this.remember(guessKey, target)
          return { type: 'ok', node: target, value: response.value, entries: response.entries, revision: response.revision, ...logPosition(response) }
        }
        switch (response.error) {
          case 'cas-mismatch':
            this.remember(guessKey, target)
            return { type: 'fail', error: 'cas-mismatch', node: target, value: response.value }
          case 'rejected':
          case 'invalid':
          case 'compacted':
            return { type: 'fail', error: response.message ? `${response.error}: ${response.message}` : response.error, node: target }
          case 'unknown-outcome':
            return { type: 'info', error: 'unknown outcome (leader stepped down)', node: target }
          case 'not-leader':
          case 'no-leader':
            lastError = `${target}: ${response.error}`
            hint = response.leader
            break
        }
      }
      if (hint && hint !== target && !triedThisRound.has(hint)) {
        target = hint
        continue
      }
      const untried = nodes.find((node) => !triedThisRound.has(node))
      if (untried) {
        target = untried
        continue
      }
      triedThisRound = new Set()
      this.leaderGuesses.delete(guessKey)
      target = hint ?? nodes[(nodes.indexOf(target) + 1) % nodes.length]!
      await delay(Math.min(noLeaderBackoffMs, Math.max(0, deadline - performance.now())))
    }
  }

  private remember(clientId: string, node: string): void {
    if (this.leaderGuesses.size >= leaderGuessesMax && !this.leaderGuesses.has(clientId)) {
      this.leaderGuesses.delete(this.leaderGuesses.keys().next().value!)
    }
    this.leaderGuesses.set(clientId, node)
  }
}

function logPosition(response: { index?: number; group?: number }): { index?: number; group?: number } {
  if (response.index === undefined) return {}
  return response.group === undefined ? { index: response.index } : { index: response.index, group: response.group }
}

function hashClient(clientId: string): number {
  let hash = 0
  for (let index = 0; index < clientId.length; index += 1) hash = (hash * 31 + clientId.charCodeAt(index)) >>> 0
  return hash
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
