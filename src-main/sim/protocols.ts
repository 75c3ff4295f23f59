/** The protocols the simulator can drive, by name: one adapter each (see protocol.ts). */
import { pbftSim } from './adapters/pbft.js'
import { primaryBackupSim } from './adapters/primary-backup.js'
import { raftSim } from './adapters/raft.js'
import type { AnySimProtocol, SimProtocolName } from './protocol.js'

export function simProtocolOf(name: SimProtocolName): AnySimProtocol {
  switch (name) {
    case 'raft':
      return raftSim as unknown as AnySimProtocol
    case 'primary-backup':
      return primaryBackupSim as unknown as AnySimProtocol
    case 'pbft':
      return pbftSim as unknown as AnySimProtocol
  }
}
