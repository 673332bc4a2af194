/**
 * GET /api/v3/dialogs/{dialog_id}/topics: the ForumTopics use case, its
 * records in the contract's shape. A dialog outside a named token's scope
 * is a 404, as one the account cannot see.
 */
import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { ForumTopics } from "../../app/ForumTopics.js"
import { ScopedAccess } from "../../app/ScopedAccess.js"
import { topicView } from "../../contract/Topics.js"
import { TgscApi } from "../Api.js"
import { CurrentSession } from "../CurrentSession.js"
import { requireTelegram } from "../RequireTelegram.js"
import { mapTelegramErrors } from "../TelegramHttpErrors.js"
import { DialogId } from "../../domain/Ids.js"

export const TopicsHandlersLive = HttpApiBuilder.group(TgscApi, "topics", (handlers) =>
  Effect.gen(function*() {
    const topics = yield* ForumTopics
    const access = yield* ScopedAccess
    return handlers.handle("listTopics", ({ path, urlParams }) =>
      Effect.gen(function*() {
        yield* requireTelegram
        const { name, scope } = yield* CurrentSession
        if (scope._tag !== "Everything") yield* mapTelegramErrors(access.dialog(name, scope, DialogId(path.dialog_id)))
        const listed = yield* topics.list(name, path.dialog_id, urlParams.q ?? null).pipe(
          Effect.catchTag("MessageStoreError", (e) => Effect.die(e)),
          mapTelegramErrors
        )
        return { total: listed.length, topics: listed.map(topicView) }
      }))
  })
)
