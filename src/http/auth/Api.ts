/**
 * The auth routes of the HTTP API: QR-code login with 2FA (contract section 1).
 * Declared here, handled in Http.ts beside it; src/http/Api.ts adds the
 * group to TgscApi.
 */
import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { QrLoginStarted, QrLoginState } from "../../contract/Logins.js"
import { BadGateway, BadRequest, Conflict, NotFound, RateLimited, ServiceUnavailable } from "../ApiErrors.js"
import { AdminOnly } from "../AdminOnly.js"
import { SessionNameBody } from "../Params.js"

const qrToken = Schema.Struct({ token: Schema.String })

export class AuthGroup extends HttpApiGroup.make("auth")
  .add(
    HttpApiEndpoint.post("startQrLogin", "/api/v3/auth/qr")
      .setPayload(Schema.Struct({ username: SessionNameBody, force: Schema.optional(Schema.Boolean) }))
      .addSuccess(QrLoginStarted)
      .addError(BadRequest)
      .addError(Conflict)
      .addError(RateLimited)
      .addError(BadGateway)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Start a QR-code login for a session name")
  )
  .add(
    HttpApiEndpoint.get("qrLoginStatus", "/api/v3/auth/qr/:token")
      .setPath(qrToken)
      .addSuccess(QrLoginState)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Poll a QR login (qr_url refreshes about every 25 s)")
  )
  .add(
    HttpApiEndpoint.post("submitQrPassword", "/api/v3/auth/qr/:token/2fa")
      .setPath(qrToken)
      .setPayload(Schema.Struct({ password: Schema.String }))
      .addSuccess(QrLoginState)
      .addError(BadRequest)
      .addError(NotFound)
      .addError(Conflict)
      .addError(BadGateway)
      .annotate(OpenApi.Summary, "Submit the 2FA password when the status is password_required")
  )
  .add(
    HttpApiEndpoint.del("cancelQrLogin", "/api/v3/auth/qr/:token")
      .setPath(qrToken)
      .addSuccess(Schema.Struct({ status: Schema.Literal("cancelled"), message: Schema.String }))
      .addError(NotFound)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Cancel a pending QR login")
  )
  .add(
    HttpApiEndpoint.get("qrSvg", "/api/v3/auth/qr/:token/qr.svg")
      .setPath(qrToken)
      .addSuccess(HttpApiSchema.Text({ contentType: "image/svg+xml" }))
      .addError(NotFound)
      .annotate(OpenApi.Summary, "The current qr_url as an SVG QR code")
  )
  .add(
    HttpApiEndpoint.get("qrPng", "/api/v3/auth/qr/:token/qr.png")
      .setPath(qrToken)
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "image/png" }))
      .addError(NotFound)
      .annotate(OpenApi.Summary, "The current qr_url as a PNG QR code")
  )
  // Logging in adds a session: the admin token's to do, never a named token's.
  .middleware(AdminOnly)
  .annotate(OpenApi.Title, "Login")
{}
