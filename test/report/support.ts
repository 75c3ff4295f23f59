/** Shared pieces of the report tests: the fixture run directories, a scratch folder, a captured io. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { repositoryRoot } from '../../src-main/lab/paths.js'
import type { CommandIo } from '../../src-main/lab/report/command.js'

export const fixtureRuns = {
  passing: path.join(repositoryRoot(), 'test/fixtures/runs/raft-3-crash'),
  failing: path.join(repositoryRoot(), 'test/fixtures/runs/primary-backup-split'),
}

export function scratchDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lab-report-${prefix}-`))
}

/** A copy of a fixture run directory that a test may damage. */
export function copyRun(source: string, scratch: string, name = path.basename(source)): string {
  const target = path.join(scratch, name)
  fs.cpSync(source, target, { recursive: true })
  return target
}

export function captureIo(): CommandIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (text: string) => {
      io.out += text
    },
    stderr: (text: string) => {
      io.err += text
    },
  }
  return io
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF), strict enough to catch a malformed file. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index]!
    if (quoted) {
      if (character === '"' && text[index + 1] === '"') {
        field += '"'
        index += 1
      } else if (character === '"') quoted = false
      else field += character
    } else if (character === '"') {
      if (field !== '') throw new Error(`a quote inside an unquoted field at ${index}`)
      quoted = true
    } else if (character === ',') {
      row.push(field)
      field = ''
    } else if (character === '\r' && text[index + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      index += 1
    } else if (character === '\n') throw new Error(`a bare line feed at ${index}`)
    else field += character
  }
  if (quoted) throw new Error('an unterminated quoted field')
  if (field !== '' || row.length > 0) throw new Error('the last line has no CRLF')
  return rows
}
