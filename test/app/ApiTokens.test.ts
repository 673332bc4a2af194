/**
 * ApiTokens over an in-memory TokenStore: a token is shown once and only
 * its SHA-256 is kept; a presented token is matched against every stored
 * hash with crypto.timingSafeEqual (watched through Node's own exports), no
 * comparison skipped after a match; names are unique; revocation holds.
 */
import crypto from "node:crypto"
import { syncBuiltinESMExports } from "node:module"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, Layer, Option, Redacted, Ref } from "effect"
import { vi } from "vitest"
import { ApiTokens, matchToken, tokenDigest } from "../../src/app/ApiTokens.js"
import type { NamedToken, TokenName } from "../../src/domain/NamedToken.js"
import type { SessionName } from "../../src/domain/SessionName.js"
import { TokenStore } from "../../src/ports/TokenStore.js"
import { DialogId } from "../../src/domain/Ids.js"

const memoryStore = Layer.effect(
  TokenStore,
  Effect.map(Ref.make<ReadonlyArray<NamedToken>>([]), (ref) =>
    TokenStore.of({
      current: Ref.get(ref),
      update: (change) =>
        Effect.flatMap(Ref.get(ref), (tokens) =>
          Either.match(change(tokens), {
            onLeft: Effect.fail,
            onRight: ([next, result]) => Effect.as(Ref.set(ref, next), result)
          }))
    }))
)

const TestTokens = ApiTokens.Default.pipe(Layer.provideMerge(memoryStore))
const name = (n: string) => n as TokenName
const me = "me" as SessionName

const stored = (i: number, token: string): NamedToken => ({
  name: name(`t${i}`),
  sha256: tokenDigest(token).toString("hex"),
  sessions: [me],
  scopes: "all",
  created: "2025-01-01T00:00:00.000Z"
})

/** Runs `body` with crypto.timingSafeEqual replaced by a spy, for the named import too. */
const watchingCompare = <A>(body: (spy: ReturnType<typeof vi.fn>) => A): A => {
  const spy = vi.spyOn(crypto, "timingSafeEqual")
  syncBuiltinESMExports()
  try {
    return body(spy as unknown as ReturnType<typeof vi.fn>)
  } finally {
    spy.mockRestore()
    syncBuiltinESMExports()
  }
}

describe("ApiTokens", () => {
  it.effect("creates a token shown once, stores its hash, and knows it when presented", () =>
    Effect.gen(function*() {
      const tokens = yield* ApiTokens
      const store = yield* TokenStore
      const created = yield* tokens.create({ name: name("agent"), sessions: [me], scopes: [{ _tag: "Dialog", dialogId: DialogId(-5) }] })
      const plain = Redacted.value(created.token)
      expect(String(created.token)).not.toContain(plain)
      const [record] = yield* store.current
      expect(record).toEqual(created.record)
      expect(record!.sha256).toBe(crypto.createHash("sha256").update(plain).digest("hex"))
      expect(JSON.stringify(yield* store.current)).not.toContain(plain)
      expect(yield* tokens.authenticate(plain)).toEqual(Option.some(record))
      expect(yield* tokens.authenticate(plain.slice(0, -1) + (plain.endsWith("A") ? "B" : "A"))).toEqual(Option.none())
      expect(yield* tokens.authenticate("")).toEqual(Option.none())
      // Two tokens are never the same.
      const other = yield* tokens.create({ name: name("other"), sessions: [me], scopes: "all" })
      expect(Redacted.value(other.token)).not.toBe(plain)
    }).pipe(Effect.provide(TestTokens)))

  it.effect("refuses a name taken, and a revoked token from then on", () =>
    Effect.gen(function*() {
      const tokens = yield* ApiTokens
      const { token } = yield* tokens.create({ name: name("agent"), sessions: [me], scopes: "all" })
      const again = yield* Effect.exit(tokens.create({ name: name("agent"), sessions: [me], scopes: "all" }))
      expect(Exit.isFailure(again) && again.cause._tag === "Fail" && again.cause.error._tag).toBe("TokenNameTaken")
      expect((yield* tokens.revoke(name("agent"))).name).toBe("agent")
      expect(yield* tokens.authenticate(Redacted.value(token))).toEqual(Option.none())
      const missing = yield* Effect.exit(tokens.revoke(name("agent")))
      expect(Exit.isFailure(missing) && missing.cause._tag === "Fail" && missing.cause.error.message).toMatch(/^no token named 'agent'/)
      expect(yield* tokens.list).toEqual([])
    }).pipe(Effect.provide(TestTokens)))

  it("compares every stored hash with timingSafeEqual on 32-byte digests, whichever matches", () => {
    const plains = Array.from({ length: 5 }, (_, i) => `tgsc_token-${i}`)
    const records = plains.map((p, i) => stored(i, p))
    for (const [presented, expected] of [[plains[0]!, "t0"], [plains[4]!, "t4"], ["tgsc_nope", undefined], ["x".repeat(5000), undefined]] as const) {
      watchingCompare((spy) => {
        expect(matchToken(records, presented)?.name).toBe(expected)
        expect(spy).toHaveBeenCalledTimes(records.length)
        for (const [a, b] of spy.mock.calls as Array<[Buffer, Buffer]>) {
          expect([a.length, b.length]).toEqual([32, 32])
        }
      })
    }
  })
})
