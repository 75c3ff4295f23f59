import { makeScratchTmpdir } from './scratch-tmpdir'

export default function setup(): () => void {
  return makeScratchTmpdir('vitest')
}
