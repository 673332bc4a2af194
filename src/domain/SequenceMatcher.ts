/**
 * Ratcliff-Obershelp matching, ported line for line from Python's
 * `difflib.SequenceMatcher` with no junk and `autojunk=False`: which of
 * several equally long matches is taken decides the later ones, so the
 * search order and tie-breaking are Python's exactly. Sequences are arrays
 * of code points, as Python indexes strings.
 */

export interface MatchingBlock {
  readonly a: number
  readonly b: number
  readonly size: number
}

/** Positions of every element of `b` (difflib's `b2j`). */
const indexPositions = (b: ReadonlyArray<number>): ReadonlyMap<number, ReadonlyArray<number>> => {
  const positions = new Map<number, Array<number>>()
  b.forEach((element, j) => {
    const list = positions.get(element)
    if (list === undefined) positions.set(element, [j])
    else list.push(j)
  })
  return positions
}

const NOTHING: ReadonlyArray<number> = []

/** difflib's `find_longest_match`: the earliest longest match in a[alo:ahi] and b[blo:bhi]. */
const findLongestMatch = (
  a: ReadonlyArray<number>,
  b: ReadonlyArray<number>,
  b2j: ReadonlyMap<number, ReadonlyArray<number>>,
  alo: number,
  ahi: number,
  blo: number,
  bhi: number
): MatchingBlock => {
  let besti = alo
  let bestj = blo
  let bestsize = 0
  // j2len[j] = length of the longest match ending with a[i-1] and b[j].
  let j2len = new Map<number, number>()
  for (let i = alo; i < ahi; i++) {
    const newj2len = new Map<number, number>()
    for (const j of b2j.get(a[i]!) ?? NOTHING) {
      if (j < blo) continue
      if (j >= bhi) break
      const k = (j2len.get(j - 1) ?? 0) + 1
      newj2len.set(j, k)
      if (k > bestsize) {
        besti = i - k + 1
        bestj = j - k + 1
        bestsize = k
      }
    }
    j2len = newj2len
  }
  // Without junk these extensions never grow the match; kept so the port stays faithful.
  while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
    besti--
    bestj--
    bestsize++
  }
  while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) {
    bestsize++
  }
  return { a: besti, b: bestj, size: bestsize }
}

/** difflib's `get_matching_blocks`, without the final sentinel and without merging adjacent blocks. */
export const matchingBlocks = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): ReadonlyArray<MatchingBlock> => {
  const b2j = indexPositions(b)
  const queue: Array<readonly [number, number, number, number]> = [[0, a.length, 0, b.length]]
  const blocks: Array<MatchingBlock> = []
  while (queue.length > 0) {
    const [alo, ahi, blo, bhi] = queue.pop()!
    const match = findLongestMatch(a, b, b2j, alo, ahi, blo, bhi)
    if (match.size > 0) {
      blocks.push(match)
      if (alo < match.a && blo < match.b) queue.push([alo, match.a, blo, match.b])
      if (match.a + match.size < ahi && match.b + match.size < bhi) {
        queue.push([match.a + match.size, ahi, match.b + match.size, bhi])
      }
    }
  }
  return blocks.sort((x, y) => x.a - y.a || x.b - y.b)
}

/** `SequenceMatcher(None, a, b, autojunk=False).ratio()`: 2*M / (len(a) + len(b)), 1 for two empty sequences. */
export const sequenceRatio = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number => {
  const length = a.length + b.length
  if (length === 0) return 1
  const matches = matchingBlocks(a, b).reduce((sum, block) => sum + block.size, 0)
  return (2 * matches) / length
}

/** A string as Python sees it: one element per code point. */
export const codePoints = (text: string): ReadonlyArray<number> => Array.from(text, (c) => c.codePointAt(0)!)
