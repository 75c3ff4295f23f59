/**
 * Shape checks for messages from the network. A Byzantine replica may send anything; the core
 * checks the fields it reads before it reads them, so a malformed message is dropped with a note
 * and never throws. Sizes are bounded here too (a batch, a proof, a P set).
 */
import { checkCommand } from '../common/command-check.js'
import type { Command } from '../types.js'
import type { ClientRequest } from './types.js'

export interface ShapeLimits {
  n: number
  batchMax: number
  logWindowMax: number
  forwardedRequestsMax: number
  executedRetainMax: number
  viewChangesHeldMax: number
}

type Check = (value: unknown) => boolean

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
const isString = (value: unknown): value is string => typeof value === 'string'
const isNat = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
const arrayOf = (check: Check, max: number): Check => (value) =>
  Array.isArray(value) && value.length <= max && value.every(check)

export function isCommand(value: unknown): value is Command {
  return checkCommand(value) === null
}

export function isClientRequest(value: unknown): value is ClientRequest {
  return isObject(value) && isCommand(value.command) && isObject(value.tag) && isString(value.tag.clientId) && isNat(value.tag.seq)
}

/** Builds the check once per core: returns the reason a message is malformed, or undefined. */
export function shapeChecker(limits: ShapeLimits): (value: unknown) => string | undefined {
  const checks = bodyChecks(limits)
  return (value) => {
    if (!isObject(value)) return 'not an object'
    if (!isString(value.replica)) return 'replica is not a string'
    if (!Array.isArray(value.auth) || value.auth.length !== limits.n || !value.auth.every(isString)) return 'bad authenticator'
    const check = Object.hasOwn(checks, value.type as string) ? checks[value.type as string] : undefined
    if (!check) return `unknown type ${JSON.stringify(value.type)}`
    return check(value) ? undefined : `malformed ${String(value.type)}`
  }
}

function bodyChecks(limits: ShapeLimits): Record<string, (value: Record<string, unknown>) => boolean> {
  const batch = arrayOf(isClientRequest, limits.batchMax)
  const signed = (value: unknown, body: (v: Record<string, unknown>) => boolean): boolean =>
    isObject(value) && isString(value.replica) && Array.isArray(value.auth) && value.auth.length === limits.n &&
    value.auth.every(isString) && body(value)
  const prePrepare = (v: Record<string, unknown>): boolean =>
    v.type === 'PrePrepare' && isNat(v.view) && isNat(v.seq) && isString(v.digest) && batch(v.batch)
  const vote = (type: string) => (v: Record<string, unknown>): boolean =>
    v.type === type && isNat(v.view) && isNat(v.seq) && isString(v.digest)
  const checkpoint = (v: Record<string, unknown>): boolean => v.type === 'Checkpoint' && isNat(v.seq) && isString(v.digest)
  const proof = arrayOf((c) => signed(c, checkpoint), limits.n)
  const preparedProof = (value: unknown): boolean =>
    isObject(value) && signed(value.prePrepare, prePrepare) &&
    arrayOf((p) => signed(p, vote('Prepare')), limits.n)(value.prepares)
  const viewChange = (v: Record<string, unknown>): boolean =>
    v.type === 'ViewChange' && isNat(v.view) && isNat(v.stableSeq) && isString(v.stableDigest) &&
    proof(v.checkpointProof) && arrayOf(preparedProof, limits.logWindowMax)(v.prepared)
  return {
    Request: (v) => isNat(v.view) && arrayOf(isClientRequest, limits.forwardedRequestsMax)(v.requests),
    PrePrepare: prePrepare,
    Prepare: vote('Prepare'),
    Commit: vote('Commit'),
    Checkpoint: checkpoint,
    ViewChange: viewChange,
    ViewChangeAck: (v) => isNat(v.view) && isString(v.subject) && isString(v.digest),
    NewView: (v) =>
      isNat(v.view) && arrayOf((vc) => signed(vc, viewChange), limits.n)(v.viewChanges) &&
      arrayOf((ack) => signed(ack, (a) => a.type === 'ViewChangeAck' && isNat(a.view) && isString(a.subject) && isString(a.digest)), limits.n * limits.n)(v.acks) &&
      arrayOf((pp) => signed(pp, prePrepare), limits.logWindowMax)(v.prePrepares),
    Status: (v) =>
      isNat(v.view) && typeof v.viewChanging === 'boolean' && isNat(v.stableSeq) && isNat(v.executedSeq) &&
      arrayOf(isNat, limits.logWindowMax)(v.uncommitted) &&
      arrayOf((held) => isObject(held) && isString(held.replica) && isNat(held.view), limits.viewChangesHeldMax)(v.viewChangesHeld),
    CatchUp: (v) =>
      isNat(v.fromSeq) && isNat(v.toSeq) && isString(v.toDigest) && proof(v.proof) &&
      arrayOf(batch, limits.executedRetainMax)(v.batches),
  }
}
