/**
 * GET /api/v3/history/{dialog_id}: the contract's parameter rules, then the
 * HistorySync stream as Server-Sent Events, `data: {"messages": [...]}` per
 * chunk. Failures before the first event keep their HTTP status; later ones
 * end the stream with `event: error`.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Cause, Clock, Duration, Effect, Option, Stream } from "effect"
import { formatMessageDate } from "../../../domain/Dates.js"
import { AppConfig, DEFAULT_SSE_KEEPALIVE_SECONDS } from "../../Config.js"
import { historyMessageView } from "../../HistoryMessageView.js"
import { type HistoryError, type HistoryEvent, HistorySync } from "../../HistorySync.js"
import { CurrentSession, TgscApi } from "../Api.js"
import { BadRequest, statusOf } from "../ApiErrors.js"
import { CurrentRequestId } from "../RequestLog.js"
import { requireTelegram } from "../RequireTelegram.js"
import { dataEvent, KEEP_ALIVE, namedEvent } from "../SseEvents.js"
import { sseResponse } from "../SseResponse.js"
import { telegramErrorToHttp } from "../TelegramHttpErrors.js"

/** The HTTP error a history failure stands for; none for our own faults (a 500). */
const httpErrorOf = (error: HistoryError): ReturnType<typeof telegramErrorToHttp> | null => {
  switch (error._tag) {
    case "FloodWait":
    case "SessionRevoked":
    case "PeerNotFound":
    case "TelegramUnavailable":
    case "TelegramRpcError":
      return telegramErrorToHttp(error)
    default:
      return null
  }
}

/** The SSE text for an event; progress only when asked for, but a rate-limit wait always sends something. */
const frameOf = (event: HistoryEvent, progress: boolean): Option.Option<string> => {
  if (event._tag === "Chunk") return Option.some(dataEvent({ messages: event.messages.map(historyMessageView) }))
  if (progress) {
    return Option.some(namedEvent("progress", {
      fetched: event.fetched,
      range: event.fetching === null
        ? null
        : { start_date: formatMessageDate(event.fetching.start), end_date: formatMessageDate(event.fetching.end) },
      rate_limit_wait: event.rateLimitWait
    }))
  }
  return event.rateLimitWait > 0 ? Option.some(KEEP_ALIVE) : Option.none()
}

export const HistoryHandlersLive = HttpApiBuilder.group(TgscApi, "history", (handlers) =>
  Effect.gen(function*() {
    const history = yield* HistorySync
    const config = yield* AppConfig
    const keepAlive = Duration.seconds(config.sseKeepAliveSeconds ?? DEFAULT_SSE_KEEPALIVE_SECONDS)

    return handlers.handle("streamHistory", ({ path, urlParams }) =>
      Effect.gen(function*() {
        const now = Math.floor((yield* Clock.currentTimeMillis) / 1000)
        const startDate = urlParams.start_date ?? null
        const endDate = urlParams.end_date ?? null
        if (startDate !== null && startDate >= (endDate ?? now)) {
          return yield* new BadRequest({
            detail: endDate === null
              ? "start_date must be earlier than end_date (which defaults to now)"
              : "start_date must be earlier than end_date (the range is [start_date, end_date))"
          })
        }
        yield* requireTelegram
        const { name } = yield* CurrentSession
        const requestId = yield* CurrentRequestId
        const progress = urlParams.progress ?? false
        const events = history.stream({
          session: name,
          dialogId: path.dialog_id,
          startDate,
          endDate,
          chunkSize: urlParams.chunk_size ?? 100,
          forceRefresh: urlParams.force_refresh ?? false,
          reverse: urlParams.reverse ?? false
        })

        const internal = (cause: Cause.Cause<unknown>) =>
          Effect.logError("history stream failed", cause).pipe(
            Effect.annotateLogs("request_id", requestId),
            Effect.as({ detail: `Internal server error (request id ${requestId})`, status: 500 })
          )

        return yield* sseResponse<HistoryError, NonNullable<ReturnType<typeof httpErrorOf>>>({
          frames: Stream.filterMap(events, (event) => frameOf(event, progress)),
          keepAlive,
          failBeforeStart: (error) => {
            const http = httpErrorOf(error)
            return http === null ? Effect.die(error) : Effect.fail(http)
          },
          errorEvent: (cause) =>
            Effect.gen(function*() {
              const failure = Cause.failureOption(cause)
              const http = Option.isSome(failure) ? httpErrorOf(failure.value) : null
              const body = http === null
                ? yield* internal(cause)
                : {
                  detail: http.detail,
                  status: statusOf[http._tag],
                  ...(http._tag === "RateLimited" ? { retry_after: Math.max(1, Math.ceil(http.retryAfter)) } : {})
                }
              return namedEvent("error", body)
            })
        })
      }))
  }))
