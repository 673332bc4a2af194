/**
 * X-Telegram-Username: every /api/v3 endpoint but the login ones acts for a
 * saved session. 400 for a malformed name, 401 when missing or unknown, and
 * 401 without asking Telegram when Telegram has refused the session's login
 * (SessionRevocations) until it logs in again.
 */
import { HttpServerRequest } from "@effect/platform"
import { Effect, Either, Layer, Option } from "effect"
import { validateSessionName } from "../domain/SessionName.js"
import { SessionStore } from "../ports/SessionStore.js"
import { SessionRevocations } from "../app/SessionRevocations.js"
import { SessionAuth } from "./CurrentSession.js"
import { BadRequest, Unauthorized } from "./ApiErrors.js"
import { headerText } from "./HeaderText.js"
import { revokedDetail } from "./TelegramHttpErrors.js"

export const SessionAuthLive = Layer.effect(
  SessionAuth,
  Effect.gen(function*() {
    const sessions = yield* SessionStore
    // The server's (TgscLive provides it); route tests without Telegram may leave it out.
    const revocations = yield* Effect.serviceOption(SessionRevocations)
    return Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const header = request.headers["x-telegram-username"]?.trim()
      if (header === undefined || header === "") {
        return yield* new Unauthorized({
          detail: "Missing X-Telegram-Username header: name the session you logged in with (POST /api/v3/auth/qr)"
        })
      }
      // A valid name is ASCII, the same either way; an invalid one is quoted as the client wrote it.
      const name = validateSessionName(headerText(header))
      if (Either.isLeft(name)) return yield* new BadRequest({ detail: name.left })
      const known = yield* sessions.exists(name.right).pipe(Effect.orDie)
      if (!known) {
        return yield* new Unauthorized({
          detail: `Session '${name.right}' is not logged in: start a login with POST /api/v3/auth/qr`
        })
      }
      if (Option.isSome(revocations)) {
        yield* revocations.value.check(name.right).pipe(Effect.mapError((e) => new Unauthorized({ detail: revokedDetail(e) })))
      }
      return { name: name.right }
    })
  })
)
