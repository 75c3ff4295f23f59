/**
 * Where a YAML syntax error is. The parser reports an unclosed quote or bracket where the text ran
 * out (often the last line); the mistake is where it opened. So the line is that of the innermost
 * quoted scalar or flow collection that encloses the error, else the error's own position.
 */
import { isCollection, isScalar, LineCounter, visit, type Document, type ErrorCode, type Node as YamlNode } from 'yaml'

export interface YamlSyntaxError {
  message: string
  /** 1-based. */
  line: number
  /** The parser's code (MISSING_CHAR, BAD_INDENT, ...): validation-text.ts says it in Korean. */
  code: ErrorCode
}

/** The first error of a document parsed with this lineCounter, at its own line; undefined when it has none. */
export function firstYamlSyntaxError(document: Document, lineCounter: LineCounter): YamlSyntaxError | undefined {
  const error = document.errors[0]
  if (error === undefined) return undefined
  const at = error.pos[0]
  const opened = error.code === 'MISSING_CHAR' || error.code === 'BAD_INDENT' ? openedAt(document, at) : undefined
  return { message: error.message.split('\n')[0]!, line: lineCounter.linePos(opened ?? at).line, code: error.code }
}

/** The start of the innermost quoted scalar or flow collection whose range holds `at`. */
function openedAt(document: Document, at: number): number | undefined {
  let best: { start: number; end: number } | undefined
  const consider = (node: YamlNode): void => {
    const range = node.range
    if (range === undefined || range === null || !(range[0] <= at && at <= range[2])) return
    const unclosable = isScalar(node) ? node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' : isCollection(node) && node.flow === true
    if (!unclosable) return
    if (best === undefined || range[2] - range[0] < best.end - best.start) best = { start: range[0], end: range[2] }
  }
  visit(document, {
    Scalar: (_key, node) => consider(node),
    Map: (_key, node) => consider(node),
    Seq: (_key, node) => consider(node),
  })
  return best?.start
}
