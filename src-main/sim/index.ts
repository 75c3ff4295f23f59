/**
 * The deterministic simulator's public surface (see README.md): run a seed, step through one, or
 * run the `lab simulate` command.
 */
export { simulate, simulateSteps, Simulation, safetyStepsDefault, safetyStepsLimit, livenessStepsMax } from './simulation.js'
export type { SimOptions, SimStep, SimStepView, NodeView, Phase } from './simulation.js'
export { describeFailure, replayCommand } from './result.js'
export type { SimResult, SimRunCounts } from './result.js'
export type { Violation, CheckName } from './monitor.js'
export { checkNames } from './monitor.js'
export type { SimEvent } from './events.js'
export { describeEvent } from './events.js'
export type { SimFault, SimOnlyFault, CrashLanding } from './nemesis.js'
export { simFaultSupport } from './nemesis.js'
export { faultProfiles, nemesisFocuses, describeScenario, drawScenario } from './scenario.js'
export type { FaultProfile, NemesisFocus, Scenario } from './scenario.js'
export { runSimulateCommand, simulateUsage } from './command.js'
export type { SimulateIo } from './command.js'
