/** The protocol a replica process runs, by name: its adapter's glue plus the facts its descriptor states. */
import type { ProtocolName } from '../api/experiment.js'
import { descriptorOf } from '../protocols/registry.js'
import type { AdapterGlue, ProtocolAdapter } from './host.js'
import { raftAdapter } from './adapters/raft.js'
import { multiRaftAdapter } from './adapters/multiraft.js'
import { primaryBackupAdapter } from './adapters/primary-backup.js'
import { pbftAdapter } from './adapters/pbft.js'
import { parallelRaftAdapter } from './adapters/parallel-raft.js'

type AnyAdapter = ProtocolAdapter<{ type: string }, unknown>

export function adapterFor(protocol: ProtocolName, groups = 1): AnyAdapter {
  const descriptor = descriptorOf(protocol)
  // MultiRaft reports "leader k/G", never a leader role: a node leads some groups and follows in
  // others, and clients learn each group's leader from hints.
  return {
    ...glueOf(protocol, groups),
    leaderRoles: descriptor.leaderRoles,
    appliedTermMatters: descriptor.appliedTermMatters,
    appliesOutOfOrder: descriptor.sim.appliesOutOfOrder !== undefined,
  }
}

function glueOf(protocol: ProtocolName, groups: number): AdapterGlue<{ type: string }, unknown> {
  switch (protocol) {
    case 'raft':
      return (groups > 1 ? multiRaftAdapter : raftAdapter) as unknown as AdapterGlue<{ type: string }, unknown>
    case 'primary-backup':
      return primaryBackupAdapter as unknown as AdapterGlue<{ type: string }, unknown>
    case 'pbft':
      return pbftAdapter as unknown as AdapterGlue<{ type: string }, unknown>
    case 'parallel-raft':
      return parallelRaftAdapter as unknown as AdapterGlue<{ type: string }, unknown>
  }
}
