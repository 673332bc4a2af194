/**
 * The public HTTP API (contract: shared/spec/api-contract.md), declared once:
 * TgscApi adds every feature's group (src/http/<feature>/Api.ts: routes,
 * parameters, response shapes and error statuses; handled in the same
 * folder's Http.ts). This module only composes and re-exports.
 */
import { HttpApi, OpenApi } from "@effect/platform"
import { BadRequest, Unauthorized } from "./ApiErrors.js"
import { AuthGroup } from "./auth/Api.js"
import { DialogsGroup } from "./dialogs/Api.js"
import { FilesGroup } from "./files/Api.js"
import { HistoryGroup } from "./history/Api.js"
import { MessagesGroup } from "./messages/Api.js"
import { describeErrorBodies } from "./OpenApiErrors.js"
import { SessionsGroup } from "./sessions/Api.js"
import { SettingsGroup } from "./settings/Api.js"
import { SystemGroup } from "./system/Api.js"

export { CurrentSession, SessionAuth } from "./CurrentSession.js"

// The contract's shapes, defined once in src/contract (shared with the library and other adapters).
export { DialogResult, DialogSearchResponse, DialogType, Folder } from "../contract/Dialogs.js"
export { FileMetadata } from "../contract/Files.js"
export { QrLoginStarted, QrLoginState, QrStatus } from "../contract/Logins.js"
export { HistoryMessage, MessageSearchResponse, MessageSearchResult } from "../contract/Messages.js"

// One feature folder per group: its routes (Api.ts) and its handlers (Http.ts).
export { AuthGroup } from "./auth/Api.js"
export { DialogSearchUrlParams, DialogsGroup } from "./dialogs/Api.js"
export { FilesGroup } from "./files/Api.js"
export { HISTORY_DEFAULT_CHUNK_SIZE, HISTORY_MAX_CHUNK_SIZE, HistoryGroup } from "./history/Api.js"
export { MESSAGE_SEARCH_DEFAULT_LIMIT, MessageSearchUrlParams, MessagesGroup } from "./messages/Api.js"
export { SessionsGroup } from "./sessions/Api.js"
export { SettingsGroup } from "./settings/Api.js"
export { SystemGroup } from "./system/Api.js"

export class TgscApi extends HttpApi.make("tgsc")
  .add(SystemGroup)
  .add(AuthGroup)
  .add(SessionsGroup)
  .add(DialogsGroup)
  .add(MessagesGroup)
  .add(HistoryGroup)
  .add(FilesGroup)
  .add(SettingsGroup)
  .addError(BadRequest)
  .addError(Unauthorized)
  .annotate(OpenApi.Title, "tgsc: Telegram history API")
  .annotate(OpenApi.Description, "Local HTTP API giving you and your agents access to your own Telegram account's history.")
  // Every error is sent as {"detail": "..."} (DetailErrors.ts): document that, not the error classes' fields.
  .annotate(OpenApi.Transform, describeErrorBodies)
{}

