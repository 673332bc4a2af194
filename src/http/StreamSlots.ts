/**
 * Caps on concurrent event streams (SSE), per session and for the whole
 * server: history streams (GET /api/v3/history/...) and MCP's stream of
 * server messages (GET /mcp) count together, against one pair of caps (the
 * server's ServerStreamSlots). Each open stream holds a slot until its
 * request ends (finished, failed, or the client went away), so a client that
 * opens streams without reading them, or a runaway agent, cannot tie up
 * every Telegram connection, SQLite file or socket at once. Beyond a cap:
 * 429 with Retry-After.
 */
import { Context, Effect, Layer, type Scope } from "effect"
import { AppConfig } from "../config/AppConfig.js"
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
        return Effect.fail(refuse(`Too many streams open for session '${session}' (history and MCP streams together, at most ${caps.perSession} at once)`))
      }
      if (total >= caps.total) {
        return Effect.fail(refuse(`Too many streams open on this server (history and MCP streams together, at most ${caps.total} at once)`))
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

/** The server's one set of stream slots, shared by the history route and GET /mcp. */
export class ServerStreamSlots extends Context.Tag("tgsc/http/ServerStreamSlots")<ServerStreamSlots, StreamSlots>() {}

/** The slots with the caps of the server's configuration (--max-streams-per-session, --max-streams). */
export const ServerStreamSlotsLive = Layer.effect(
  ServerStreamSlots,
  Effect.map(AppConfig, (config) =>
    makeStreamSlots({
      perSession: config.maxStreamsPerSession ?? DEFAULT_MAX_STREAMS_PER_SESSION,
      total: config.maxStreams ?? DEFAULT_MAX_STREAMS
    }))
)
