/**
 * The protocol a replica process runs, as the host drives it: everything comes from the protocol's
 * descriptor (protocols/registry.ts) and the node's settings (resolveNode); this file only binds
 * them to the node (its seed, its secret, its members) and to the host's shape.
 */
import { behaviourOfSpec, type AnyProtocol, type ByzantineSpec } from '../protocols/descriptor.js'
import { seededRandom } from '../protocols/common/random.js'
import { descriptorOf } from '../protocols/registry.js'
import type { ProtocolCore } from '../protocols/types.js'
import type { ReplicaConfig } from './config.js'
import type { ClientPush, ProtocolAdapter } from './host.js'
import { nodeCrypto } from './node-crypto.js'

type AnyAdapter = ProtocolAdapter<{ type: string }, unknown>
type AnyCore = ProtocolCore<{ type: string }, unknown>

export function adapterFor(config: ReplicaConfig): AnyAdapter {
  const protocol = descriptorOf(config.protocol)
  const { settings, members } = config
  const { host } = protocol
  const behaviour = (spec: unknown) => behaviourOfSpec(protocol, spec as ByzantineSpec | undefined, { tickMs: config.tickMs, liars: config.liars })
  const sharding = host.sharding?.(settings)
  const campaignInput = host.campaignInput
  const setByzantine = host.setByzantine
  return {
    createCore: (persisted) =>
      protocol.createCore(settings, persisted, {
        id: config.id,
        members,
        tickMs: config.tickMs,
        random: (stream) => seededRandom(config.seed, stream),
        auth: nodeCrypto(config.secret, members),
        mutations: [],
        byzantine: behaviour(config.byzantine),
      }),
    isMessage: (value): value is { type: string } => host.isMessage(value, settings),
    appliedTermMatters: protocol.appliedTermMatters,
    appliesOutOfOrder: protocol.sim.appliesOutOfOrder !== undefined,
    leaderRoles: protocol.leaderRoles,
    readRoute: protocol.reads.routeOf(settings),
    ...(sharding === undefined ? {} : { groupOfKey: (key: string) => sharding.groupOf(key), groups: sharding.groups }),
    ...(campaignInput === undefined ? {} : { campaign: (core: AnyCore, nowMs: number) => core.step({ ...campaignInput, nowMs } as never) }),
    ...(setByzantine === undefined ? {} : { setByzantine: (core: AnyCore, spec: unknown) => setByzantine(core, behaviour(spec)) }),
    ...(host.commandLimit === undefined ? {} : { commandBytesMax: host.commandLimit(settings, members).bytesMax }),
    describeMessage: host.describeMessage,
    appendedEntries: host.appendedEntries,
    settleUnpersistedPrefixFirst: host.settleUnpersistedPrefixFirst ?? false,
    ...(host.snapshotInput === undefined ? {} : { snapshotInput: (index: number, data: Uint8Array, group?: number) => host.snapshotInput!(index, data, group) as never }),
    ...(host.reconfigureInput === undefined ? {} : { reconfigureInput: host.reconfigureInput }),
    ...(protocol.sim.transferInput === undefined ? {} : { transferInput: protocol.sim.transferInput }),
    ...(host.configuration === undefined ? {} : { configuration: (core: AnyCore) => host.configuration!(core as never) }),
    ...(host.recoveredSnapshot === undefined ? {} : { recoveredSnapshot: (core: AnyCore, group?: number) => host.recoveredSnapshot!(core as never, group) }),
    ...(protocol.clients.kind === 'quorum' ? { replies: quorumReplies(protocol.clients) } : {}),
  }
}

/** Every replica answers every client (PBFT): replies go by client id, whichever connection it came on. */
function quorumReplies(clients: Extract<AnyProtocol['clients'], { kind: 'quorum' }>): NonNullable<AnyAdapter['replies']> {
  const push = (reply: { clientId: string; wire: unknown }): ClientPush => ({ clientId: reply.clientId, pbft: reply.wire })
  const { tentative, readOnly } = clients
  return {
    afterApply: (core, entry, result) => {
      const reply = clients.replyFor(core, entry, result)
      return reply === undefined ? undefined : push(reply)
    },
    fromReady: (ready) => clients.cachedReplies(ready).map(push),
    pending: (ready) => clients.cachedReplies(ready).length > 0 || (tentative?.hasWork(ready) ?? false),
    ...(tentative === undefined ? {} : { afterTurn: (core, readies, store) => tentative.replies(core, readies, store).map(push) }),
    ...(readOnly === undefined
      ? {}
      : {
          readOnly: (core, tag, result) => {
            const reply = readOnly.replyFor(core, tag, result)
            return reply === undefined ? undefined : push(reply)
          },
        }),
  }
}
