import { readFileSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildCorpus, englishOf, goldenFile } from './checker-text-corpus.js'

const record = process.env.CHECKER_TEXT_RECORD === '1'

describe('the checker says what it has always said in English', () => {
  it('every detail and witness of the corpus equals the recorded English word for word', async () => {
    const corpus = await buildCorpus()
    const english = corpus.map(({ source, verdict }) => ({ source, ...englishOf(verdict) }))
    if (record) writeFileSync(goldenFile, JSON.stringify(english, null, 1) + '\n')
    expect(english).toEqual(JSON.parse(readFileSync(goldenFile, 'utf8')))
  }, 60_000)
})
