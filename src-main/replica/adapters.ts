/** The protocol a replica process runs, by name. */
import type { ProtocolName } from '../api/experiment.js'
import type { ProtocolAdapter } from './host.js'
import { raftAdapter } from './adapters/raft.js'

export function adapterFor(protocol: ProtocolName): ProtocolAdapter<{ type: string }, unknown> {
  switch (protocol) {
    case 'raft':
      return raftAdapter as unknown as ProtocolAdapter<{ type: string }, unknown>
    case 'pbft':
    case 'primary-backup':
      throw new Error(`protocol ${protocol} is not available in this build`)
  }
}
