/**
 * The login errors tell themselves (`message`): the words the HTTP routes
 * and tgsc-auth show, written once in the use cases.
 */
import { describe, expect, it } from "vitest"
import {
  LoginAlreadyFinished,
  LoginAlreadyPending,
  LoginNotFound,
  LoginStartFailed,
  NotAwaitingPassword,
  SessionAlreadyExists,
  TooManyPendingLogins
} from "../../src/app/PendingLogins.js"
import {
  CodeExpired,
  NotAwaitingCode,
  PhoneLoginUnsupported,
  PhoneNumberInvalid,
  ResendRefused,
  TooManyWrongCodes,
  WrongCode
} from "../../src/app/PhoneLogins.js"
import { SessionStoreFailed } from "../../src/ports/SessionStore.js"
import { SettingsPersistFailed } from "../../src/ports/SettingsStore.js"
import { FloodWait, TelegramRpcError, TelegramUnavailable } from "../../src/ports/TelegramGateway.js"

describe("login errors' messages", () => {
  it("PendingLogins", () => {
    expect(new SessionAlreadyExists({ name: "alice" }).message).toBe("Session 'alice' already exists")
    expect(new LoginAlreadyPending({ name: "alice" }).message).toBe("A login for session 'alice' is already in progress")
    expect(new LoginNotFound({ token: "abcdefghijklmnopqrstuvwxyz" }).message).toBe(
      "Login abcdefghijkl... not found: it was cancelled, expired long ago, or never existed"
    )
    expect(new NotAwaitingPassword({ status: "success", reason: "the login is success" }).message).toBe("Cannot take a password now: the login is success")
    expect(new LoginAlreadyFinished({ status: "expired" }).message).toBe("The login already ended (expired): there is nothing to cancel")
    expect(new LoginStartFailed({ kind: "qr", error: new TelegramUnavailable({ reason: "timeout" }) }).message).toBe(
      "Failed to connect to Telegram for QR login: Telegram could not be reached: timeout"
    )
    expect(new LoginStartFailed({ kind: "phone", error: new TelegramRpcError({ code: 500, message: "OOPS", method: "auth.SendCode" }) }).message)
      .toBe("Failed to connect to Telegram for the phone login: Telegram answered 500 OOPS")
    expect(new TooManyPendingLogins({ kind: "qr", maxPending: 2, retryAfterSeconds: 9 }).message).toBe(
      "Too many QR logins pending on this server (at most 2 at once): retry after 9 seconds, or cancel one"
    )
    expect(new TooManyPendingLogins({ kind: "phone", maxPending: 2, retryAfterSeconds: 9 }).message).toBe(
      "Too many logins pending on this server (at most 2 at once): retry after 9 seconds, or cancel one"
    )
  })

  it("PhoneLogins", () => {
    expect(new PhoneNumberInvalid({ reason: "too short" }).message).toBe("too short")
    expect(new PhoneLoginUnsupported().message).toBe("The Telegram adapter in use cannot log in by phone code: use the QR login")
    expect(new NotAwaitingCode({ status: "success", reason: "done" }).message).toBe("Cannot take a code now: done")
    expect(new WrongCode({ attemptsLeft: 1 }).message).toBe("The code is wrong (PHONE_CODE_INVALID): 1 attempt left")
    expect(new WrongCode({ attemptsLeft: 3 }).message).toBe("The code is wrong (PHONE_CODE_INVALID): 3 attempts left")
    expect(new CodeExpired().message).toBe("The code has expired (PHONE_CODE_EXPIRED): ask for a new one")
    expect(new TooManyWrongCodes({ maxAttempts: 5 }).message).toBe(
      "The code is wrong (PHONE_CODE_INVALID) for the 5th time: the login was ended; start a new one"
    )
    expect(new ResendRefused({ error: new FloodWait({ seconds: 30, method: "auth.ResendCode" }) }).message).toBe(
      "Telegram sent no new code: Telegram rate limit on auth.ResendCode: retry after 30 s"
    )
  })

  it("the stores", () => {
    expect(new SessionStoreFailed({ operation: "write session alice", cause: "EACCES" }).message).toBe("Could not write session alice: EACCES")
    expect(new SettingsPersistFailed({ path: "/d/settings.json", cause: "ENOSPC" }).message).toBe("Could not save the settings to /d/settings.json: ENOSPC")
  })
})
