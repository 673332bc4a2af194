/** GramJS's 64-bit values (big-integer objects) as numbers. */

export type Big = { toString(): string; toJSNumber?: () => number }

/** Converted directly, not through their decimal text (every message has some); absent is 0. */
export const num = (v: Big | number | undefined | null): number =>
  v === undefined || v === null ? 0 : typeof v === "number" ? v : v.toJSNumber !== undefined ? v.toJSNumber() : Number(v.toString())
