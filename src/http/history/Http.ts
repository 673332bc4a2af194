/**
 * GET /api/v3/history/{dialog_id}: the HistorySync stream as Server-Sent
 * Events, `data: {"messages": [...]}` per chunk. The use case checks the
 * request (an empty range is a 400 before anything is sent); failures before
 * the first event keep their HTTP status, later ones end the stream with
 * `event: error`.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Cause, Chunk, Clock, Duration, Effect, Option, Stream } from "effect"
import { formatMessageDate } from "../../domain/Dates.js"
import { AppConfig, DEFAULT_SSE_KEEPALIVE_SECONDS } from "../../config/AppConfig.js"
import { type HistoryEvent, type HistoryRequest, HistorySync } from "../../app/HistorySync.js"
import { type FollowError, type FollowEvent, HistoryFollow } from "../../app/HistoryFollow.js"
import { updatesHttpError } from "../updates/Http.js"
import { checkHistoryRequest } from "../../app/HistoryRequest.js"
import { ScopedAccess } from "../../app/ScopedAccess.js"
import { TgscApi } from "../Api.js"
import { BadRequest } from "../ApiErrors.js"
import { CurrentSession } from "../CurrentSession.js"
import { badRequestOf, failureBody, httpErrorOf } from "./HistoryFailure.js"
import { HistoryFrameWriter } from "../HistoryChunkEvent.js"
import { CurrentRequestId } from "../RequestLog.js"
import { requireTelegram } from "../RequireTelegram.js"
import { KEEP_ALIVE, namedEvent } from "../../contract/SseFraming.js"
import { type SseFrame, sseResponse } from "../SseResponse.js"
import { ServerStreamSlots } from "../StreamSlots.js"
import { telegramErrorToHttp } from "../TelegramHttpErrors.js"
import { DialogId } from "../../domain/Ids.js"

/** The SSE text for a progress event when asked for; a rate-limit wait always sends something. */
const progressFrame = (event: Extract<HistoryEvent, { _tag: "Progress" }>, progress: boolean): string | null => {
  if (progress) {
    return namedEvent("progress", {
      fetched: event.fetched,
      range: event.fetching === null
        ? null
        : { start_date: formatMessageDate(event.fetching.start), end_date: formatMessageDate(event.fetching.end) },
      rate_limit_wait: event.rateLimitWait
    })
  }
  return event.rateLimitWait > 0 ? KEEP_ALIVE : null
}

/**
 * The SSE frames of events that came together: consecutive chunks become one
 * frame of bytes, a heartbeat a keep-alive comment.
 */
const framesOf = (events: Chunk.Chunk<FollowEvent>, progress: boolean): Chunk.Chunk<SseFrame> => {
  const frames: Array<SseFrame> = []
  const chunks = new HistoryFrameWriter()
  let messages = 0
  for (const event of events) if (event._tag === "Chunk") messages += event.messages.length
  if (messages > 0) chunks.reserve(messages)
  for (const event of events) {
    if (event._tag === "Chunk") {
      chunks.chunk(event.messages)
      continue
    }
    if (!chunks.isEmpty) frames.push(chunks.take())
    const frame = event._tag === "Heartbeat"
      ? KEEP_ALIVE
      : event._tag === "Live"
      ? `data: {"messages": [${event.message}]}\n\n`
      : progressFrame(event, progress)
    if (frame !== null) frames.push(frame)
  }
  if (!chunks.isEmpty) frames.push(chunks.take())
  return Chunk.unsafeFromArray(frames)
}

export const HistoryHandlersLive = HttpApiBuilder.group(TgscApi, "history", (handlers) =>
  Effect.gen(function*() {
    const history = yield* HistorySync
    const follow = yield* HistoryFollow
    const access = yield* ScopedAccess
    const config = yield* AppConfig
    const keepAlive = Duration.seconds(config.sseKeepAliveSeconds ?? DEFAULT_SSE_KEEPALIVE_SECONDS)
    // Shared with GET /mcp: the server's caps count both kinds of stream.
    const slots = yield* ServerStreamSlots

    return handlers.handle("streamHistory", ({ path, urlParams }) =>
      Effect.gen(function*() {
        const startDate = urlParams.start_date ?? null
        const endDate = urlParams.end_date ?? null
        const { name, scope } = yield* CurrentSession
        const requestId = yield* CurrentRequestId
        const progress = urlParams.progress
        if (urlParams.topic_id !== undefined && urlParams.thread !== undefined) {
          return yield* new BadRequest({ detail: "Give topic_id or thread, not both" })
        }
        const request: HistoryRequest = {
          session: name,
          dialogId: path.dialog_id,
          startDate,
          endDate,
          chunkSize: urlParams.chunk_size,
          forceRefresh: urlParams.force_refresh,
          reverse: urlParams.reverse,
          scope: urlParams.topic_id !== undefined
            ? { _tag: "Topic", topicId: urlParams.topic_id }
            : urlParams.thread !== undefined
            ? { _tag: "Thread", messageId: urlParams.thread }
            : undefined,
          // The stream's keep-alives once it has started (sseResponse sends the first one, if the first event is slow).
          heartbeat: keepAlive
        }
        // A wrong request is a 400 whatever else is wrong (the use case checks again, for library callers).
        const invalid = checkHistoryRequest(request, Math.floor((yield* Clock.currentTimeMillis) / 1000))
        if (invalid !== null) return yield* badRequestOf(invalid, endDate)
        yield* requireTelegram
        // A dialog outside the request's scope (a named token's) is a 404, as one the account cannot see.
        if (scope._tag !== "Everything") yield* Effect.mapError(access.dialog(name, scope, DialogId(path.dialog_id)), telegramErrorToHttp)
        // Held until the request ends: the stream's last byte, its failure, or the client going away.
        yield* slots.acquire(name)
        const events = urlParams.follow ? follow.stream(request, scope, keepAlive) : history.stream(request)
        /** Updates' failures (following off, ...) as the updates route tells them; a follow a request cannot have, a 400. */
        const httpOf = (error: FollowError) =>
          error._tag === "FollowNotPossible"
            ? new BadRequest({ detail: error.message })
            : error._tag === "UpdatesOff" || error._tag === "EventsGone" || error._tag === "UnknownEventId" ||
                error._tag === "FolderNotFound" || error._tag === "UpdateLogError"
            ? updatesHttpError(error)
            : httpErrorOf(error, endDate)

        const internal = (cause: Cause.Cause<unknown>) =>
          Effect.logError("history stream failed", cause).pipe(
            Effect.annotateLogs("request_id", requestId),
            Effect.as({ detail: `Internal server error (request id ${requestId})`, status: 500 })
          )

        return yield* sseResponse<FollowError, NonNullable<ReturnType<typeof httpOf>>>({
          frames: Stream.mapChunks(events, (batch) => framesOf(batch, progress)),
          keepAlive,
          failBeforeStart: (error) => {
            const http = httpOf(error)
            return http === null ? Effect.die(error) : Effect.fail(http)
          },
          errorEvent: (cause) =>
            Effect.gen(function*() {
              const failure = Cause.failureOption(cause)
              const http = Option.isSome(failure) ? httpOf(failure.value) : null
              const body = http === null
                ? yield* internal(cause)
                : http._tag === "Conflict" || http._tag === "Gone"
                ? { detail: http.detail, status: http._tag === "Conflict" ? 409 : 410 }
                : failureBody(http)
              return namedEvent("error", body)
            })
        })
      }))
  }))
