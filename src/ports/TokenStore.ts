/**
 * Where the named API tokens are kept ({data_dir}/tokens.yaml by default):
 * their hashes, sessions and scopes, never a token itself. Another process
 * (tgsc-auth token create|revoke) may change them while the server runs, so
 * `current` reflects the store as it is now, not as it was at start.
 */
import { Context, Data, type Effect, type Either } from "effect"
import type { NamedToken } from "../domain/NamedToken.js"

/** The stored tokens cannot be read as tokens: no named token is accepted until the file is fixed. */
export class TokensFileInvalid extends Data.TaggedError("TokensFileInvalid")<{
  readonly path: string
  /** What is wrong, without the path (for answers that must not show it). */
  readonly problem: string
}> {
  override get message() {
    return `Invalid tokens file ${this.path}: ${this.problem}`
  }
}

export class TokenStoreFailed extends Data.TaggedError("TokenStoreFailed")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    return `could not ${this.operation}: ${this.cause instanceof Error ? this.cause.message : String(this.cause)}`
  }
}

export interface TokenStoreService {
  /** The tokens as stored now (a change made by another process included); none when nothing is stored. */
  readonly current: Effect.Effect<ReadonlyArray<NamedToken>, TokensFileInvalid | TokenStoreFailed>
  /**
   * Applies `change` to the tokens as stored now and stores what it returns,
   * with no other update in between (from this process or another); a Left
   * stores nothing.
   */
  readonly update: <A, E>(
    change: (tokens: ReadonlyArray<NamedToken>) => Either.Either<readonly [ReadonlyArray<NamedToken>, A], E>
  ) => Effect.Effect<A, E | TokensFileInvalid | TokenStoreFailed>
}

export class TokenStore extends Context.Tag("ports/TokenStore")<TokenStore, TokenStoreService>() {}
