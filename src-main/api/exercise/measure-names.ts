/**
 * The measures an exercise can check, with the parameters each takes and the kind of value it gives.
 * The functions are in measures.ts; this table is what the schema and validation need.
 */
export type MeasureParam = 'term' | 'node' | 'step' | 'fault' | 'command' | 'instance' | 'operation'
/** `moment` is step or fault: one of them, exactly. */
type ParamRule = MeasureParam | 'moment'

export type MeasureValueKind = 'node' | 'nodes' | 'number' | 'duration' | 'boolean' | 'text' | 'texts'

export const measureCatalog = {
  'leader-of-term': { params: ['term'], value: 'node' },
  'term-had-leader': { params: ['term'], value: 'boolean' },
  'candidates-of-term': { params: ['term'], value: 'nodes' },
  'voters-for': { params: ['node', 'term'], value: 'nodes' },
  'first-leader': { params: [], value: 'node' },
  'first-leader-term': { params: [], value: 'number' },
  'leader-after': { params: ['moment'], value: 'node' },
  'term-after': { params: ['moment'], value: 'number' },
  'leaderless-after': { params: ['moment'], value: 'duration' },
  'leader-changes': { params: [], value: 'number' },
  'final-term': { params: [], value: 'number' },
  'most-leaders-at-once': { params: [], value: 'number' },
  'most-leaders-in-a-term': { params: [], value: 'number' },
  linearizable: { params: [], value: 'boolean' },
  'verdict-passed': { params: [], value: 'boolean' },
  'broken-invariants': { params: [], value: 'texts' },
  'lost-writes': { params: [], value: 'number' },
  'stale-reads': { params: [], value: 'number' },
  'truncated-nodes': { params: [], value: 'nodes' },
  'truncated-from': { params: ['node'], value: 'number' },
  'truncated-commands': { params: [], value: 'texts' },
  'script-outcome': { params: ['command'], value: 'text' },
  'script-ok': { params: ['command'], value: 'boolean' },
  'script-value': { params: ['command'], value: 'text' },
  'caught-up': { params: ['node'], value: 'boolean' },
  'snapshot-installed': { params: ['node'], value: 'boolean' },
  'final-voters': { params: [], value: 'nodes' },
  'faults-tolerated': { params: [], value: 'number' },
  'latency-p50': { params: ['operation'], value: 'duration' },
  throughput: { params: [], value: 'number' },
  'group-leaders': { params: [], value: 'number' },
  'instance-gone-after': { params: ['instance'], value: 'duration' },
  'watch-events-missed': { params: [], value: 'number' },
} as const satisfies Record<string, { params: readonly ParamRule[]; value: MeasureValueKind }>

export type MeasureName = keyof typeof measureCatalog
export const measureNames = Object.keys(measureCatalog) as [MeasureName, ...MeasureName[]]

const allParams: MeasureParam[] = ['term', 'node', 'step', 'fault', 'command', 'instance', 'operation']

/** A parameter's problem: its English message, and its code with values for other languages. */
export interface MeasureParamProblem {
  param: string
  message: string
  code: 'measureTakesNo' | 'measureNeedsMoment' | 'measureNeeds'
  params: { measure: string; param?: string }
}

/** Problems with a measure's parameters, as messages keyed by the parameter's name ('' for the spec). */
export function measureParamProblems(spec: { measure: MeasureName } & Partial<Record<MeasureParam, unknown>>): MeasureParamProblem[] {
  const rules: readonly ParamRule[] = measureCatalog[spec.measure].params
  const wanted = new Set<MeasureParam>(rules.flatMap((rule) => (rule === 'moment' ? (['step', 'fault'] as const) : [rule])))
  const problems: MeasureParamProblem[] = []
  for (const param of allParams) {
    if (spec[param] !== undefined && !wanted.has(param)) problems.push({ param, message: `${spec.measure} takes no ${param}`, code: 'measureTakesNo', params: { measure: spec.measure, param } })
  }
  for (const rule of rules) {
    if (rule === 'moment') {
      const given = (spec.step !== undefined ? 1 : 0) + (spec.fault !== undefined ? 1 : 0)
      if (given !== 1) problems.push({ param: '', message: `${spec.measure} needs exactly one of step or fault (the moment it measures from)`, code: 'measureNeedsMoment', params: { measure: spec.measure } })
    } else if (spec[rule] === undefined) problems.push({ param: '', message: `${spec.measure} needs ${rule}`, code: 'measureNeeds', params: { measure: spec.measure, param: rule } })
  }
  return problems
}
