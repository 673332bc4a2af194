/**
 * The phone-code login routes of the HTTP API: start (Telegram sends a code
 * to the number), the code, a resend, the 2FA password, cancel. Declared
 * here, handled in PhoneHttp.ts beside it; src/http/Api.ts adds the group.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { PhoneLoginStarted, PhoneLoginState } from "../../contract/Logins.js"
import { BadGateway, BadRequest, Conflict, NotFound, RateLimited, ServiceUnavailable } from "../ApiErrors.js"
import { SessionNameBody } from "../Params.js"
import { AdminOnly } from "../AdminOnly.js"

const phoneToken = Schema.Struct({ token: Schema.String })

export class PhoneAuthGroup extends HttpApiGroup.make("phoneAuth")
  .add(
    HttpApiEndpoint.post("startPhoneLogin", "/api/v3/auth/phone")
      .setPayload(Schema.Struct({
        username: SessionNameBody,
        phone: Schema.String.annotations({ description: "the account's phone number, international form: +44 7700 900123" }),
        force: Schema.optional(Schema.Boolean)
      }))
      .addSuccess(PhoneLoginStarted)
      .addError(BadRequest)
      .addError(Conflict)
      .addError(RateLimited)
      .addError(BadGateway)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Start a phone-code login: Telegram sends a code to the account's Telegram app, or by SMS")
  )
  .add(
    HttpApiEndpoint.get("phoneLoginStatus", "/api/v3/auth/phone/:token")
      .setPath(phoneToken)
      .addSuccess(PhoneLoginState)
      .addError(NotFound)
      .annotate(OpenApi.Summary, "Poll a phone-code login")
  )
  .add(
    HttpApiEndpoint.post("submitPhoneCode", "/api/v3/auth/phone/:token/code")
      .setPath(phoneToken)
      .setPayload(Schema.Struct({ code: Schema.String }))
      .addSuccess(PhoneLoginState)
      .addError(BadRequest)
      .addError(NotFound)
      .addError(Conflict)
      .addError(RateLimited)
      .annotate(
        OpenApi.Summary,
        "Submit the code Telegram sent (a wrong one is a 400 naming the attempts left; Telegram's rate limit a 429, the login kept)"
      )
  )
  .add(
    HttpApiEndpoint.post("resendPhoneCode", "/api/v3/auth/phone/:token/resend")
      .setPath(phoneToken)
      .addSuccess(PhoneLoginState)
      .addError(BadRequest)
      .addError(NotFound)
      .addError(Conflict)
      .addError(RateLimited)
      .addError(BadGateway)
      .annotate(OpenApi.Summary, "Have Telegram send a new code, the next way (next_type)")
  )
  .add(
    HttpApiEndpoint.post("submitPhonePassword", "/api/v3/auth/phone/:token/2fa")
      .setPath(phoneToken)
      .setPayload(Schema.Struct({ password: Schema.String }))
      .addSuccess(PhoneLoginState)
      .addError(BadRequest)
      .addError(NotFound)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Submit the 2FA password when the status is password_required")
  )
  .add(
    HttpApiEndpoint.del("cancelPhoneLogin", "/api/v3/auth/phone/:token")
      .setPath(phoneToken)
      .addSuccess(Schema.Struct({ status: Schema.Literal("cancelled"), message: Schema.String }))
      .addError(NotFound)
      .addError(Conflict)
      .annotate(OpenApi.Summary, "Cancel a pending phone-code login (the code is withdrawn at Telegram)")
  )
  // Logging in adds a session: the admin token's to do, never a named token's.
  .middleware(AdminOnly)
  .annotate(OpenApi.Title, "Login by phone code")
{}
