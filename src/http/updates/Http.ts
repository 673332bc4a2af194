/**
 * GET /api/v3/updates: LiveUpdates' events as Server-Sent Events,
 * `id:`/`event:`/`data:` per event. A failure before the first event keeps
 * its status (409 following off, 410 resumed from before the retention, 400
 * an id the log never gave, 404 an unknown folder); the stream holds one of
 * the server's stream slots while open.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Cause, Chunk, Duration, Effect, Stream } from "effect"
import { AppConfig, DEFAULT_SSE_KEEPALIVE_SECONDS } from "../../config/AppConfig.js"
import { type FeedItem, LiveUpdates, type UpdatesOpenError } from "../../app/LiveUpdates.js"
import { folderNotFoundDetail, HTTP_WAY_IN } from "../../contract/FailureDetails.js"
import { KEEP_ALIVE, namedEvent } from "../../contract/SseFraming.js"
import { DialogId } from "../../domain/Ids.js"
import { TgscApi } from "../Api.js"
import { BadRequest, Conflict, Gone, NotFound } from "../ApiErrors.js"
import { CurrentSession } from "../CurrentSession.js"
import { CurrentRequestId } from "../RequestLog.js"
import { requireTelegram } from "../RequireTelegram.js"
import { sseResponse } from "../SseResponse.js"
import { ServerStreamSlots } from "../StreamSlots.js"
import { telegramErrorToHttp } from "../TelegramHttpErrors.js"

/** One event's SSE text; its data is already the contract's JSON. */
export const eventFrame = (item: FeedItem): string =>
  "_tag" in item ? KEEP_ALIVE : `id: ${item.id}\nevent: ${item.kind}\ndata: ${item.data}\n\n`

/** The HTTP error an updates failure stands for; null for our own faults (a 500). */
export const updatesHttpError = (error: UpdatesOpenError) => {
  switch (error._tag) {
    case "UpdatesOff":
      return new Conflict({ detail: error.message })
    case "EventsGone":
      return new Gone({ detail: error.message })
    case "UnknownEventId":
      return new BadRequest({ detail: error.message })
    case "FolderNotFound":
      return new NotFound({ detail: folderNotFoundDetail(error, HTTP_WAY_IN) })
    case "UpdateLogError":
      return null
    default:
      return telegramErrorToHttp(error)
  }
}

export const UpdatesHandlersLive = HttpApiBuilder.group(TgscApi, "updates", (handlers) =>
  Effect.gen(function*() {
    const live = yield* LiveUpdates
    const config = yield* AppConfig
    const keepAlive = Duration.seconds(config.sseKeepAliveSeconds ?? DEFAULT_SSE_KEEPALIVE_SECONDS)
    const slots = yield* ServerStreamSlots

    return handlers.handle("streamUpdates", ({ headers, urlParams }) =>
      Effect.gen(function*() {
        yield* requireTelegram
        const { name, scope } = yield* CurrentSession
        const requestId = yield* CurrentRequestId
        const folder = urlParams.folder?.trim() || null
        const request = {
          since: headers["last-event-id"] ?? urlParams.since ?? null,
          dialogIds: urlParams.dialog_id?.map(DialogId) ?? null,
          folder,
          scope
        }
        yield* slots.acquire(name)
        const internal = (cause: Cause.Cause<unknown>) =>
          Effect.logError("updates stream failed", cause).pipe(
            Effect.annotateLogs("request_id", requestId),
            Effect.as(namedEvent("error", { detail: `Internal server error (request id ${requestId})`, status: 500 }))
          )
        const opened = yield* live.open(name, request, keepAlive).pipe(
          Effect.catchAll((error) => {
            const http = updatesHttpError(error)
            return http === null ? Effect.die(error) : Effect.fail(http)
          })
        )
        return yield* sseResponse<UpdatesOpenError, NonNullable<ReturnType<typeof updatesHttpError>>>({
          // Opened means every check passed: the headers go out at once (with a keep-alive), so a client knows it is
          // following before the first change, instead of after the first keep-alive period.
          // A page of events is one frame: one write to the socket, not one per event.
          frames: Stream.concat(Stream.make(KEEP_ALIVE), Stream.mapChunks(opened, (chunk) =>
            Chunk.isEmpty(chunk) ? Chunk.empty<string>() : Chunk.of(Chunk.join(Chunk.map(chunk, eventFrame), "")))),
          keepAlive,
          failBeforeStart: (error: UpdatesOpenError) => {
            const http = updatesHttpError(error)
            return http === null ? Effect.die(error) : Effect.fail(http)
          },
          errorEvent: (cause) => {
            const failure = Cause.failureOption(cause)
            const http = failure._tag === "Some" ? updatesHttpError(failure.value) : null
            return http === null
              ? internal(cause)
              : Effect.succeed(namedEvent("error", { detail: http.detail, status: http._tag === "Conflict" ? 409 : 502 }))
          }
        })
      }))
  }))
