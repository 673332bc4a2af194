/**
 * Saved Telegram logins, one per session name. The stored value is opaque
 * to everyone but the Telegram adapter (a GramJS StringSession today).
 */
import { Context, Data, type Effect, type Option } from "effect"
import type { SessionName } from "../domain/SessionName.js"

export class SessionStoreFailed extends Data.TaggedError("SessionStoreFailed")<{
  readonly operation: string
  readonly cause: unknown
}> {
  override get message() {
    return `Could not ${this.operation}: ${String(this.cause)}`
  }
}

export interface SessionStoreService {
  readonly exists: (name: SessionName) => Effect.Effect<boolean, SessionStoreFailed>
  readonly load: (name: SessionName) => Effect.Effect<Option.Option<string>, SessionStoreFailed>
  /** Atomic: the old value stays readable until the new one is complete. */
  readonly save: (name: SessionName, session: string) => Effect.Effect<void, SessionStoreFailed>
  readonly remove: (name: SessionName) => Effect.Effect<void, SessionStoreFailed>
  readonly list: Effect.Effect<ReadonlyArray<SessionName>, SessionStoreFailed>
}

export class SessionStore extends Context.Tag("ports/SessionStore")<SessionStore, SessionStoreService>() {}
