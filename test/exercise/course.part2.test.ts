/** Exercises 7 to 12 of the course end to end, then their hand-ins graded (course-suite.ts). */
import { courseSuite } from './course-suite'

courseSuite(7, 12)
