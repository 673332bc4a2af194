/**
 * The phone-code login use case over a scripted TelegramLogin port (the
 * GramJS adapter is tested end to end against the emulator) and real session
 * files: the code step with wrong, expired and resent codes, the cap on wrong
 * codes, 2FA after the code, refusals, cancel, expiry, and the rules it shares
 * with QR logins through one PendingLogins.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Context, Duration, Effect, Either, Layer, Redacted } from "effect"
import { SessionFilesLive } from "../../src/adapters/fs/SessionFiles.js"
import { PendingLogins, QrLoginOptionsTag } from "../../src/app/PendingLogins.js"
import { MAX_WRONG_CODES, PhoneLogins } from "../../src/app/PhoneLogins.js"
import { QrLogins } from "../../src/app/QrLogins.js"
import { AccountId } from "../../src/domain/Ids.js"
import { type SessionName, validateSessionName } from "../../src/domain/SessionName.js"
import { SessionStore } from "../../src/ports/SessionStore.js"
import { FloodWait, TelegramRpcError } from "../../src/ports/TelegramGateway.js"
import { type CodeRetry, TelegramLogin, type TelegramLoginService } from "../../src/ports/TelegramLogin.js"

const name = (s: string) => Either.getOrThrow(validateSessionName(s)) as SessionName
const account = { userId: AccountId(1001), firstName: "Alice", lastName: null, username: "alice" }
const secret = (text: string) => Redacted.make(text)

interface Script {
  readonly password?: string
  /** Numbers given to the port, as it received them. */
  readonly numbers: Array<string>
  /** Set when the login was abandoned before Telegram accepted it (the adapter withdraws the code then). */
  withdrawn: boolean
  /** How many codes given Telegram answers with FLOOD_WAIT_30 (unchecked) before it checks them again. */
  floodWaits?: number
}

/**
 * A Telegram that sends code 11111 by app; a resend sends 22222 by SMS, a
 * second resend is refused; the code "00000" counts as expired. +15550000000
 * is banned. The first `floodWaits` codes given are not checked (FLOOD_WAIT_30).
 */
const scriptedLogin = (script: Script): TelegramLoginService => ({
  logOut: () => Effect.void,
  qrLogin: (callbacks) =>
    Effect.zipRight(callbacks.onQrUrl("tg://login?token=AAA", Math.floor(Date.now() / 1000) + 30), Effect.never),
  phoneLogin: (phone, callbacks) =>
    Effect.gen(function*() {
      script.numbers.push(Redacted.value(phone))
      if (Redacted.value(phone) === "+15550000000") {
        return yield* new TelegramRpcError({ code: 400, message: "PHONE_NUMBER_BANNED", method: "auth.SendCode" })
      }
      let code = "11111"
      let resends = 0
      yield* callbacks.onCodeSent({ type: "app", nextType: "sms", timeout: 60, length: 5 })
      let retry: CodeRetry | null = null
      for (;;) {
        const answer = yield* callbacks.code(retry)
        retry = null
        if (answer._tag === "Resend") {
          if (resends++ > 0) {
            retry = { _tag: "ResendRefused", error: new TelegramRpcError({ code: 400, message: "SEND_CODE_UNAVAILABLE", method: "auth.ResendCode" }) }
            continue
          }
          code = "22222"
          yield* callbacks.onCodeSent({ type: "sms", nextType: null, timeout: null, length: 5 })
          continue
        }
        const given = Redacted.value(answer.code)
        if ((script.floodWaits ?? 0) > 0) {
          script.floodWaits = (script.floodWaits ?? 0) - 1
          retry = { _tag: "CodeRefused", error: new FloodWait({ seconds: 30, method: "auth.SignIn" }) }
        } else if (given === "00000") retry = { _tag: "CodeExpired" }
        else if (given !== code) retry = { _tag: "WrongCode" }
        else break
      }
      if (script.password !== undefined) {
        let previous: string | null = null
        while ((yield* callbacks.password("hint", previous)) !== script.password) previous = "Wrong 2FA password, try again"
      }
      return { session: "1PHONE-SESSION", account }
    }).pipe(Effect.onInterrupt(() => Effect.sync(() => void (script.withdrawn = true))))
})

const setup = (script: Script, loginTimeout = Duration.seconds(300), maxPending = 16) =>
  Effect.gen(function*() {
    const dir = yield* Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-phone-")))
    // One PendingLogins for both ways in, as TgscLive builds them.
    const layer = Layer.mergeAll(PhoneLogins.Default, QrLogins.Default).pipe(
      Layer.provide(PendingLogins.Default),
      Layer.provideMerge(SessionFilesLive(path.join(dir, "sessions"))),
      Layer.provide(Layer.succeed(TelegramLogin, scriptedLogin(script))),
      Layer.provide(Layer.succeed(QrLoginOptionsTag, { loginTimeout, keepFinished: Duration.seconds(60), maxPending }))
    )
    const ctx = yield* Layer.build(layer)
    return {
      dir,
      phone: Context.get(ctx, PhoneLogins),
      qr: Context.get(ctx, QrLogins),
      sessions: Context.get(ctx, SessionStore)
    }
  })

