/** First half of the Raft seed sweep (see raft-seeds.ts). */
import { raftSeedSweep } from './raft-seeds.js'

raftSeedSweep(0, 2, 'test/sim/raft-seeds.part1.test.ts')
