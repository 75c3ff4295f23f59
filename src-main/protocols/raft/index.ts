/** The pure Raft core: everything a driver (replica process or simulator) needs. */
export { RaftCore } from './core.js'
export type { FollowerProgressView, RaftInput, RaftReady, RaftRole } from './core.js'
export { installIntoLog, RaftLog, recoverState } from './log.js'
export type { RecoveredState } from './log.js'
export { checkRaftMessage, raftMessageTypes } from './messages.js'
export { checkCommand } from '../common/command-check.js'
export type {
  AppendEntries,
  AppendEntriesResponse,
  InstallSnapshot,
  InstallSnapshotResponse,
  LogEntry,
  MessageCheck,
  PreVote,
  PreVoteResponse,
  RaftMessage,
  RaftMessageType,
  RaftPersist,
  RaftSnapshot,
  RequestVote,
  RequestVoteResponse,
  TimeoutNow,
} from './messages.js'
export { readsPendingMaxDefault, snapshotBytesMax, validateOptions } from './options.js'
export type { RaftMutations, RaftOptions, RaftByzantine } from './options.js'
