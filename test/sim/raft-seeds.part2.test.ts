/** Second half of the Raft seed sweep (see raft-seeds.ts). */
import { raftSeedSweep } from './raft-seeds.js'

raftSeedSweep(1, 2, 'test/sim/raft-seeds.part2.test.ts')
