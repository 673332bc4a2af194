/** The QR login routes: thin mapping from HTTP to the QrLogins use case. */
import { HttpApiBuilder } from "@effect/platform"
import { Effect, Either, String as Str } from "effect"
import { validateSessionName } from "../../domain/SessionName.js"
import type { LoginNotFound } from "../../app/PendingLogins.js"
import { type LoginState, QrLogins } from "../../app/QrLogins.js"
import { TgscApi } from "../Api.js"
import { BadGateway, BadRequest, Conflict, NotFound, RateLimited, rateLimited } from "../ApiErrors.js"
import { requireTelegram } from "../RequireTelegram.js"
import { cancelStep, passwordStep } from "./LoginSteps.js"

/** The use case's words, with the route that takes the next step where there is one. */
const messageOf = (s: LoginState): string => {
  switch (s.status) {
    case "password_required":
      return `This account has two-step verification: submit the password to POST /api/v3/auth/qr/${s.token}/2fa`
    case "expired":
      return "The login expired before it was completed: start again with POST /api/v3/auth/qr"
    case "error":
      return "The login failed: start again with POST /api/v3/auth/qr"
    default:
      return s.message
  }
}

const view = (s: LoginState) => ({
  status: s.status,
  username: s.username,
  qr_url: s.status === "pending" ? s.qrUrl : null,
  error: s.error,
  message: messageOf(s)
})

/** The use case's LoginNotFound, as the QR login's. */
/** The QR encoder (with its PNG writer, some 100 kB of code) is loaded by the first QR picture asked for, not at start. */
const qrCode = () => import("qrcode").then((m) => m.default)

const notFound = (e: LoginNotFound) => new NotFound({ detail: `QR ${Str.uncapitalize(e.message)}` })

export const AuthHandlersLive = HttpApiBuilder.group(TgscApi, "auth", (handlers) =>
  Effect.gen(function*() {
    const logins = yield* QrLogins
    const currentQr = (token: string) =>
      logins.status(token).pipe(
        Effect.mapError(notFound),
        Effect.flatMap((s) =>
          s.status === "pending" && s.qrUrl !== null
            ? Effect.succeed(s.qrUrl)
            : Effect.fail(new NotFound({ detail: `QR login is ${s.status}: there is no code to show` }))
        )
      )
    return handlers
      .handle("startQrLogin", ({ payload }) =>
        Effect.gen(function*() {
          // A wrong request is a 400 whatever else is wrong (missing credentials included).
          const name = validateSessionName(payload.username)
          if (Either.isLeft(name)) return yield* new BadRequest({ detail: name.left })
          yield* requireTelegram
          const state = yield* logins.start(name.right, payload.force === true).pipe(
            Effect.catchTags({
              SessionAlreadyExists: (e) => Effect.fail(new Conflict({ detail: `${e.message}: send "force": true to log in again` })),
              LoginAlreadyPending: (e) => Effect.fail(new Conflict({ detail: e.message })),
              TooManyPendingLogins: (e) =>
                Effect.fail(
                  new RateLimited({ detail: `${e.message} (DELETE /api/v3/auth/qr/{token})`, retryAfter: e.retryAfterSeconds })
                ),
              LoginStartFailed: (e) =>
                Effect.fail(e.error._tag === "FloodWait" ? rateLimited(e.error.seconds) : new BadGateway({ detail: e.message }))
            })
          )
          return { token: state.token, qr_url: state.qrUrl ?? "", message: state.message }
        }))
      .handle("qrLoginStatus", ({ path }) =>
        logins.status(path.token).pipe(Effect.map(view), Effect.mapError(notFound)))
      .handle("submitQrPassword", ({ path, payload }) =>
        passwordStep(payload.password, (password) => logins.submitPassword(path.token, password), notFound, view))
      .handle("cancelQrLogin", ({ path }) =>
        cancelStep(logins.cancel(path.token), "The login was cancelled: nothing was saved", notFound))
      .handle("qrSvg", ({ path }) =>
        Effect.flatMap(currentQr(path.token), (url) =>
          Effect.promise(() => qrCode().then((QRCode) => QRCode.toString(url, { type: "svg", errorCorrectionLevel: "M", margin: 2 })))))
      .handle("qrPng", ({ path }) =>
        Effect.flatMap(currentQr(path.token), (url) =>
          Effect.promise(() => qrCode().then((QRCode) => QRCode.toBuffer(url, { type: "png", errorCorrectionLevel: "M", margin: 2, scale: 8 }))).pipe(
            Effect.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength))
          )))
  })
)