const newScript = (password?: string): Script => ({ numbers: [], withdrawn: false, ...(password === undefined ? {} : { password }) })

const failure = <A, E>(effect: Effect.Effect<A, E>) => Effect.map(Effect.either(effect), (e) => (Either.isLeft(e) ? e.left : undefined))

describe("PhoneLogins", () => {
  it.scopedLive("code_required with the number masked -> a wrong code (attempts left) -> the right one saves the session", () =>
    Effect.gen(function*() {
      const script = newScript()
      const { dir, phone, sessions } = yield* setup(script)
      const started = yield* phone.start(name("alice"), secret("+1 (555) 000-1001"), false)
      expect(started).toMatchObject({ status: "code_required", phone: "+15*******01", codeType: "app", nextType: "sms", timeout: 60 })
      expect(script.numbers).toEqual(["+15550001001"])
      expect(yield* failure(phone.submitCode(started.token, secret("12345")))).toMatchObject({ _tag: "WrongCode", attemptsLeft: 4 })
      expect((yield* phone.status(started.token)).error).toBe("The code was wrong: 4 attempts left")
      expect(yield* sessions.exists(name("alice"))).toBe(false)
      const done = yield* phone.submitCode(started.token, secret(" 11111 "))
      expect(done).toMatchObject({ status: "success", error: null })
      expect(done.account?.userId).toBe(1001)
      expect(yield* Effect.promise(() => fs.readFile(path.join(dir, "sessions", "alice.session"), "utf8"))).toBe("1PHONE-SESSION")
      expect(yield* failure(phone.submitCode(started.token, secret("11111")))).toMatchObject({ _tag: "NotAwaitingCode" })
    }))

  it.scopedLive("resend: a new code by SMS (the old one no longer works); a resend refused keeps the last code; an expired code", () =>
    Effect.gen(function*() {
      const { phone } = yield* setup(newScript())
      const started = yield* phone.start(name("alice"), secret("+15550001001"), false)
      const resent = yield* phone.resend(started.token)
      expect(resent).toMatchObject({ status: "code_required", codeType: "sms", nextType: null, timeout: null, error: null })
      expect(yield* failure(phone.resend(started.token))).toMatchObject({
        _tag: "ResendRefused",
        error: { message: "SEND_CODE_UNAVAILABLE" }
      })
      expect((yield* phone.status(started.token)).error).toMatch(/no other way to send it/)
      expect(yield* failure(phone.submitCode(started.token, secret("00000")))).toMatchObject({ _tag: "CodeExpired" })
      expect(yield* failure(phone.submitCode(started.token, secret("11111")))).toMatchObject({ _tag: "WrongCode", attemptsLeft: 4 })
      expect((yield* phone.submitCode(started.token, secret("22222"))).status).toBe("success")
    }))

  it.scopedLive("FLOOD_WAIT on a code: CodeRefused naming the wait, no wrong code counted, the login still takes the code after", () =>
    Effect.gen(function*() {
      const script: Script = { ...newScript(), floodWaits: 2 }
      const { phone, sessions } = yield* setup(script)
      const started = yield* phone.start(name("alice"), secret("+15550001001"), false)
      for (let i = 0; i < 2; i++) {
        expect(yield* failure(phone.submitCode(started.token, secret("11111")))).toMatchObject({
          _tag: "CodeRefused",
          error: { _tag: "FloodWait", seconds: 30 }
        })
        expect(yield* phone.status(started.token)).toMatchObject({
          status: "code_required",
          wrongCodes: 0,
          checkingCode: false,
          error: "Telegram did not check the code: Telegram rate limit: retry after 30 s; then submit it again"
        })
      }
      expect((yield* phone.submitCode(started.token, secret("11111"))).status).toBe("success")
      expect(yield* sessions.exists(name("alice"))).toBe(true)
    }))

  it.scopedLive("2FA after the code: password_required, a wrong password keeps it with an error, the right one succeeds", () =>
    Effect.gen(function*() {
      const { phone, sessions } = yield* setup(newScript("hunter2"))
      const started = yield* phone.start(name("bob"), secret("+15550001002"), false)
      expect(yield* failure(phone.submitPassword(started.token, "hunter2"))).toMatchObject({ _tag: "NotAwaitingPassword" })
      expect((yield* phone.submitCode(started.token, secret("11111"))).status).toBe("password_required")
      expect(yield* failure(phone.submitCode(started.token, secret("11111")))).toMatchObject({ _tag: "NotAwaitingCode" })
      const wrong = yield* phone.submitPassword(started.token, "nope")
      expect(wrong).toMatchObject({ status: "password_required", error: "Wrong 2FA password, try again" })
      expect((yield* phone.submitPassword(started.token, "hunter2")).status).toBe("success")
      expect(yield* sessions.exists(name("bob"))).toBe(true)
    }))

  it.scopedLive(`${MAX_WRONG_CODES} wrong codes end the login: the code is withdrawn, nothing saved, the name free again`, () =>
    Effect.gen(function*() {
      const script = newScript()
      const { phone, sessions } = yield* setup(script)
      const started = yield* phone.start(name("alice"), secret("+15550001001"), false)
      for (let left = MAX_WRONG_CODES - 1; left > 0; left--) {
        expect(yield* failure(phone.submitCode(started.token, secret("99999")))).toMatchObject({ _tag: "WrongCode", attemptsLeft: left })
      }
      expect(yield* failure(phone.submitCode(started.token, secret("99999")))).toMatchObject({ _tag: "TooManyWrongCodes", maxAttempts: 5 })
      const ended = yield* phone.status(started.token)
      expect(ended).toMatchObject({ status: "error", error: "5 wrong codes: the login was ended; start a new one" })
      yield* Effect.sleep(Duration.millis(20))
      expect(script.withdrawn).toBe(true)
      expect(yield* sessions.exists(name("alice"))).toBe(false)
      expect((yield* phone.start(name("alice"), secret("+15550001001"), false)).status).toBe("code_required")
    }))

  it.scopedLive("refusals: a malformed number (Telegram not asked), Telegram's refusal of the number, an existing session", () =>
    Effect.gen(function*() {
      const script = newScript()
      const { phone, sessions } = yield* setup(script)
      for (const bad of ["", "12345", "+1 555 abc 1001", "+1234567890123456"]) {
        expect(yield* failure(phone.start(name("alice"), secret(bad), false))).toMatchObject({ _tag: "PhoneNumberInvalid" })
      }
      expect(script.numbers).toEqual([])
      expect(yield* failure(phone.start(name("alice"), secret("+15550000000"), false))).toMatchObject({
        _tag: "LoginStartFailed",
        error: { _tag: "TelegramRpcError", message: "PHONE_NUMBER_BANNED" }
      })
      yield* sessions.save(name("carol"), "OLD")
      expect(yield* failure(phone.start(name("carol"), secret("+15550001003"), false))).toMatchObject({ _tag: "SessionAlreadyExists" })
      // force keeps the old session until the new login succeeds.
      const forced = yield* phone.start(name("carol"), secret("+15550001003"), true)
      expect(yield* sessions.load(name("carol"))).toMatchObject({ value: "OLD" })
      yield* phone.submitCode(forced.token, secret("11111"))
      expect(yield* sessions.load(name("carol"))).toMatchObject({ value: "1PHONE-SESSION" })
    }))

  it.scopedLive("one login per name and one cap across QR and phone logins; tokens of one kind are unknown to the other", () =>
    Effect.gen(function*() {
      const { phone, qr } = yield* setup(newScript(), Duration.seconds(300), 2)
      const byPhone = yield* phone.start(name("alice"), secret("+15550001001"), false)
      expect(yield* failure(qr.start(name("alice"), false))).toMatchObject({ _tag: "LoginAlreadyPending" })
      const byQr = yield* qr.start(name("bob"), false)
      expect(yield* failure(phone.start(name("carol"), secret("+15550001003"), false))).toMatchObject({
        _tag: "TooManyPendingLogins",
        maxPending: 2
      })
      expect(yield* failure(qr.status(byPhone.token))).toMatchObject({ _tag: "LoginNotFound" })
      expect(yield* failure(phone.status(byQr.token))).toMatchObject({ _tag: "LoginNotFound" })
      expect(yield* failure(qr.cancel(byPhone.token))).toMatchObject({ _tag: "LoginNotFound" })
      // Deleting a session cancels its login whichever way it logs in.
      yield* qr.cancelFor(name("alice"))
      expect(yield* failure(phone.status(byPhone.token))).toMatchObject({ _tag: "LoginNotFound" })
      expect((yield* phone.start(name("carol"), secret("+15550001003"), false)).status).toBe("code_required")
    }))

  it.scopedLive("cancel withdraws the code and forgets the login; a login expires after loginTimeout", () =>
    Effect.gen(function*() {
      const script = newScript()
      const { phone } = yield* setup(script, Duration.millis(300))
      const started = yield* phone.start(name("alice"), secret("+15550001001"), false)
      yield* phone.cancel(started.token)
      expect(script.withdrawn).toBe(true)
      expect(yield* failure(phone.status(started.token))).toMatchObject({ _tag: "LoginNotFound" })
      const again = yield* phone.start(name("alice"), secret("+15550001001"), false)
      yield* Effect.sleep(Duration.millis(400))
      expect((yield* phone.status(again.token)).status).toBe("expired")
      expect(yield* failure(phone.submitCode(again.token, secret("11111")))).toMatchObject({ _tag: "NotAwaitingCode" })
    }))
})
