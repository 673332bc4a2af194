import { describe, expect, it } from "@effect/vitest"
import { Either } from "effect"
import { everything, limitedTo } from "../../src/domain/AccessScope.js"
import { decodeTokensDocument, describeTokenScopes, tokensDocument, tokenScope, validateTokenName } from "../../src/domain/NamedToken.js"

const HASH = "a".repeat(64)
const stored = (overrides: Record<string, unknown> = {}) => ({
  name: "agent",
  sha256: HASH,
  sessions: ["me"],
  scopes: ["folder:Work", "dialog:-1001234567890"],
  created: "2025-01-31T12:00:00.000Z",
  ...overrides
})
const problemOf = (doc: unknown) => {
  const decoded = decodeTokensDocument(doc)
  return Either.isLeft(decoded) ? decoded.left : "decoded"
}

describe("NamedToken", () => {
  it("reads tokens.yaml's document, and writes it back the same", () => {
    const tokens = Either.getOrThrow(decodeTokensDocument({ tokens: [stored(), stored({ name: "all", sha256: "b".repeat(64), scopes: "all" })] }))
    expect(tokens[0]).toEqual({
      name: "agent",
      sha256: HASH,
      sessions: ["me"],
      scopes: [{ _tag: "Folder", folder: "Work" }, { _tag: "Dialog", dialogId: -1001234567890 }],
      created: "2025-01-31T12:00:00.000Z"
    })
    expect(tokenScope(tokens[0]!)).toEqual(limitedTo(tokens[0]!.scopes as never))
    expect(tokenScope(tokens[1]!)).toEqual(everything)
    expect(describeTokenScopes(tokens[0]!.scopes)).toBe("folder:Work, dialog:-1001234567890")
    expect(tokensDocument(tokens)).toEqual({ tokens: [stored(), stored({ name: "all", sha256: "b".repeat(64), scopes: "all" })] })
    // An empty file holds no tokens.
    expect(decodeTokensDocument(null)).toEqual(Either.right([]))
    expect(decodeTokensDocument({ tokens: [] })).toEqual(Either.right([]))
  })

  it("refuses anything that a lenient reading could turn into more access, naming the field", () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ tokens: [stored({ scopes: [] })] }, /^tokens\.0\.scopes: /],
      [{ tokens: [stored({ scopes: "folder:Work" })] }, /^tokens\.0\.scopes: /],
      [{ tokens: [stored({ scopes: undefined })] }, /^tokens\.0\.scopes: is missing$/],
      [{ tokens: [stored({ sessions: null })] }, /^tokens\.0\.sessions: is missing$/],
      [{ tokens: [stored({ scopes: ["chat:1"] })] }, /^tokens\.0\.scopes\.0: invalid scope "chat:1"/],
      [{ tokens: [stored({ sessions: [] })] }, /^tokens\.0\.sessions: /],
      [{ tokens: [stored({ sessions: "me" })] }, /^tokens\.0\.sessions: /],
      [{ tokens: [stored({ sessions: ["../me"] })] }, /^tokens\.0\.sessions\.0: invalid session name "\.\.\/me"/],
      [{ tokens: [stored({ scope: "all" })] }, /^tokens\.0\.scope: unknown field/],
      [{ tokens: [stored({ sha256: "A".repeat(64) })] }, /^tokens\.0\.sha256: expected the token's SHA-256/],
      // A plain token pasted where its hash belongs is refused, and not echoed.
      [{ tokens: [stored({ sha256: "tgsc_secret-token" })] }, /^tokens\.0\.sha256: expected the token's SHA-256 as 64 lowercase hex digits$/],
      [{ tokens: [stored({ name: "-x" })] }, /^tokens\.0\.name: invalid token name "-x"/],
      [{ tokens: [stored({ created: "yesterday" })] }, /^tokens\.0\.created: invalid date "yesterday"/],
      [{ tokens: [stored(), stored({ sha256: "b".repeat(64) })] }, /^tokens\.1\.name: 'agent' is given twice$/],
      [{ tokens: [stored(), stored({ name: "other" })] }, /^tokens\.1\.sha256: this hash is given twice$/],
      [{ tokens: "all" }, /^tokens: /],
      [{ token: [] }, /^token: unknown field/],
      [["agent"], /^expected a mapping with a tokens list/],
      [{ tokens: [stored(), "x"] }, /^tokens\.1: expected a token/]
    ]
    for (const [doc, problem] of cases) expect(problemOf(doc), JSON.stringify(doc)).toMatch(problem)
  })

  it("takes names as session names", () => {
    expect(Either.isRight(validateTokenName("claude-desktop_1.0"))).toBe(true)
    for (const bad of ["", ".hidden", "-x", "a/b", "x".repeat(65), "ünï"]) expect(Either.isLeft(validateTokenName(bad)), bad).toBe(true)
  })
})
