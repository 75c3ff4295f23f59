/**
 * One scratch folder for a whole test run: every temporary file a test, a replica or a lab command
 * it starts makes (they all ask os.tmpdir(), which reads TMPDIR) lands in it, and it is removed when
 * the run ends, passed or failed. Test files leave run directories behind by design (a failed run
 * keeps its record), and CI machines share a disk whose free space varies: a run once died of
 * ENOSPC with tens of gigabytes of earlier runs' folders in /tmp.
 * CONSENSUS_LAB_KEEP_TMP=1 keeps the folder and says where it is.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export function makeScratchTmpdir(label: string): () => void {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `consensus-lab-${label}-`))
  process.env.TMPDIR = scratch
  return () => {
    if (process.env.CONSENSUS_LAB_KEEP_TMP) {
      console.log(`kept the tests' temporary files in ${scratch}`)
      return
    }
    fs.rmSync(scratch, { recursive: true, force: true })
  }
}
