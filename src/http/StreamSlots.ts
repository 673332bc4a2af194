/**
 * Caps on concurrent history streams (SSE), per session and for the whole
 * server: each open stream holds a slot until its request ends (finished,
 * failed, or the client went away), so a client that opens streams without
 * reading them, or a runaway agent, cannot tie up every Telegram
 * connection and SQLite file at once. Beyond a cap: 429 with Retry-After.
 */
import { Effect, type Scope } from "effect"
import { DEFAULTS } from "../domain/Defaults.js"
import { RateLimited } from "./ApiErrors.js"

export const DEFAULT_MAX_STREAMS_PER_SESSION = DEFAULTS.maxStreamsPerSession
export const DEFAULT_MAX_STREAMS = DEFAULTS.maxStreams
/** A stream's end cannot be foreseen: a short wait, then the client tries again. */
export const STREAM_RETRY_AFTER_SECONDS = 5

export interface StreamCaps {
  readonly perSession: number
  readonly total: number
}

export interface StreamSlots {
  /** Takes a slot for `session` until the scope closes; RateLimited when a cap is reached. */
  readonly acquire: (session: string) => Effect.Effect<void, RateLimited, Scope.Scope>
  /** Streams open now, for one session or all. */
  readonly open: (session?: string) => number
}

export const makeStreamSlots = (caps: StreamCaps): StreamSlots => {
  const bySession = new Map<string, number>()
  let total = 0
  const refuse = (detail: string) =>
    new RateLimited({
      detail: `${detail}: retry after ${STREAM_RETRY_AFTER_SECONDS} seconds, once another stream has ended`,
      retryAfter: STREAM_RETRY_AFTER_SECONDS
    })
  const take = (session: string) =>
    Effect.suspend(() => {
      const mine = bySession.get(session) ?? 0
      if (mine >= caps.perSession) {
        return Effect.fail(refuse(`Too many history streams open for session '${session}' (at most ${caps.perSession} at once)`))
      }
      if (total >= caps.total) {
        return Effect.fail(refuse(`Too many history streams open on this server (at most ${caps.total} at once)`))
      }
      bySession.set(session, mine + 1)
      total++
      return Effect.void
    })
  const give = (session: string) =>
    Effect.sync(() => {
      const mine = (bySession.get(session) ?? 1) - 1
      if (mine <= 0) bySession.delete(session)
      else bySession.set(session, mine)
      total--
    })
  return {
    acquire: (session) => Effect.acquireRelease(take(session), () => give(session)),
    open: (session) => (session === undefined ? total : bySession.get(session) ?? 0)
  }
}
