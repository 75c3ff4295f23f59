/** Small random KV histories (not necessarily linearizable), for comparing against the oracle. */
import type { HistoryEvent } from '../../src-main/api/trace.js'
import { randomInt, seededRandom } from '../../src-main/protocols/common/random.js'

export function randomSmallHistory(seed: number, operationsMax: number, valuesMax: number): HistoryEvent[] {
  const random = seededRandom(seed, 'checker-oracle')
  const events: HistoryEvent[] = []
  const values = randomInt(random, 1, valuesMax)
  const value = (): string => String(randomInt(random, 0, values - 1))
  const count = randomInt(random, 1, operationsMax)
  for (let process = 0; process < count; process += 1) {
    const invokeNs = randomInt(random, 0, 20)
    const draw = randomInt(random, 0, 9)
    const f = draw < 4 ? 'get' : draw < 7 ? 'put' : draw < 8 ? 'delete' : 'cas'
    const type = random() < 0.15 ? 'info' : f === 'cas' && random() < 0.2 ? 'fail' : 'ok'
    const invoke: HistoryEvent = { process, type: 'invoke', f, key: 'x', time: invokeNs }
    if (f === 'put') invoke.value = value()
    if (f === 'cas') invoke.value = [random() < 0.2 ? null : value(), value()]
    events.push(invoke)
    if (type === 'info' && random() < 0.5) continue
    const completion: HistoryEvent = { process, type, f, key: 'x', time: invokeNs + randomInt(random, 0, 8), value: invoke.value }
    if (f === 'get' && type === 'ok') completion.value = random() < 0.25 ? null : value()
    events.push(completion)
  }
  return events
}
