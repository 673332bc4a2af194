/**
 * The public HTTP API (contract: shared/spec/api-contract.md), declared once:
 * TgscApi adds every feature's group (src/http/<feature>/Api.ts: routes,
 * parameters, response shapes and error statuses; handled in the same
 * folder's Http.ts). This module only composes them.
 */
import { HttpApi, OpenApi } from "@effect/platform"
import { BadRequest, Unauthorized } from "./ApiErrors.js"
import { AuthGroup } from "./auth/Api.js"
import { PhoneAuthGroup } from "./auth/PhoneApi.js"
import { DialogsGroup } from "./dialogs/Api.js"
import { FilesGroup } from "./files/Api.js"
import { HistoryGroup } from "./history/Api.js"
import { MessagesGroup } from "./messages/Api.js"
import { describeErrorBodies } from "./OpenApiErrors.js"
import { SessionsGroup } from "./sessions/Api.js"
import { SettingsGroup } from "./settings/Api.js"
import { SyncGroup } from "./sync/Api.js"
import { SystemGroup } from "./system/Api.js"
import { TopicsGroup } from "./topics/Api.js"
import { UpdatesGroup } from "./updates/Api.js"

export class TgscApi extends HttpApi.make("tgsc")
  .add(SystemGroup)
  .add(AuthGroup)
  .add(PhoneAuthGroup)
  .add(SessionsGroup)
  .add(DialogsGroup)
  .add(MessagesGroup)
  .add(HistoryGroup)
  .add(TopicsGroup)
  .add(FilesGroup)
  .add(SyncGroup)
  .add(UpdatesGroup)
  .add(SettingsGroup)
  .addError(BadRequest)
  .addError(Unauthorized)
  .annotate(OpenApi.Title, "tgsc: Telegram history API")
  .annotate(OpenApi.Description, "Local HTTP API giving you and your agents access to your own Telegram account's history.")
  // Every error is sent as {"detail": "..."} (DetailErrors.ts): document that, not the error classes' fields.
  .annotate(OpenApi.Transform, describeErrorBodies)
{}

