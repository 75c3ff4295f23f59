/** Exercises 1 to 6 of the course end to end, then their hand-ins graded (course-suite.ts). */
import { courseSuite } from './course-suite'

courseSuite(1, 6)
