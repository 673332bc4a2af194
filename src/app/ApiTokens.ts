/**
 * Named API tokens (domain/NamedToken.ts) over the TokenStore: each created
 * as 256 random bits shown once (only its SHA-256 is stored), listed,
 * revoked; and a presented token matched against the stored hashes in
 * constant time. What a token may do (its sessions, its scope) is decided
 * where a request comes in; this says which token it is.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"
import { Clock, Data, Effect, Either, Option, Redacted } from "effect"
import type { NamedToken, TokenName, TokenScopes } from "../domain/NamedToken.js"
import type { SessionName } from "../domain/SessionName.js"
import { TokenStore } from "../ports/TokenStore.js"

/** Marks a tgsc token where it shows up (a config file, a leaked log), as other services' prefixes do. */
export const TOKEN_PREFIX = "tgsc_"

export const tokenDigest = (token: string): Buffer => createHash("sha256").update(token, "utf8").digest()

/**
 * The stored token whose hash is the presented token's. Every stored hash is
 * compared, each with timingSafeEqual on two 32-byte digests and none cut
 * short by an earlier match, so the time taken says nothing of how close a
 * guess came or which token matched.
 */
export const matchToken = (tokens: ReadonlyArray<NamedToken>, presented: string): NamedToken | undefined => {
  const digest = tokenDigest(presented)
  let found: NamedToken | undefined
  for (const token of tokens) {
    const equal = timingSafeEqual(digest, Buffer.from(token.sha256, "hex"))
    if (equal && found === undefined) found = token
  }
  return found
}

export class TokenNameTaken extends Data.TaggedError("TokenNameTaken")<{ readonly name: TokenName }> {
  override get message() {
    return `a token named '${this.name}' already exists: revoke it first (tgsc-auth token revoke ${this.name}) or choose another name`
  }
}

export class TokenNotFound extends Data.TaggedError("TokenNotFound")<{ readonly name: TokenName }> {
  override get message() {
    return `no token named '${this.name}' (tgsc-auth token list shows them)`
  }
}

export interface TokenRequest {
  readonly name: TokenName
  readonly sessions: NamedToken["sessions"]
  readonly scopes: TokenScopes
}

export interface CreatedToken {
  /** The token itself: shown once, stored nowhere. */
  readonly token: Redacted.Redacted<string>
  readonly record: NamedToken
}

const makeApiTokens = Effect.gen(function*() {
  const store = yield* TokenStore

  const create = (request: TokenRequest) =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const plain = TOKEN_PREFIX + randomBytes(32).toString("base64url")
      const record: NamedToken = {
        name: request.name,
        sha256: tokenDigest(plain).toString("hex"),
        sessions: request.sessions,
        scopes: request.scopes,
        created: new Date(now).toISOString()
      }
      yield* store.update((tokens) =>
        tokens.some((t) => t.name === request.name)
          ? Either.left(new TokenNameTaken({ name: request.name }))
          : Either.right([[...tokens, record], undefined] as const)
      )
      return { token: Redacted.make(plain), record } satisfies CreatedToken
    })

  const revoke = (name: TokenName) =>
    store.update((tokens) => {
      const found = tokens.find((t) => t.name === name)
      return found === undefined
        ? Either.left(new TokenNotFound({ name }))
        : Either.right([tokens.filter((t) => t !== found), found] as const)
    })

  return {
    /** A new token for these sessions and scopes; fails when the name is taken. */
    create: (request: TokenRequest) => Effect.withSpan(create(request), "ApiTokens.create"),
    /** The stored tokens (hashes, sessions, scopes, dates), in the order they were created. */
    list: store.current,
    /** Removes the token: it is refused from the next request on. */
    revoke: (name: TokenName) => Effect.withSpan(revoke(name), "ApiTokens.revoke"),
    /** The named token `presented` is, if any, as the store holds it now. */
    authenticate: (presented: string) => Effect.map(store.current, (tokens) => Option.fromNullable(matchToken(tokens, presented))),
    /** Whether the token may act for the session. */
    allowsSession: (token: NamedToken, session: SessionName) => token.sessions.includes(session)
  } as const
})

/** Named API tokens; needs a TokenStore. */
export class ApiTokens extends Effect.Service<ApiTokens>()("app/ApiTokens", { effect: makeApiTokens }) {}
