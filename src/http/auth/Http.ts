/** The QR login routes: thin mapping from HTTP to the QrLogins use case. */
import { HttpApiBuilder } from "@effect/platform"
import { Effect, Either } from "effect"
import QRCode from "qrcode"
import { validateSessionName } from "../../domain/SessionName.js"
import { type LoginState, QrLogins } from "../../app/QrLogins.js"
import { TgscApi } from "../Api.js"
import { BadGateway, BadRequest, Conflict, NotFound, RateLimited, rateLimited } from "../ApiErrors.js"
import { requireTelegram } from "../RequireTelegram.js"
import { cancelStep, passwordStep } from "./LoginSteps.js"
import { describeTelegramError } from "../../ports/TelegramGateway.js"

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

const notFound = (token: string) =>
  new NotFound({ detail: `QR login ${token.slice(0, 12)}... not found: it was cancelled, expired long ago, or never existed` })

export const AuthHandlersLive = HttpApiBuilder.group(TgscApi, "auth", (handlers) =>
  Effect.gen(function*() {
    const logins = yield* QrLogins
    const currentQr = (token: string) =>
      logins.status(token).pipe(
        Effect.mapError(() => notFound(token)),
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
              SessionAlreadyExists: (e) =>
                Effect.fail(
                  new Conflict({ detail: `Session '${e.name}' already exists: send "force": true to log in again` })
                ),
              LoginAlreadyPending: (e) =>
                Effect.fail(new Conflict({ detail: `A login for session '${e.name}' is already in progress` })),
              TooManyPendingLogins: (e) =>
                Effect.fail(
                  new RateLimited({
                    detail: `Too many QR logins pending on this server (at most ${e.maxPending} at once): ` +
                      `retry after ${e.retryAfterSeconds} seconds, or cancel one (DELETE /api/v3/auth/qr/{token})`,
                    retryAfter: e.retryAfterSeconds
                  })
                ),
              LoginStartFailed: ({ error }) =>
                error._tag === "FloodWait"
                  ? Effect.fail(rateLimited(error.seconds))
                  : Effect.fail(
                    new BadGateway({
                      detail: `Failed to connect to Telegram for QR login: ${describeTelegramError(error)}`
                    })
                  )
            })
          )
          return { token: state.token, qr_url: state.qrUrl ?? "", message: state.message }
        }))
      .handle("qrLoginStatus", ({ path }) =>
        logins.status(path.token).pipe(Effect.map(view), Effect.mapError(() => notFound(path.token))))
      .handle("submitQrPassword", ({ path, payload }) =>
        passwordStep(payload.password, (password) => logins.submitPassword(path.token, password), () => notFound(path.token), view))
      .handle("cancelQrLogin", ({ path }) =>
        cancelStep(logins.cancel(path.token), "The login was cancelled: nothing was saved", () => notFound(path.token)))
      .handle("qrSvg", ({ path }) =>
        Effect.flatMap(currentQr(path.token), (url) =>
          Effect.promise(() => QRCode.toString(url, { type: "svg", errorCorrectionLevel: "M", margin: 2 }))))
      .handle("qrPng", ({ path }) =>
        Effect.flatMap(currentQr(path.token), (url) =>
          Effect.promise(() => QRCode.toBuffer(url, { type: "png", errorCorrectionLevel: "M", margin: 2, scale: 8 })).pipe(
            Effect.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength))
          )))
  })
)
