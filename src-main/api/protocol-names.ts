/** The protocols an experiment can run; apart from the schema, so the checker loads no schema library. */
export const protocolNames = ['raft', 'pbft', 'primary-backup', 'parallel-raft'] as const
export type ProtocolName = (typeof protocolNames)[number]
