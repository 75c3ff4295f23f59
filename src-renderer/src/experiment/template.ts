/** The text a new experiment starts from; every field is one the schema knows, with its default spelled out. */
export function newExperimentText(options: { name: string; description: string; comment: string }): string {
  return `# ${options.comment}
name: ${options.name}
description: ${JSON.stringify(options.description)}
protocol: raft
seed: 1
cluster:
  nodes: 3
  electionTimeoutMs: [150, 300]
  heartbeatMs: 50
  durability: fsync
network:
  delayMs: 0
  jitterMs: 0
  loss: 0
workload:
  duration: 30s
  clients: 4
  keys: 10
  mix: { get: 0.5, put: 0.5 }
faults: []
`
}

const fileStem = (name: string): string => name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|-+$/g, '') || 'experiment'

/** The first of `stem.yaml`-like names (`suffix`, then `suffix-2`, ...) that no file has. */
function freeFileName(stem: string, suffix: string, existing: readonly string[]): string {
  const taken = new Set(existing)
  for (let i = 1; ; i += 1) {
    const file = i === 1 ? `${stem}${suffix}.yaml` : `${stem}${suffix}-${i}.yaml`
    if (!taken.has(file)) return file
  }
}

/** A file name for "save a copy" of an experiment that has a file already. */
export function copyFileName(name: string, existing: readonly string[]): string {
  return freeFileName(fileStem(name), '-copy', existing)
}

/** A file name for the first save of a new experiment: its own name; there is nothing it is a copy of. */
export function newFileName(name: string, existing: readonly string[]): string {
  return freeFileName(fileStem(name), '', existing)
}
