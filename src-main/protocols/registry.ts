/**
 * Every protocol the lab runs, one line each. Validation, the replica, the simulator, the workload,
 * the checker and the renderer read protocols from here (see descriptor.ts); nothing else lists them.
 */
import type { AnyProtocol } from './descriptor.js'
import { parallelRaftProtocol } from './parallel-raft/protocol.js'
import { pbftProtocol } from './pbft/protocol.js'
import { primaryBackupProtocol } from './primary-backup/protocol.js'
import { raftProtocol } from './raft/protocol.js'

export const protocols = [raftProtocol, pbftProtocol, primaryBackupProtocol, parallelRaftProtocol] as const

export type ProtocolName = (typeof protocols)[number]['name']
export const protocolNames = protocols.map((protocol) => protocol.name) as [ProtocolName, ...ProtocolName[]]

/** The descriptor of a protocol by name (a name from protocolNames: validation has checked it). */
export function descriptorOf(name: ProtocolName | string): AnyProtocol {
  const found = protocols.find((protocol) => protocol.name === name)
  if (found === undefined) throw new Error(`unknown protocol ${JSON.stringify(name)}: expected one of ${protocolNames.join(', ')}`)
  return found as unknown as AnyProtocol
}

/** Options of a protocol, as its descriptor's schema outputs them. */
export type OptionsOf<N extends ProtocolName> = ReturnType<Extract<(typeof protocols)[number], { name: N }>['options']['schema']['parse']>
