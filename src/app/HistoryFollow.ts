/**
 * A dialog's history that stays open (`follow`): the range up to now as
 * HistorySync streams it, then each new message of the dialog as the
 * updates loop commits it. The log's newest event id is read before the
 * history starts: a message committed after it is in the follow phase; one
 * committed before was in Telegram before the history was asked for, so in
 * the history. Messages the history already streamed (a message id grows
 * with time in a dialog) are not streamed again: no gap, no duplicate.
 */
import { Data, type Duration, Effect, Option, Stream } from "effect"
import type { AccessScope } from "../domain/AccessScope.js"
import { DialogId } from "../domain/Ids.js"
import type { TelegramError } from "../ports/TelegramGateway.js"
import type { UpdateLogError } from "../ports/UpdateLog.js"
import { type HistoryError, type HistoryEvent, type HistoryRequest, HistorySync } from "./HistorySync.js"
import { LiveUpdates, UpdatesOff, type UpdatesOpenError } from "./LiveUpdates.js"
import { spacedJson } from "../contract/SseFraming.js"

/** A follow the history request cannot have. */
export class FollowNotPossible extends Data.TaggedError("FollowNotPossible")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}

/** A new message of the followed dialog: the contract's history message, as JSON text. */
export interface LiveMessage {
  readonly _tag: "Live"
  readonly message: string
}

export type FollowEvent = HistoryEvent | LiveMessage

export type FollowError = HistoryError | UpdatesOpenError | FollowNotPossible

/** The message of a new_message event's data (`{"dialog_id", ...message}`), without the dialog id. */
const liveMessageOf = (data: string): { readonly id: number; readonly json: string } => {
  const { dialog_id: _, ...message } = JSON.parse(data) as { dialog_id: number; message_id: number }
  return { id: message.message_id, json: spacedJson(message) }
}

const makeHistoryFollow = Effect.gen(function*() {
  const history = yield* HistorySync
  const live = yield* LiveUpdates

  const stream = (
    request: HistoryRequest,
    scope: AccessScope,
    heartbeat?: Duration.DurationInput
  ): Stream.Stream<FollowEvent, FollowError> =>
    Stream.unwrapScoped(Effect.gen(function*() {
      if (request.endDate !== null) return yield* new FollowNotPossible({ reason: "follow=true streams up to now and on: give no end_date" })
      if (request.reverse) return yield* new FollowNotPossible({ reason: "follow=true streams oldest first: not with reverse=true" })
      if (request.scope !== undefined) {
        return yield* new FollowNotPossible({ reason: "follow=true follows a whole dialog: not with topic_id or thread" })
      }
      if (!(yield* live.enabled)) return yield* new UpdatesOff()
      // The loop follows before the history is read: a message after the history's end is in the log.
      yield* live.started(request.session)
      const start = yield* live.newestId(request.session)
      let streamed = 0
      const past = history.stream(request).pipe(Stream.tap((event) =>
        Effect.sync(() => {
          if (event._tag !== "Chunk") return
          for (const m of event.messages) if (m.message.id > streamed) streamed = m.message.id
        })
      ))
      const dialogId = DialogId(request.dialogId)
      const next = Stream.unwrapScoped(live.open(request.session, { since: start, dialogIds: [dialogId], folder: null, scope }, heartbeat)).pipe(
        Stream.filterMap((item): Option.Option<FollowEvent> => {
          if ("_tag" in item) return Option.some(item)
          if (item.kind !== "new_message") return Option.none()
          const { id, json } = liveMessageOf(item.data)
          if (id <= streamed) return Option.none()
          streamed = id
          return Option.some({ _tag: "Live", message: json })
        })
      )
      return Stream.concat(past as Stream.Stream<FollowEvent, FollowError>, next as Stream.Stream<FollowEvent, TelegramError | UpdateLogError | UpdatesOpenError>)
    }))

  return { stream }
})

export class HistoryFollow extends Effect.Service<HistoryFollow>()("app/HistoryFollow", { effect: makeHistoryFollow }) {}
