#!/usr/bin/env node
/**
 * Leader memory and WAL size over a long run, with and without log compaction (issue 15, README
 * "Snapshots and log compaction"). Runs one experiment through the headless lab once per
 * snapshotEntries value given, samples every replica's RSS (/proc/<pid>/status VmRSS) and its data
 * directory's size every few seconds, and prints one table per run: the figures in README come
 * from it. Linux only (reads /proc).
 *
 *   npm run build:node
 *   node scripts/measure-memory.mjs experiments/raft-3-full-load.yaml --snapshot-entries 0,10000 --every 10
 *   node scripts/measure-memory.mjs experiments/raft-3-full-load.yaml --snapshot-entries 10000 --duration 600 --every 20
 *
 * --duration (seconds) replaces the experiment's workload duration.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import YAML from 'yaml'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'snapshot-entries': { type: 'string', default: '0,10000' },
    every: { type: 'string', default: '10' },
    duration: { type: 'string' },
  },
})
const [experimentFile] = positionals
if (experimentFile === undefined) {
  console.error('usage: node scripts/measure-memory.mjs <experiment.yaml> [--snapshot-entries 0,10000] [--every 10] [--duration 600]')
  process.exit(2)
}
const everyMs = Number(values.every) * 1000
const settings = values['snapshot-entries'].split(',').map(Number)
const durationSeconds = values.duration === undefined ? undefined : Number(values.duration)
if (!(everyMs > 0) || settings.some((value) => !Number.isInteger(value) || value < 0)) {
  console.error('--every must be a positive number of seconds, --snapshot-entries whole numbers >= 0')
  process.exit(2)
}
if (durationSeconds !== undefined && !(Number.isInteger(durationSeconds) && durationSeconds > 0)) {
  console.error('--duration must be a whole number of seconds > 0')
  process.exit(2)
}

const MiB = 1024 * 1024
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')

for (const snapshotEntries of settings) await measure(snapshotEntries)

async function measure(snapshotEntries) {
  const experiment = YAML.parse(fs.readFileSync(experimentFile, 'utf8'))
  experiment.cluster = { ...experiment.cluster, snapshotEntries }
  if (durationSeconds !== undefined) experiment.workload = { ...experiment.workload, duration: `${durationSeconds}s` }
  experiment.name = `${experiment.name}-snapshot-${snapshotEntries}`
  const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'measure-memory-'))
  const file = path.join(runsDir, 'experiment.yaml')
  fs.writeFileSync(file, YAML.stringify(experiment))
  const lab = spawn(process.execPath, [path.join(root, 'out/node/lab.js'), 'run', file, '--runs-dir', runsDir], { stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  lab.stdout.on('data', (chunk) => (output += chunk))
  const startedMs = Date.now()
  const rows = []
  const timer = setInterval(() => rows.push(sample(runsDir, Date.now() - startedMs)), everyMs)
  const code = await new Promise((resolve) => lab.on('exit', resolve))
  clearInterval(timer)
  const leader = /leader ([A-Za-z0-9_-]+) term/.exec(output)?.[1]
  console.log(`\nsnapshotEntries ${snapshotEntries}: lab exited ${code}; ${output.match(/ops .*|throughput .*|leadership .*|verdict .*/g)?.join('; ')}`)
  // RSS; the WAL's records; everything in the data directory as allocated on disk (the WAL's zero-filled space ahead and snapshot files included).
  console.log('   s  ' + nodesOf(rows).map((node) => `${node}: RSS MiB  WAL MiB  disk MiB`).join('  '))
  for (const row of rows) {
    console.log(`${String(Math.round(row.atMs / 1000)).padStart(4)}  ` + nodesOf(rows).map((node) => {
      const at = row.nodes[node]
      if (at === undefined) return `${node}:        -        -         -`
      return `${node}: ${(at.rssBytes / MiB).toFixed(1).padStart(7)}  ${(at.walBytes / MiB).toFixed(1).padStart(7)}  ${(at.diskBytes / MiB).toFixed(1).padStart(8)}`
    }).join('  '))
  }
  if (leader !== undefined) console.log(`(leader: ${leader})`)
  fs.rmSync(runsDir, { recursive: true, force: true })
}

function nodesOf(rows) {
  return [...new Set(rows.flatMap((row) => Object.keys(row.nodes)))].sort()
}

/** Every replica process of the run under runsDir: its RSS, and the size of its data directory. */
function sample(runsDir, atMs) {
  const nodes = {}
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let cmdline
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    } catch {
      continue
    }
    const match = new RegExp(`"dataDir":"(${escape(runsDir)}[^"]*/nodes/([^"/]+))"`).exec(cmdline)
    if (match === null) continue
    const rss = /VmRSS:\s+(\d+) kB/.exec(safeRead(`/proc/${pid}/status`))
    nodes[match[2]] = { rssBytes: rss ? Number(rss[1]) * 1024 : 0, diskBytes: directoryBytes(match[1]), walBytes: recordBytes(path.join(match[1], 'wal.log')) }
  }
  return { atMs, nodes }
}

/**
 * The WAL's records: the file up to its last non-zero byte (the space after it is zero-filled ahead
 * of the writes, wal.ts), read backwards in 1 MiB steps.
 */
function recordBytes(file) {
  let fd
  try {
    fd = fs.openSync(file, 'r')
  } catch {
    return 0
  }
  try {
    const chunk = Buffer.alloc(MiB)
    for (let end = fs.fstatSync(fd).size; end > 0; ) {
      const start = Math.max(0, end - MiB)
      const read = fs.readSync(fd, chunk, 0, end - start, start)
      for (let at = read - 1; at >= 0; at -= 1) if (chunk[at] !== 0) return start + at + 1
      end = start
    }
    return 0
  } finally {
    fs.closeSync(fd)
  }
}

/** Bytes the files of a directory hold on disk (allocated blocks: the WAL's zero-filled space ahead counts). */
function directoryBytes(directory) {
  let bytes = 0
  for (const name of safeList(directory)) {
    try {
      bytes += fs.statSync(path.join(directory, name)).blocks * 512
    } catch {
      // removed between the listing and the stat (a segment change)
    }
  }
  return bytes
}

function safeRead(file) {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}

function safeList(directory) {
  try {
    return fs.readdirSync(directory)
  } catch {
    return []
  }
}

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
