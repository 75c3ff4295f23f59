#!/usr/bin/env node
/**
 * How long a replica's event loop stalls, and what was running then (issue 15: a snapshot must not
 * stall the replica). Runs one experiment through the headless lab with the snapshot settings
 * given, then reads its trace: every replica notes a gap of tickGapNoteMsMin (50 ms) or more
 * between two ticks (replica/host.ts), and its snapshot steps with their durations. Prints, per
 * replica, the longest gap, how many gaps passed 50 / 100 / 250 ms, the snapshots it took and how
 * long their steps ran on the event loop, and the elections of the run.
 *
 * The replicas run from CONSENSUS_LAB_NODE_DIR when set (another build's out/node, to compare).
 *
 *   npm run build:node
 *   node scripts/measure-stalls.mjs experiments/raft-3-full-load.yaml --snapshot-entries 2000 --duration 60
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import { parseArgs } from 'node:util'
import YAML from 'yaml'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'snapshot-entries': { type: 'string', default: '2000' }, duration: { type: 'string', default: '60' } },
})
const [experimentFile] = positionals
const snapshotEntries = Number(values['snapshot-entries'])
const durationSeconds = Number(values.duration)
if (experimentFile === undefined || !Number.isInteger(snapshotEntries) || snapshotEntries < 0 || !(Number.isInteger(durationSeconds) && durationSeconds > 0)) {
  console.error('usage: node scripts/measure-stalls.mjs <experiment.yaml> [--snapshot-entries 2000] [--duration 60]  (whole numbers; entries >= 0, seconds > 0)')
  process.exit(2)
}
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const gapBoundsMs = [50, 100, 250]

const experiment = YAML.parse(fs.readFileSync(experimentFile, 'utf8'))
experiment.cluster = { ...experiment.cluster, snapshotEntries }
experiment.workload = { ...experiment.workload, duration: `${durationSeconds}s` }
experiment.name = `${experiment.name}-stalls-${snapshotEntries}`
const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'measure-stalls-'))
try {
  const file = path.join(runsDir, 'experiment.yaml')
  fs.writeFileSync(file, YAML.stringify(experiment))
  const lab = spawn(process.execPath, [path.join(root, 'out/node/lab.js'), 'run', file, '--runs-dir', runsDir], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  lab.stdout.on('data', (chunk) => (output += chunk))
  const code = await new Promise((resolve) => lab.on('exit', resolve))
  const summary = output.split('\n').filter((line) => /^(ops|verdict|throughput|leader)/i.test(line.trim()) || line.includes('indefinite'))
  console.log(`snapshotEntries ${snapshotEntries}, ${durationSeconds} s: lab exited ${code}`)
  for (const line of summary) console.log(`  ${line.trim()}`)
  const runDir = fs.readdirSync(runsDir).map((name) => path.join(runsDir, name)).find((dir) => fs.existsSync(path.join(dir, 'trace.ndjson')))
  if (runDir === undefined) throw new Error(`no trace.ndjson under ${runsDir}`)
  report(await readStalls(path.join(runDir, 'trace.ndjson')))
} finally {
  fs.rmSync(runsDir, { recursive: true, force: true })
}

async function readStalls(traceFile) {
  const nodes = new Map()
  const of = (node) => {
    if (!nodes.has(node)) nodes.set(node, { gapsMs: [], captureMs: [], serializeMs: [], snapshotFileMs: [], segmentMs: [], leaderTerms: [] })
    return nodes.get(node)
  }
  const lines = readline.createInterface({ input: fs.createReadStream(traceFile), crlfDelay: Infinity })
  for await (const line of lines) {
    if (!line.includes('"note"') && !line.includes('"role"')) continue
    const event = JSON.parse(line)
    if (event.kind === 'role' && event.role === 'leader') of(event.node).leaderTerms.push(event.term)
    if (event.kind !== 'note') continue
    const at = of(event.node)
    let match
    if ((match = /^([\d.]+) ms without a tick/.exec(event.text))) at.gapsMs.push(Number(match[1]))
    // Synchronous snapshots: "...: N bytes in X ms"; asynchronous ones: the capture and the longest slice are the event loop's share.
    else if ((match = /^state machine serialized through \d+: \d+ bytes in ([\d.]+) ms/.exec(event.text))) at.serializeMs.push(Number(match[1]))
    else if ((match = /^state machine serialized .*captured in ([\d.]+) ms, encoded in \d+ slices of at most ([\d.]+) ms.*durable after ([\d.]+) ms/.exec(event.text))) {
      at.captureMs.push(Number(match[1]))
      at.serializeMs.push(Number(match[2]))
      at.snapshotFileMs.push(Number(match[3]))
    }
    // A segment change in the background notes its event loop share after the total.
    else if ((match = /^WAL: new segment .* in [\d.]+ ms, ([\d.]+) ms of it on the event loop/.exec(event.text))) at.segmentMs.push(Number(match[1]))
    else if ((match = /^WAL: new segment .* in ([\d.]+) ms/.exec(event.text))) at.segmentMs.push(Number(match[1]))
  }
  return nodes
}

function report(nodes) {
  for (const [node, at] of [...nodes].sort(([a], [b]) => a.localeCompare(b))) {
    const counts = gapBoundsMs.map((bound) => `${at.gapsMs.filter((gap) => gap >= bound).length} >= ${bound} ms`).join(', ')
    console.log(`${node}: longest gap between ticks ${fmt(Math.max(0, ...at.gapsMs))} ms (${counts}); led in terms [${at.leaderTerms.join(', ')}]`)
    const capture = at.captureMs.length > 0 ? `capture ${spread(at.captureMs)}; ` : ''
    console.log(`   snapshots ${at.serializeMs.length}, on the event loop: ${capture}serialization (its longest slice, when sliced) ${spread(at.serializeMs)}; segment change ${spread(at.segmentMs)}`)
    if (at.snapshotFileMs.length > 0) console.log(`   the snapshot file written off the event loop in ${spread(at.snapshotFileMs)}`)
  }
}

function spread(values) {
  if (values.length === 0) return '-'
  const sorted = [...values].sort((a, b) => a - b)
  return `median ${fmt(sorted[Math.floor(sorted.length / 2)])} ms, max ${fmt(sorted[sorted.length - 1])} ms`
}

function fmt(value) {
  return value.toFixed(1)
}
