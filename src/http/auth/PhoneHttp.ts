/**
 * The phone-code login routes: thin mapping from HTTP to the PhoneLogins
 * use case. Telegram's refusals become a 400 or 429 saying what to do; the
 * number and the codes never appear in an answer or a log (the number only
 * masked).
 */
import { HttpApiBuilder } from "@effect/platform"
import { Effect, Either, Redacted, String as Str } from "effect"
import type { LoginNotFound } from "../../app/PendingLogins.js"
import { MAX_WRONG_CODES, type NotAwaitingCode, type PhoneLoginState, PhoneLogins } from "../../app/PhoneLogins.js"
import { validateSessionName } from "../../domain/SessionName.js"
import type { FloodWait, TelegramError } from "../../ports/TelegramGateway.js"
import { TgscApi } from "../Api.js"
import { BadGateway, BadRequest, Conflict, NotFound, RateLimited, rateLimited } from "../ApiErrors.js"
import { requireTelegram } from "../RequireTelegram.js"
import { cancelStep, passwordStep } from "./LoginSteps.js"

const START = "POST /api/v3/auth/phone"

/** The use case's words, with the route that takes the next step. */
const messageOf = (s: PhoneLoginState): string => {
  switch (s.status) {
    case "code_required":
      return `Telegram sent a login code${s.codeType === null ? "" : ` (${s.codeType})`}: submit it to ` +
        `POST /api/v3/auth/phone/${s.token}/code, or ask for another with POST /api/v3/auth/phone/${s.token}/resend`
    case "password_required":
      return `This account has two-step verification: submit the password to POST /api/v3/auth/phone/${s.token}/2fa`
    case "expired":
      return `The login expired before it was completed: start again with ${START}`
    case "error":
      return `The login failed: start again with ${START}`
    default:
      return s.message
  }
}

const view = (s: PhoneLoginState) => ({
  status: s.status,
  username: s.username,
  phone: s.phone,
  code_type: s.codeType,
  next_type: s.nextType,
  timeout: s.timeout,
  attempts_left: Math.max(0, MAX_WRONG_CODES - s.wrongCodes),
  error: s.error,
  message: messageOf(s)
})

/** The use case's LoginNotFound, as the phone login's. */
const notFound = (e: LoginNotFound) => new NotFound({ detail: `Phone ${Str.uncapitalize(e.message)}` })

/** Telegram's FLOOD_WAIT: a 429 with Retry-After, its detail naming the wait, then what still stands (`afterWait`) if the login goes on. */
const waitOf = (error: FloodWait, afterWait?: string): RateLimited => {
  const limited = rateLimited(error.seconds)
  return afterWait === undefined ? limited : new RateLimited({ detail: `${limited.detail} ${afterWait}`, retryAfter: limited.retryAfter })
}

/** Telegram's word on a number or a code, as a request error the person can act on; undefined for the rest. */
const refusalOf = (error: TelegramError, afterWait?: string): BadRequest | RateLimited | undefined => {
  if (error._tag === "FloodWait") return waitOf(error, afterWait)
  if (error._tag !== "TelegramRpcError") return undefined
  switch (error.message) {
    case "PHONE_NUMBER_INVALID":
      return new BadRequest({ detail: "Telegram does not accept this phone number (PHONE_NUMBER_INVALID): check the country code and the number" })
    case "PHONE_NUMBER_BANNED":
      return new BadRequest({ detail: "Telegram has banned this phone number (PHONE_NUMBER_BANNED): it cannot log in" })
    case "PHONE_NUMBER_UNOCCUPIED":
      return new BadRequest({ detail: "No Telegram account has this phone number (PHONE_NUMBER_UNOCCUPIED): sign up in a Telegram app first" })
    case "PHONE_NUMBER_FLOOD":
      return new BadRequest({ detail: "Telegram sends no more codes to this number for now (PHONE_NUMBER_FLOOD): try again later" })
    case "SEND_CODE_UNAVAILABLE":
      return new BadRequest({ detail: "Telegram has no other way to send the code (SEND_CODE_UNAVAILABLE): use the code already sent" })
    default:
      return undefined
  }
}

