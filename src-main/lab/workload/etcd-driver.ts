/**
 * The workload's client for a real etcd (the bench's reference): the same operations as against
 * the lab's replicas, through etcd's own v3 API with the `etcd3` npm client (gRPC over HTTP/2,
 * @grpc/grpc-js). Loaded only when the workload drives etcd.
 *
 * Like the lab's LeaderClient it sends every request to the leader (a follower would forward it:
 * one more hop that our clients do not pay either). Outcomes are honest: `fail` only for a cas
 * that did not match, `info` for everything that may have happened (a timeout, a lost connection).
 */
import type { Etcd3 } from 'etcd3'
import type { Command } from '../../protocols/types.js'
import type { ClientDriver, Outcome } from './client.js'

export class EtcdDriver implements ClientDriver {
  private constructor(
    private readonly client: Etcd3,
    private readonly node: string,
  ) {}

  /** One client (one HTTP/2 connection) shared by every workload client, as the lab's own. */
  static async connect(endpoint: string): Promise<EtcdDriver> {
    const { Etcd3 } = await import('etcd3')
    return new EtcdDriver(new Etcd3({ hosts: endpoint, dialTimeout: 5000 }), endpoint)
  }

  async execute(_clientId: string, _seq: number, command: Command, timeoutMs: number): Promise<Outcome> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<Outcome>((resolve) => {
      timer = setTimeout(() => resolve({ type: 'info', error: 'timeout', node: this.node }), timeoutMs)
    })
    try {
      return await Promise.race([this.perform(command), timeout])
    } catch (error) {
      return { type: 'info', error: `etcd: ${(error as Error).message.split('\n')[0]}`, node: this.node }
    } finally {
      clearTimeout(timer)
    }
  }

  close(): void {
    this.client.close()
  }

  private async perform(command: Command): Promise<Outcome> {
    const node = this.node
    switch (command.op) {
      case 'put':
        if (command.lease !== undefined) return { type: 'fail', error: 'invalid: the etcd driver does not attach leases' }
        await this.client.put(command.key).value(command.value)
        return { type: 'ok', node }
      case 'get':
        return { type: 'ok', node, value: await this.client.get(command.key).string() }
      case 'delete':
        await this.client.delete().key(command.key)
        return { type: 'ok', node }
      case 'cas': {
        // Absent is version 0 in etcd; present with the expected value otherwise.
        const guard = command.expected === null ? this.client.if(command.key, 'Version', '==', 0) : this.client.if(command.key, 'Value', '==', command.expected)
        const result = await guard.then(this.client.put(command.key).value(command.value)).commit()
        return result.succeeded ? { type: 'ok', node } : { type: 'fail', error: 'cas-mismatch', node }
      }
      case 'range': {
        const entries = Object.entries(await this.client.getAll().prefix(command.prefix).strings()).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        return { type: 'ok', node, entries }
      }
      case 'lease-grant':
      case 'lease-keepalive':
      case 'lease-revoke':
        return { type: 'fail', error: `invalid: the etcd driver does not run ${command.op}` }
      case 'noop':
        throw new Error('clients never send noop')
    }
  }
}
