/**
 * The settings routes of the HTTP API: Runtime settings (contract section 6).
 * Declared here, handled in Http.ts beside it; src/http/Api.ts adds the
 * group to TgscApi.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Settings, SettingsPatch } from "../../domain/Settings.js"
import { AdminOnly } from "../AdminOnly.js"
import { Unprocessable } from "../ApiErrors.js"
import { SessionAuth } from "../CurrentSession.js"

export class SettingsGroup extends HttpApiGroup.make("settings")
  .add(
    HttpApiEndpoint.get("getSettings", "/api/v3/settings")
      .addSuccess(Settings)
      .annotate(OpenApi.Summary, "Current runtime settings")
  )
  .add(
    HttpApiEndpoint.patch("updateSettings", "/api/v3/settings")
      .setPayload(SettingsPatch)
      .addSuccess(Settings)
      .addError(Unprocessable)
      .middleware(AdminOnly)
      .annotate(OpenApi.Summary, "Update some settings; persisted to settings.yaml (admin token only)")
  )
  .middleware(SessionAuth)
  .annotate(OpenApi.Title, "Settings")
{}