/** A code as typed: digits (maybe spaced), or the words of an SMS-word code; never echoed back. */
const CODE = /^[\p{L}\p{N} -]{1,64}$/u

export const PhoneAuthHandlersLive = HttpApiBuilder.group(TgscApi, "phoneAuth", (handlers) =>
  Effect.gen(function*() {
    const logins = yield* PhoneLogins
    const notAwaiting = {
      LoginNotFound: (e: LoginNotFound) => Effect.fail(notFound(e)),
      NotAwaitingCode: (e: NotAwaitingCode) => Effect.fail(new Conflict({ detail: e.message }))
    }
    return handlers
      .handle("startPhoneLogin", ({ payload }) =>
        Effect.gen(function*() {
          // A wrong request is a 400 whatever else is wrong (missing credentials included).
          const name = validateSessionName(payload.username)
          if (Either.isLeft(name)) return yield* new BadRequest({ detail: name.left })
          yield* requireTelegram
          const state = yield* logins.start(name.right, Redacted.make(payload.phone), payload.force === true).pipe(
            Effect.catchTags({
              PhoneNumberInvalid: (e) => Effect.fail(new BadRequest({ detail: e.message })),
              PhoneLoginUnsupported: (e) => Effect.fail(new BadGateway({ detail: e.message })),
              SessionAlreadyExists: (e) => Effect.fail(new Conflict({ detail: `${e.message}: send "force": true to log in again` })),
              LoginAlreadyPending: (e) => Effect.fail(new Conflict({ detail: e.message })),
              TooManyPendingLogins: (e) =>
                Effect.fail(
                  new RateLimited({ detail: `${e.message} (DELETE /api/v3/auth/phone/{token})`, retryAfter: e.retryAfterSeconds })
                ),
              LoginStartFailed: (e) => Effect.fail(refusalOf(e.error) ?? new BadGateway({ detail: e.message }))
            })
          )
          const { error: _, username: __, ...started } = view(state)
          return { token: state.token, ...started, status: "code_required" as const }
        }))
      .handle("phoneLoginStatus", ({ path }) =>
        logins.status(path.token).pipe(Effect.map(view), Effect.mapError(notFound)))
      .handle("submitPhoneCode", ({ path, payload }) =>
        Effect.gen(function*() {
          if (!CODE.test(payload.code.trim())) {
            return yield* new BadRequest({ detail: "code must be the code Telegram sent: 1-64 digits or letters" })
          }
          const state = yield* logins.submitCode(path.token, Redacted.make(payload.code)).pipe(
            Effect.catchTags({
              ...notAwaiting,
              WrongCode: (e) => Effect.fail(new BadRequest({ detail: e.message })),
              CodeExpired: (e) =>
                Effect.fail(new BadRequest({ detail: `${e.message} with POST /api/v3/auth/phone/${path.token}/resend` })),
              CodeRefused: ({ error }) =>
                Effect.fail(waitOf(error, "The code was not checked: the login still waits for it, submit it again then.")),
              TooManyWrongCodes: (e) => Effect.fail(new BadRequest({ detail: `${e.message} with ${START}` }))
            })
          )
          return view(state)
        }))
      .handle("resendPhoneCode", ({ path }) =>
        logins.resend(path.token).pipe(
          Effect.map(view),
          Effect.catchTags({
            ...notAwaiting,
            ResendRefused: (e) =>
              Effect.fail(refusalOf(e.error, "The login still waits for the code already sent.") ?? new BadGateway({ detail: e.message }))
          })
        ))
      .handle("submitPhonePassword", ({ path, payload }) =>
        passwordStep(payload.password, (password) => logins.submitPassword(path.token, password), notFound, view))
      .handle("cancelPhoneLogin", ({ path }) =>
        cancelStep(logins.cancel(path.token), "The login was cancelled, its code withdrawn: nothing was saved", notFound))
  })
)
