/**
 * The phone-code login use case: Telegram sends a code to the number (in
 * the Telegram app where the account is logged in, by SMS, by a call); the
 * person gives it here, or asks for another one, then the 2FA password if
 * the account has one. Wrong codes are counted: after MAX_WRONG_CODES the
 * login ends. What every login shares (the token, the pending cap, expiry,
 * saving with `force`, cancelling) is PendingLogins'; with a shared one, a
 * name has one login at most, QR or phone.
 *
 * The number and the codes are secrets here: held Redacted, never logged;
 * the state and the log show the number masked.
 */
import { Data, Deferred, Effect, Either, Option, Queue, Redacted, Stream, SubscriptionRef } from "effect"
import { maskPhoneNumber, parsePhoneNumber } from "../domain/PhoneNumber.js"
import type { SessionName } from "../domain/SessionName.js"
import { describeTelegramError, type FloodWait, type TelegramError } from "../ports/TelegramGateway.js"
import { type CodeAnswer, type CodeDelivery, type CodeRetry, TelegramLogin } from "../ports/TelegramLogin.js"
import { isTerminal, type LoginStateBase, sharedOrOwnPendingLogins, VERDICT_TIMEOUT } from "./PendingLogins.js"

export type PhoneLoginStatus = "code_required" | "password_required" | "success" | "expired" | "error"

export interface PhoneLoginState extends LoginStateBase {
  readonly status: PhoneLoginStatus
  /** The number, masked: `+44*******23`. */
  readonly phone: string
  /** How the code in force was sent; null until Telegram sent one. */
  readonly codeType: CodeDelivery | null
  /** How a resend would send the next one; null when there is no other way. */
  readonly nextType: CodeDelivery | null
  /** Seconds Telegram asked to wait before a resend. */
  readonly timeout: number | null
  /** Wrong codes given so far; at MAX_WRONG_CODES the login ends. */
  readonly wrongCodes: number
  /** How many times the code was asked for again: each is Telegram's verdict on the last answer (a wrong code, ...). */
  readonly codePrompts: number
  /** Codes Telegram sent: a new one is the verdict on a resend. */
  readonly sentCodes: number
  /** Why the code was last asked for again, if it was. */
  readonly lastRetry: CodeRetry | null
  /** A code or a resend is with Telegram now. */
  readonly checkingCode: boolean
}

/** A login ends after this many wrong codes (Telegram itself would soon answer with a long FLOOD_WAIT). */
export const MAX_WRONG_CODES = 5

/** The number given is not one (checked before Telegram is asked). */
export class PhoneNumberInvalid extends Data.TaggedError("PhoneNumberInvalid")<{ readonly reason: string }> {
  override get message() {
    return this.reason
  }
}
/** The adapter in use cannot log in by phone code. */
export class PhoneLoginUnsupported extends Data.TaggedError("PhoneLoginUnsupported")<{}> {
  override get message() {
    return "The Telegram adapter in use cannot log in by phone code: use the QR login"
  }
}
export class NotAwaitingCode extends Data.TaggedError("NotAwaitingCode")<{ readonly status: PhoneLoginStatus; readonly reason: string }> {
  override get message() {
    return `Cannot take a code now: ${this.reason}`
  }
}
/** The code was wrong; the login still waits for the right one. */
export class WrongCode extends Data.TaggedError("WrongCode")<{ readonly attemptsLeft: number }> {
  override get message() {
    return `The code is wrong (PHONE_CODE_INVALID): ${this.attemptsLeft} attempt${this.attemptsLeft === 1 ? "" : "s"} left`
  }
}
/** The code expired (or was replaced): a resend is needed. */
export class CodeExpired extends Data.TaggedError("CodeExpired")<{}> {
  override get message() {
    return "The code has expired (PHONE_CODE_EXPIRED): ask for a new one"
  }
}
/** The last allowed code was wrong too: the login has ended. */
export class TooManyWrongCodes extends Data.TaggedError("TooManyWrongCodes")<{ readonly maxAttempts: number }> {
  override get message() {
    return `The code is wrong (PHONE_CODE_INVALID) for the ${this.maxAttempts}th time: the login was ended; start a new one`
  }
}
/** Telegram refused to send another code; the one sent before still stands. */
export class ResendRefused extends Data.TaggedError("ResendRefused")<{ readonly error: TelegramError }> {
  override get message() {
    return `Telegram sent no new code: ${describeTelegramError(this.error)}`
  }
}
/** Telegram did not check the code (a rate limit): the login still waits for it, to be given again after the wait. */
export class CodeRefused extends Data.TaggedError("CodeRefused")<{ readonly error: FloodWait }> {
  override get message() {
    return `Telegram did not check the code: ${describeTelegramError(this.error)}`
  }
}

