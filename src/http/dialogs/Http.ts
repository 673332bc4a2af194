/**
 * Dialog search and folder routes: the contract's parameters to the
 * DialogSearch use case, under the request's scope (a named token's: what
 * it does not admit is left out of the results, the total and the folders).
 */
import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import type { DialogSearchParams } from "../../domain/DialogFilters.js"
import { dialogSearchRequest } from "../../contract/Dialogs.js"
import type { FolderNotFound } from "../../domain/FolderMembership.js"
import type { PeerNotFound, TelegramError } from "../../ports/TelegramGateway.js"
import { DialogSearch } from "../../app/DialogSearch.js"
import { folderNotFoundDetail, HTTP_WAY_IN } from "../../contract/FailureDetails.js"
import { TgscApi } from "../Api.js"
import { CurrentSession } from "../CurrentSession.js"
import type { DialogSearchUrlParams } from "./Api.js"
import { BadRequest, NotFound } from "../ApiErrors.js"
import { requireTelegram } from "../RequireTelegram.js"
import { mapTelegramErrors, telegramErrorToHttp } from "../TelegramHttpErrors.js"

/** `q` and `query` are one parameter; a blank one, like a blank `folder`, is as if absent. */
export const dialogSearchParamsOf = (p: DialogSearchUrlParams): Effect.Effect<DialogSearchParams, BadRequest> => {
  const q = p.q?.trim()
  const query = p.query?.trim()
  if (q !== undefined && query !== undefined && q !== "" && query !== "" && q !== query) {
    return Effect.fail(new BadRequest({ detail: "Give either 'q' or 'query', not two different queries" }))
  }
  return Effect.succeed(dialogSearchRequest({ ...p, query: q ? p.q! : query ? p.query! : undefined }))
}

const searchErrorToHttp = (error: TelegramError | PeerNotFound | FolderNotFound) =>
  error._tag === "FolderNotFound"
    ? new NotFound({ detail: folderNotFoundDetail(error, HTTP_WAY_IN) })
    : telegramErrorToHttp(error)

export const DialogsHandlersLive = HttpApiBuilder.group(TgscApi, "dialogs", (handlers) =>
  Effect.gen(function*() {
    const dialogs = yield* DialogSearch
    return handlers
      .handle("searchDialogs", ({ urlParams }) =>
        Effect.gen(function*() {
          // A wrong request is a 400 whatever else is wrong (missing credentials included).
          const params = yield* dialogSearchParamsOf(urlParams)
          yield* requireTelegram
          const { name, scope } = yield* CurrentSession
          return yield* Effect.mapError(dialogs.search(name, params, scope), searchErrorToHttp)
        }))
      .handle("listFolders", ({ urlParams }) =>
        Effect.gen(function*() {
          yield* requireTelegram
          const { name, scope } = yield* CurrentSession
          return yield* mapTelegramErrors(
            urlParams.include_dialogs === true ? dialogs.foldersWithDialogs(name, scope) : dialogs.folders(name, scope)
          )
        }))
  })
)
