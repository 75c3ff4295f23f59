/** The protocol a replica process runs, by name. */
import type { ProtocolName } from '../api/experiment.js'
import type { ProtocolAdapter } from './host.js'
import { raftAdapter } from './adapters/raft.js'
import { multiRaftAdapter } from './adapters/multiraft.js'
import { primaryBackupAdapter } from './adapters/primary-backup.js'
import { pbftAdapter } from './adapters/pbft.js'

export function adapterFor(protocol: ProtocolName, groups = 1): ProtocolAdapter<{ type: string }, unknown> {
  switch (protocol) {
    case 'raft':
      return (groups > 1 ? multiRaftAdapter : raftAdapter) as unknown as ProtocolAdapter<{ type: string }, unknown>
    case 'primary-backup':
      return primaryBackupAdapter as unknown as ProtocolAdapter<{ type: string }, unknown>
    case 'pbft':
      return pbftAdapter as unknown as ProtocolAdapter<{ type: string }, unknown>
  }
}