const MESSAGES = {
  code_required: "Telegram sent a login code: submit it (or ask for another one)",
  wrong: (left: number) => `The code was wrong: ${left} attempt${left === 1 ? "" : "s"} left`,
  expired: "The code has expired: ask Telegram for a new one (resend)",
  tooMany: `${MAX_WRONG_CODES} wrong codes: the login was ended; start a new one`
} as const

const makePhoneLogins = Effect.gen(function*() {
  const login = yield* TelegramLogin
  const pending = yield* sharedOrOwnPendingLogins
  /** The answers to the code prompt of each login, by token. */
  const answers = new Map<string, Queue.Queue<CodeAnswer>>()

  const start = (name: SessionName, phoneText: Redacted.Redacted<string>, force: boolean) =>
    Effect.gen(function*() {
      const phone = yield* Either.mapLeft(parsePhoneNumber(Redacted.value(phoneText)), (reason) => new PhoneNumberInvalid({ reason }))
      const phoneLogin = login.phoneLogin
      if (phoneLogin === undefined) return yield* new PhoneLoginUnsupported()
      const masked = maskPhoneNumber(phone)
      const codes = yield* Queue.unbounded<CodeAnswer>()
      const state = yield* pending.start<PhoneLoginState>({
        kind: "phone",
        name,
        force,
        initial: (token) => ({
          token,
          username: name,
          status: "code_required",
          phone: masked,
          codeType: null,
          nextType: null,
          timeout: null,
          error: null,
          message: MESSAGES.code_required,
          account: null,
          passwordPrompts: 0,
          checkingPassword: false,
          wrongCodes: 0,
          codePrompts: 0,
          sentCodes: 0,
          lastRetry: null,
          checkingCode: false
        }),
        flow: (entry, first) =>
          Effect.acquireRelease(Effect.sync(() => answers.set(entry.token, codes)), () => Effect.sync(() => answers.delete(entry.token))).pipe(
            Effect.zipRight(phoneLogin(Redacted.make(phone), {
              onCodeSent: (sent) =>
                SubscriptionRef.update(entry.state, (s) => ({
                  ...s,
                  status: "code_required" as const,
                  codeType: sent.type,
                  nextType: sent.nextType,
                  timeout: sent.timeout,
                  sentCodes: s.sentCodes + 1,
                  // A new code is the verdict on a resend.
                  checkingCode: false,
                  lastRetry: null,
                  error: null,
                  message: MESSAGES.code_required
                })).pipe(
                  Effect.zipRight(Effect.logInfo(`login code for session ${name} sent to ${masked} (${sent.type})`)),
                  Effect.zipRight(Deferred.succeed(first, undefined))
                ),
              code: (retry) =>
                // The first prompt (and the one after a new code) is no verdict: an answer may already be queued for it.
                retry === null ? Queue.take(codes) : SubscriptionRef.updateAndGet(entry.state, (s) => {
                  const wrongCodes = s.wrongCodes + (retry._tag === "WrongCode" ? 1 : 0)
                  return {
                    ...s,
                    wrongCodes,
                    codePrompts: s.codePrompts + 1,
                    lastRetry: retry,
                    checkingCode: false,
                    error: retry._tag === "WrongCode"
                      ? MESSAGES.wrong(MAX_WRONG_CODES - wrongCodes)
                      : retry._tag === "CodeExpired"
                      ? MESSAGES.expired
                      : retry._tag === "CodeRefused"
                      ? `Telegram did not check the code: ${describeRefusal(retry.error)}; then submit it again`
                      : `Telegram sent no new code: ${describeRefusal(retry.error)}`
                  }
                }).pipe(
                  Effect.flatMap((s) =>
                    s.wrongCodes >= MAX_WRONG_CODES
                      ? Effect.zipRight(pending.abandon(entry, MESSAGES.tooMany), Effect.never)
                      : Queue.take(codes)
                  )
                ),
              password: pending.passwordPrompt(entry)
            }))
          ),
        noFirstAnswer: "Telegram sent no login code in time"
      })
      return state
    })

  /** Hands an answer to the login waiting for a code, and waits for Telegram's verdict on it. */
  const answer = (token: string, give: CodeAnswer) =>
    Effect.gen(function*() {
      const entry = yield* pending.find<PhoneLoginState>(token, "phone")
      const what = give._tag === "Code" ? "a code" : "a new code"
      const taken = yield* SubscriptionRef.modify(entry.state, (s): [Either.Either<PhoneLoginState, NotAwaitingCode>, PhoneLoginState] =>
        s.status !== "code_required"
          ? [Either.left(new NotAwaitingCode({ status: s.status, reason: `the login is ${s.status}, not waiting for ${what}` })), s]
          : s.checkingCode
          ? [Either.left(new NotAwaitingCode({ status: s.status, reason: "a code or a resend is already with Telegram" })), s]
          : [Either.right(s), { ...s, checkingCode: true }]
      )
      const before = yield* taken
      const codes = answers.get(token)
      if (codes === undefined) return yield* new NotAwaitingCode({ status: before.status, reason: "the login is ending" })
      yield* Queue.offer(codes, give)
      // Telegram's verdict: the code asked for again (with why), a new code sent, the password step, or the end.
      return yield* entry.state.changes.pipe(
        Stream.filter((s) =>
          isTerminal(s.status) || s.status === "password_required" || s.codePrompts > before.codePrompts ||
          s.sentCodes > before.sentCodes
        ),
        Stream.runHead,
        Effect.map(Option.getOrElse(() => before)),
        Effect.timeout(VERDICT_TIMEOUT),
        Effect.orElse(() => SubscriptionRef.get(entry.state))
      )
    })

  const submitCode = (token: string, code: Redacted.Redacted<string>) =>
    // As typed or pasted: "12 345" is 12345.
    Effect.flatMap(answer(token, { _tag: "Code", code: Redacted.make(Redacted.value(code).replace(/\s+/g, "")) }), (s): Effect.Effect<PhoneLoginState, TooManyWrongCodes | WrongCode | CodeExpired | CodeRefused> => {
      // Checked first: the last wrong code's verdict may arrive just before the login is marked ended.
      if (s.wrongCodes >= MAX_WRONG_CODES) return Effect.fail(new TooManyWrongCodes({ maxAttempts: MAX_WRONG_CODES }))
      if (s.status !== "code_required" || s.checkingCode) return Effect.succeed(s)
      switch (s.lastRetry?._tag) {
        case "WrongCode":
          return Effect.fail(new WrongCode({ attemptsLeft: MAX_WRONG_CODES - s.wrongCodes }))
        case "CodeExpired":
          return Effect.fail(new CodeExpired())
        case "CodeRefused":
          return Effect.fail(new CodeRefused({ error: s.lastRetry.error }))
        default:
          return Effect.succeed(s)
      }
    })

  const resend = (token: string) =>
    Effect.flatMap(answer(token, { _tag: "Resend" }), (s) =>
      s.status === "code_required" && s.lastRetry?._tag === "ResendRefused"
        ? Effect.fail(new ResendRefused({ error: s.lastRetry.error }))
        : Effect.succeed(s))

  // The steps a person takes, each a span of its own (Effect's tracer: a no-op unless the program installs one).
  return {
    /** Sends the code; answers once Telegram sent it (the number itself is never logged or kept whole). */
    start: (name: SessionName, phone: Redacted.Redacted<string>, force: boolean) =>
      Effect.withSpan(start(name, phone, force), "PhoneLogins.start"),
    status: (token: string) => Effect.withSpan(pending.status<PhoneLoginState>(token, "phone"), "PhoneLogins.status"),
    submitCode: (token: string, code: Redacted.Redacted<string>) => Effect.withSpan(submitCode(token, code), "PhoneLogins.submitCode"),
    resend: (token: string) => Effect.withSpan(resend(token), "PhoneLogins.resend"),
    submitPassword: (token: string, password: string) =>
      Effect.withSpan(pending.submitPassword<PhoneLoginState>(token, "phone", password), "PhoneLogins.submitPassword"),
    /** Abandons a login still waiting for a code or a password (the code is withdrawn at Telegram); a finished one cannot be undone. */
    cancel: (token: string) => Effect.withSpan(pending.cancel(token, "phone"), "PhoneLogins.cancel"),
    cancelFor: pending.cancelFor
  } as const
})

/** Why Telegram refused a code or a resend, for the login's state. */
const describeRefusal = (error: TelegramError): string =>
  error._tag === "FloodWait"
    ? `Telegram rate limit: retry after ${error.seconds} s`
    : error._tag === "TelegramRpcError" && error.message === "SEND_CODE_UNAVAILABLE"
    ? "there is no other way to send it (SEND_CODE_UNAVAILABLE): use the code already sent"
    : error._tag === "TelegramRpcError"
    ? error.message
    : error._tag === "TelegramUnavailable"
    ? error.reason
    : error._tag

/** Phone-code logins with 2FA; needs QrLoginOptionsTag (or takes the defaults), shares the PendingLogins in its context if any. */
export class PhoneLogins extends Effect.Service<PhoneLogins>()("app/PhoneLogins", { scoped: makePhoneLogins }) {}
