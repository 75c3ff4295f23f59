/**
 * Exercises 13 on of the course end to end (issue 15's scenarios: a follower back through a
 * snapshot, removing the leader), then their hand-ins graded (course-suite.ts).
 */
import { courseSuite } from './course-suite'

courseSuite(13, Infinity)
