/**
 * A PBFT client takes a refusal as definite the way it takes a result: from f+1 replicas that say
 * the same. A request too large for the cluster is refused by every honest replica at its client
 * port (the check depends only on the request and the cluster's configuration), so with f+1
 * matching refusals the operation certainly did not happen: `fail`, with the reason. One refusal
 * alone could be a Byzantine replica's lie, and proves nothing. Real replica processes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startTestCluster, type TestCluster } from '../support/cluster-harness.js'
import { ClusterConnections } from '../../src-main/lab/workload/connections.js'
import { PbftClient } from '../../src-main/lab/workload/pbft-client.js'
import { logWindowFor, pbftRequestBytesMax } from '../../src-main/protocols/pbft/config.js'

let running: TestCluster | undefined
let connections: ClusterConnections | undefined
afterEach(async () => {
  connections?.close()
  connections = undefined
  await running?.close()
  running = undefined
})

const checkpointInterval = 32
/** Larger than a PBFT command may be with 4 replicas, well under the 256 KiB a value may be anywhere. */
const oversizedValue = 'x'.repeat(pbftRequestBytesMax(4, 1, logWindowFor(checkpointInterval)) + 1000)
const timeoutMs = 8000

async function pbftCluster(): Promise<{ cluster: TestCluster; client: PbftClient }> {
  running = await startTestCluster(['A', 'B', 'C', 'D'], { protocol: 'pbft', f: 1, checkpointInterval })
  connections = new ClusterConnections(running.cluster.clientEndpoints())
  return { cluster: running, client: new PbftClient(connections, 1, 200) }
}

describe('a PBFT request every honest replica refuses', () => {
  it('fails definitely, with the replicas\' reason, once f+1 replicas refused it alike; the cluster goes on', async () => {
    const { client } = await pbftCluster()
    expect((await client.execute('c1', 1, { op: 'put', key: 'before', value: 'v' }, timeoutMs)).type).toBe('ok')
    const outcome = await client.execute('c1', 2, { op: 'put', key: 'big', value: oversizedValue }, timeoutMs)
    expect(outcome.type).toBe('fail')
    if (outcome.type !== 'fail') return
    expect(outcome.error).toMatch(/^invalid: a command of \d+ bytes is larger than the \d+ a command may have here$/)
    expect(outcome.node?.split(',').length).toBeGreaterThanOrEqual(2)
    const read = await client.execute('c1', 3, { op: 'get', key: 'big' }, timeoutMs)
    expect(read).toMatchObject({ type: 'ok', value: null })
  })

  it('stays indefinite when only one replica is there to refuse it: one refusal could be a lie', async () => {
    const { cluster, client } = await pbftCluster()
    for (const node of ['B', 'C', 'D']) await cluster.cluster.crash(node)
    const outcome = await client.execute('c2', 1, { op: 'put', key: 'big', value: oversizedValue }, 1500)
    expect(outcome.type).toBe('info')
  })
})
