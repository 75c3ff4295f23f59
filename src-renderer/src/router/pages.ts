import type { Component } from 'vue'
import type { RouteName } from './routes'
import LibraryPage from '../components/library/LibraryPage.vue'
import DesignPage from '../components/design/DesignPage.vue'
import RunPage from '../components/run/RunPage.vue'
import RunsPage from '../components/runs/RunsPage.vue'
import ComparePage from '../components/compare/ComparePage.vue'
import CoursePage from '../components/course/CoursePage.vue'
import GradingPage from '../components/course/GradingPage.vue'
import SweepsPage from '../components/sweeps/SweepsPage.vue'

export const pages: Record<RouteName, Component> = {
  course: CoursePage,
  grading: GradingPage,
  library: LibraryPage,
  design: DesignPage,
  run: RunPage,
  runs: RunsPage,
  compare: ComparePage,
  sweeps: SweepsPage,
}

/** The top navigation, in order; `soon` marks a page whose features are still to come. */
export const navigation: { name: RouteName; labelKey: string; soon?: boolean }[] = [
  { name: 'course', labelKey: 'nav.course' },
  { name: 'library', labelKey: 'nav.library' },
  { name: 'design', labelKey: 'nav.design' },
  { name: 'run', labelKey: 'nav.run' },
  { name: 'runs', labelKey: 'nav.runs' },
  { name: 'compare', labelKey: 'nav.compare' },
  { name: 'sweeps', labelKey: 'nav.sweeps' },
  { name: 'grading', labelKey: 'nav.grading' },
]
