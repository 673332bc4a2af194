/**
 * Ratcliff-Obershelp matching, ported from Python's
 * `difflib.SequenceMatcher` with no junk and `autojunk=False`: which of
 * several equally long matches is taken decides the later ones, so the
 * search order and tie-breaking are Python's exactly. Sequences are arrays
 * of code points, as Python indexes strings.
 *
 * A search matches one query (`a`) against every title (`b`), so `a` is
 * indexed once (`matcherFor`) and each title costs the pairs of equal code
 * points the two share: difflib's `find_longest_match` walks every `i` of
 * `a` and builds a new dict for each, which made a 256-code-point query
 * over 10k titles cost 0.35 to 0.5 s of CPU at min_score=0
 * (bench/long-query.ts); the blocks found are difflib's, pair for pair
 * (test/domain/DifflibReference.ts is the line-for-line port it is tested
 * against).
 */

export interface MatchingBlock {
  readonly a: number
  readonly b: number
  readonly size: number
}

/** Positions of every element of a sequence, ascending (difflib's `b2j`, here of `a`: see `matcherFor`). */
const indexPositions = (sequence: ReadonlyArray<number>): ReadonlyMap<number, ReadonlyArray<number>> => {
  const positions = new Map<number, Array<number>>()
  sequence.forEach((element, index) => {
    const list = positions.get(element)
    if (list === undefined) positions.set(element, [index])
    else list.push(index)
  })
  return positions
}

const NOTHING: ReadonlyArray<number> = []

/** The earliest index of `sorted` whose value is >= `value`. */
const lowerBound = (sorted: ReadonlyArray<number>, value: number): number => {
  let low = 0
  let high = sorted.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (sorted[middle]! < value) low = middle + 1
    else high = middle
  }
  return low
}

export interface SequenceMatcher {
  /** difflib's `get_matching_blocks` of `a` and `b`, without the final sentinel and without merging adjacent blocks. */
  readonly matchingBlocks: (b: ReadonlyArray<number>) => ReadonlyArray<MatchingBlock>
  /** `SequenceMatcher(None, a, b, autojunk=False).ratio()`: 2*M / (len(a) + len(b)), 1 for two empty sequences. */
  readonly ratio: (b: ReadonlyArray<number>) => number
}

/**
 * A matcher of the fixed sequence `a` against any `b`. Not reentrant: one
 * `b` at a time (all of it is synchronous).
 *
 * difflib's `find_longest_match` goes over `i` (in `a`) and, for each, the
 * `j` (in `b`) where b[j] == a[i], ascending, keeping the first pair that
 * ends the longest run: the smallest `i`, then the smallest `j`, among all
 * pairs ending a run of the greatest length. The run lengths obey
 * `k(i, j) = k(i - 1, j - 1) + 1`, so they can as well be computed with `j`
 * outside and `i` inside, keeping the same first pair: a title is short and
 * a query can be long, so this visits only the pairs of equal elements,
 * with the per-row work paid per code point of the title instead of per
 * code point of the query. Scratch space is typed arrays with counts.
 */
export const matcherFor = (a: ReadonlyArray<number>): SequenceMatcher => {
  const positionsInA = indexPositions(a)
  // Run lengths of the previous and the current `j`, indexed by i + 1 (so `i - 1 = -1` reads 0),
  // with the indices set in each; all zero between calls.
  let previous = new Int32Array(a.length + 1)
  let current = new Int32Array(a.length + 1)
  let previousSet = new Int32Array(a.length + 1)
  let currentSet = new Int32Array(a.length + 1)
  let previousSetCount = 0
  let currentSetCount = 0
  // For the current `b`: the positions in `a` of each b[j], ascending.
  let inA: Array<ReadonlyArray<number>> = []

  /** The current row becomes the previous one; the previous one is zeroed for reuse. */
  const nextRow = () => {
    for (let x = 0; x < previousSetCount; x++) previous[previousSet[x]!] = 0
    const row = previous
    previous = current
    current = row
    const set = previousSet
    previousSet = currentSet
    currentSet = set
    previousSetCount = currentSetCount
    currentSetCount = 0
  }

  /** difflib's `find_longest_match`: the earliest longest match in a[alo:ahi] and b[blo:bhi]. */
  const findLongestMatch = (b: ReadonlyArray<number>, alo: number, ahi: number, blo: number, bhi: number): MatchingBlock => {
    let bestsize = 0
    // Where the best run ends.
    let endi = -1
    let endj = -1
    for (let j = blo; j < bhi; j++) {
      const is = inA[j]!
      for (let x = lowerBound(is, alo); x < is.length; x++) {
        const i = is[x]!
        if (i >= ahi) break
        const k = previous[i]! + 1
        current[i + 1] = k
        currentSet[currentSetCount++] = i + 1
        if (k > bestsize || (k === bestsize && (i < endi || (i === endi && j < endj)))) {
          bestsize = k
          endi = i
          endj = j
        }
      }
      nextRow()
    }
    nextRow()
    let besti = bestsize === 0 ? alo : endi - bestsize + 1
    let bestj = bestsize === 0 ? blo : endj - bestsize + 1
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

  const load = (b: ReadonlyArray<number>) => {
    inA = b.map((element) => positionsInA.get(element) ?? NOTHING)
  }

  /** The blocks in the order difflib finds them. */
  const blocksOf = (b: ReadonlyArray<number>): Array<MatchingBlock> => {
    load(b)
    const queue: Array<readonly [number, number, number, number]> = [[0, a.length, 0, b.length]]
    const blocks: Array<MatchingBlock> = []
    while (queue.length > 0) {
      const [alo, ahi, blo, bhi] = queue.pop()!
      const match = findLongestMatch(b, alo, ahi, blo, bhi)
      if (match.size > 0) {
        blocks.push(match)
        if (alo < match.a && blo < match.b) queue.push([alo, match.a, blo, match.b])
        if (match.a + match.size < ahi && match.b + match.size < bhi) {
          queue.push([match.a + match.size, ahi, match.b + match.size, bhi])
        }
      }
    }
    return blocks
  }

  const ratio = (b: ReadonlyArray<number>): number => {
    const length = a.length + b.length
    if (length === 0) return 1
    let matches = 0
    for (const block of blocksOf(b)) matches += block.size
    return (2 * matches) / length
  }

  return { matchingBlocks: (b) => blocksOf(b).sort((x, y) => x.a - y.a || x.b - y.b), ratio }
}

/** A string as Python sees it: one element per code point. */
export const codePoints = (text: string): ReadonlyArray<number> => Array.from(text, (c) => c.codePointAt(0)!)
