/**
 * difflib's `SequenceMatcher` (no junk, autojunk=False) ported line for line,
 * dicts as Maps, as src/domain/SequenceMatcher.ts first was: the oracle its
 * faster matcher must agree with block for block.
 */
export interface Block {
  readonly a: number
  readonly b: number
  readonly size: number
}

export const referenceBlocks = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): Array<Block> => {
  const b2j = new Map<number, Array<number>>()
  b.forEach((element, j) => {
    const list = b2j.get(element)
    if (list === undefined) b2j.set(element, [j])
    else list.push(j)
  })
  const findLongestMatch = (alo: number, ahi: number, blo: number, bhi: number): Block => {
    let besti = alo
    let bestj = blo
    let bestsize = 0
    let j2len = new Map<number, number>()
    for (let i = alo; i < ahi; i++) {
      const newj2len = new Map<number, number>()
      for (const j of b2j.get(a[i]!) ?? []) {
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
    return { a: besti, b: bestj, size: bestsize }
  }
  const queue: Array<readonly [number, number, number, number]> = [[0, a.length, 0, b.length]]
  const blocks: Array<Block> = []
  while (queue.length > 0) {
    const [alo, ahi, blo, bhi] = queue.pop()!
    const match = findLongestMatch(alo, ahi, blo, bhi)
    if (match.size > 0) {
      blocks.push(match)
      if (alo < match.a && blo < match.b) queue.push([alo, match.a, blo, match.b])
      if (match.a + match.size < ahi && match.b + match.size < bhi) queue.push([match.a + match.size, ahi, match.b + match.size, bhi])
    }
  }
  return blocks.sort((x, y) => x.a - y.a || x.b - y.b)
}
