import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { markPeerId, type PeerKind } from "../../src/domain/PeerId.js"

/** The inverse the marking must have: kind and Telegram id back from a marked id; null for 0. */
const unmarkPeerId = (marked: number): { kind: PeerKind; id: number } | null => {
  if (marked > 0) return { kind: "user", id: marked }
  if (marked === 0) return null
  if (-marked > 1_000_000_000_000) return { kind: "channel", id: -marked - 1_000_000_000_000 }
  return { kind: "chat", id: -marked }
}

describe("marked peer ids", () => {
  it.each([
    ["user", 123456789, 123456789],
    ["chat", 2001, -2001],
    ["channel", 1234567890, -1001234567890]
  ] as const)("%s %d <-> %d", (kind, id, marked) => {
    expect(markPeerId(kind, id)).toBe(marked)
    expect(unmarkPeerId(marked)).toEqual({ kind, id })
  })
  it("0 is no peer", () => {
    expect(unmarkPeerId(0)).toBeNull()
  })

  const kindAndId = fc.oneof(
    fc.record({ kind: fc.constant("user" as const), id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) }),
    // Basic group ids stay below the channel offset.
    fc.record({ kind: fc.constant("chat" as const), id: fc.integer({ min: 1, max: 999_999_999_999 }) }),
    fc.record({ kind: fc.constant("channel" as const), id: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER - 1_000_000_000_000 }) })
  )
  it.prop("unmark(mark(p)) is p", [kindAndId], ([p]) => {
    expect(unmarkPeerId(markPeerId(p.kind, p.id))).toEqual(p)
  })
  it.prop("mark(unmark(m)) is m for every non-zero safe integer", [fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }).filter((n) => n !== 0)], ([m]) => {
    const p = unmarkPeerId(m)!
    expect(markPeerId(p.kind, p.id)).toBe(m)
  })
  it.prop("the sign tells the kind: users positive, groups and channels negative", [kindAndId], ([p]) => {
    const m = markPeerId(p.kind, p.id)
    expect(m > 0).toBe(p.kind === "user")
  })
})
