/**
 * X-Telegram-Username: every /api/v3 endpoint but the login ones acts for a
 * saved session. 400 for a malformed name, 401 when missing or unknown.
 */
import { HttpServerRequest } from "@effect/platform"
import { Effect, Either, Layer } from "effect"
import { validateSessionName } from "../../domain/SessionName.js"
import { SessionStore } from "../../ports/SessionStore.js"
import { SessionAuth } from "./Api.js"
import { BadRequest, Unauthorized } from "./ApiErrors.js"
import { headerText } from "./HeaderText.js"

export const SessionAuthLive = Layer.effect(
  SessionAuth,
  Effect.gen(function*() {
    const sessions = yield* SessionStore
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
      return { name: name.right }
    })
  })
)
