/**
 * Caseless, accent-blind text for dialog search: Unicode compatibility
 * decomposition with combining marks dropped, then full case folding,
 * matching Python's `str.casefold` on such text. JavaScript has no case
 * folding, only lowercasing; after decomposition they differ on the few
 * characters mapped below (checked against Python over every code point of
 * Unicode 14).
 */

const MARKS = /\p{M}/gu

const withoutMarks = (text: string): string => text.normalize("NFKD").replace(MARKS, "")

const FOLD_AFTER_LOWERCASE: Readonly<Record<string, string>> = {
  "\u00DF": "ss", // ß (and ẞ, which lowercases to ß)
  "\u03C2": "\u03C3", // final sigma: Σ lowercases to ς at a word's end, folds to σ everywhere
  // Old Cyrillic letter variants fold to their ordinary letters.
  "\u1C80": "\u0432",
  "\u1C81": "\u0434",
  "\u1C82": "\u043E",
  "\u1C83": "\u0441",
  "\u1C84": "\u0442",
  "\u1C85": "\u0442",
  "\u1C86": "\u044A",
  "\u1C87": "\u0463",
  "\u1C88": "\uA64B"
}

const NEEDS_FOLDING = /[\u00DF\u03C2\u1C80-\u1C88\u13F8-\u13FD\uAB70-\uABBF]/g

const foldLowercased = (c: string): string => {
  const mapped = FOLD_AFTER_LOWERCASE[c]
  if (mapped !== undefined) return mapped
  // Cherokee is the one script that folds to upper case (lowercase came later to Unicode).
  const cp = c.codePointAt(0)!
  return String.fromCodePoint(cp >= 0xAB70 ? cp - 0xAB70 + 0x13A0 : cp - 8)
}

/** Full case folding (Python's `str.casefold`) of text; no normalisation. */
export const caseFold = (text: string): string => text.toLowerCase().replace(NEEDS_FOLDING, foldLowercased)

/**
 * The form titles and queries are compared in: NFKD with combining marks
 * dropped, case-folded, and decomposed once more (folding can produce
 * decomposable characters).
 */
export const foldForSearch = (text: string): string =>
  // ASCII has nothing to decompose and no marks: lowercasing is all of it (and far cheaper).
  ASCII.test(text) ? text.toLowerCase() : withoutMarks(caseFold(withoutMarks(text)))

const ASCII = /^[\x00-\x7F]*$/
