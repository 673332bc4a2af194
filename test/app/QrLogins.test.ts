/**
 * The QR login use case over a scripted TelegramLogin port (the adapter is
 * tested end to end against the emulator elsewhere) and real session files.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Context, Deferred, Duration, Effect, Either, Fiber, Layer, Option, TestClock } from "effect"
import { SessionFilesLive } from "../../src/adapters/fs/SessionFiles.js"
import { QrLoginOptionsTag, QrLogins, QrLoginsLive } from "../../src/app/QrLogins.js"
import { type SessionName, validateSessionName } from "../../src/domain/SessionName.js"
import { SessionStore } from "../../src/ports/SessionStore.js"
import { TelegramUnavailable } from "../../src/ports/TelegramGateway.js"
import { TelegramLogin, type TelegramLoginService } from "../../src/ports/TelegramLogin.js"
import { AccountId } from "../../src/domain/Ids.js"

const name = (s: string) => Either.getOrThrow(validateSessionName(s)) as SessionName
const account = { userId: AccountId(1001), firstName: "Alice", lastName: null, username: "alice" }

/** A Telegram that shows one code, then waits for the test to "scan" it. */
const scriptedLogin = (script: {
  readonly scanned: Deferred.Deferred<void>
  readonly password?: string
  readonly failConnect?: boolean
  /** The saved logins ended at Telegram, in order. */
  readonly loggedOut?: Array<string>
  /** What the login saves (default "1SESSION-STRING"). */
  readonly session?: string
}): TelegramLoginService => ({
  logOut: (saved) => Effect.sync(() => void script.loggedOut?.push(saved)),
  qrLogin: (callbacks) =>
    Effect.gen(function*() {
      if (script.failConnect) return yield* new TelegramUnavailable({ reason: "connection refused" })
      yield* callbacks.onQrUrl("tg://login?token=AAA", Math.floor(Date.now() / 1000) + 30)
      yield* Deferred.await(script.scanned)
      if (script.password !== undefined) {
        let previous: string | null = null
        for (;;) {
          const given = yield* callbacks.password("hint", previous)
          if (given === script.password) break
          previous = "Wrong 2FA password, try again"
        }
      }
      return { session: script.session ?? "1SESSION-STRING", account }
    })
})

/** `loginTimeout` "default": no options given, so the product defaults apply. */
const setup = (script: Parameters<typeof scriptedLogin>[0], loginTimeout: Duration.Duration | "default" = Duration.seconds(300)) =>
  Effect.gen(function*() {
    const dir = yield* Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-qr-")))
    const base = QrLoginsLive.pipe(
      Layer.provideMerge(SessionFilesLive(path.join(dir, "sessions"))),
      Layer.provide(Layer.succeed(TelegramLogin, scriptedLogin(script)))
    )
    const layer = loginTimeout === "default"
      ? base
      : base.pipe(Layer.provide(Layer.succeed(QrLoginOptionsTag, { loginTimeout, keepFinished: Duration.seconds(60) })))
    return { dir, layer }
  })

/** Lets forked fibers run after the TestClock moved. */
const settle = Effect.repeatN(Effect.yieldNow(), 20)

describe("QrLogins", () => {
  it.scopedLive("pending -> success saves the session (mode 0600) only at the end", () =>
    Effect.gen(function*() {
      const scanned = yield* Deferred.make<void>()
      const { dir, layer } = yield* setup({ scanned })
      const ctx = yield* Layer.build(layer)
      const logins = Context.get(ctx, QrLogins)
      const sessions = ctx.unsafeMap.get(SessionStore.key) as SessionStore["Type"]
      const started = yield* logins.start(name("alice"), false)
      expect(started.status).toBe("pending")
      expect(started.qrUrl).toBe("tg://login?token=AAA")
      expect(yield* sessions.exists(name("alice"))).toBe(false)
      yield* Deferred.succeed(scanned, undefined)
      yield* Effect.sleep(Duration.millis(50))
      const done = yield* logins.status(started.token)
      expect(done.status).toBe("success")
      expect(done.account?.userId).toBe(1001)
      const file = path.join(dir, "sessions", "alice.session")
      expect(yield* Effect.promise(() => fs.readFile(file, "utf8"))).toBe("1SESSION-STRING")
      expect((yield* Effect.promise(() => fs.stat(file))).mode & 0o777).toBe(0o600)
    }))

  it.scopedLive("2FA: a wrong password keeps password_required with an error, the right one succeeds", () =>
    Effect.gen(function*() {
      const scanned = yield* Deferred.make<void>()
      const { layer } = yield* setup({ scanned, password: "hunter2" })
      const logins = yield* Effect.provide(QrLogins, layer)
      const ctx = yield* Layer.build(layer)
      const l = ctx.unsafeMap.get(QrLogins.key) as typeof logins
      const started = yield* l.start(name("bob"), false)
      yield* Deferred.succeed(scanned, undefined)
      yield* Effect.sleep(Duration.millis(50))
      expect((yield* l.status(started.token)).status).toBe("password_required")
      const wrong = yield* l.submitPassword(started.token, "nope")
      expect(wrong.status).toBe("password_required")
      expect(wrong.error).toMatch(/Wrong 2FA password/)
      const right = yield* l.submitPassword(started.token, "hunter2")
      expect(right.status).toBe("success")
      expect(right.error).toBeNull()
      const again = yield* Effect.either(l.submitPassword(started.token, "hunter2"))
      expect(Either.isLeft(again) && again.left._tag).toBe("NotAwaitingPassword")
    }))

  it.scopedLive("409-worthy cases: an existing session without force, a login already pending for the name", () =>
    Effect.gen(function*() {
      const scanned = yield* Deferred.make<void>()
      const { layer } = yield* setup({ scanned })
      const ctx = yield* Layer.build(layer)
      const l = Context.get(ctx, QrLogins)
      const sessions = ctx.unsafeMap.get(SessionStore.key) as SessionStore["Type"]
      yield* sessions.save(name("carol"), "OLD")
      const exists = yield* Effect.either(l.start(name("carol"), false))
      expect(Either.isLeft(exists) && exists.left._tag).toBe("SessionAlreadyExists")
      const forced = yield* l.start(name("carol"), true)
      // force keeps the old session until the new login succeeds
      expect(yield* sessions.load(name("carol"))).toEqual(Option.some("OLD"))
      const pending = yield* Effect.either(l.start(name("carol"), true))
      expect(Either.isLeft(pending) && pending.left._tag).toBe("LoginAlreadyPending")
      // two names at once are fine
      const other = yield* l.start(name("dave"), false)
      expect(other.token).not.toBe(forced.token)
      yield* Deferred.succeed(scanned, undefined)
      yield* Effect.sleep(Duration.millis(50))
      expect(yield* sessions.load(name("carol"))).toEqual(Option.some("1SESSION-STRING"))
    }))

  it.scopedLive("cancel abandons the login: no file, the token is gone", () =>
    Effect.gen(function*() {
      const scanned = yield* Deferred.make<void>()
      const { dir, layer } = yield* setup({ scanned })
      const ctx = yield* Layer.build(layer)
      const l = Context.get(ctx, QrLogins)
      const started = yield* l.start(name("erin"), false)
      yield* l.cancel(started.token)
      const gone = yield* Effect.either(l.status(started.token))
      expect(Either.isLeft(gone) && gone.left._tag).toBe("LoginNotFound")
      yield* Deferred.succeed(scanned, undefined)
      yield* Effect.sleep(Duration.millis(50))
      expect(yield* Effect.promise(() => fs.readdir(path.join(dir, "sessions")))).toEqual([])
    }))

  it.scopedLive("the whole login expires", () =>
    Effect.gen(function*() {
      const scanned = yield* Deferred.make<void>()
      const { layer } = yield* setup({ scanned }, Duration.millis(200))
      const ctx = yield* Layer.build(layer)
      const l = Context.get(ctx, QrLogins)
      const started = yield* l.start(name("frank"), false)
      yield* Effect.sleep(Duration.millis(400))
      const state = yield* l.status(started.token)
      expect(state.status).toBe("expired")
      expect(state.qrUrl === null || state.status === "expired").toBe(true)
    }))

  it.scopedLive("Telegram unreachable at start is a start failure, and nothing is left behind", () =>
    Effect.gen(function*() {
      const scanned = yield* Deferred.make<void>()
      const { layer } = yield* setup({ scanned, failConnect: true })
      const ctx = yield* Layer.build(layer)
      const l = Context.get(ctx, QrLogins)
      const result = yield* Effect.either(l.start(name("gina"), false))
      expect(Either.isLeft(result) && result.left._tag).toBe("LoginStartFailed")
      // the name is free again
      const again = yield* Effect.either(l.start(name("gina"), false))
      expect(Either.isLeft(again) && again.left._tag).toBe("LoginStartFailed")
    }))

  it.scoped("by default a login expires after 300 s and its end stays readable at least 60 s", () =>
    Effect.gen(function*() {
      const scanned = yield* Deferred.make<void>()
      const { dir, layer } = yield* setup({ scanned }, "default")
      const ctx = yield* Layer.build(layer)
      const l = Context.get(ctx, QrLogins)
      const started = yield* l.start(name("hank"), false)
      yield* TestClock.adjust(Duration.seconds(299))
      yield* settle
      expect((yield* l.status(started.token)).status).toBe("pending")
      yield* TestClock.adjust(Duration.seconds(1))
      yield* settle
      const expired = yield* l.status(started.token)
      expect(expired.status).toBe("expired")
      expect(expired.error).toBeNull()
      yield* TestClock.adjust(Duration.seconds(60))
      yield* settle
      expect((yield* l.status(started.token)).status).toBe("expired")
      yield* TestClock.adjust(Duration.seconds(60))
      yield* settle
      const gone = yield* Effect.either(l.status(started.token))
      expect(Either.isLeft(gone) && gone.left._tag).toBe("LoginNotFound")
      expect(yield* Effect.promise(() => fs.readdir(path.join(dir, "sessions")))).toEqual([])
    }))

  it.scoped("a success stays readable at least 60 s, and cannot be cancelled", () =>
    Effect.gen(function*() {
      const scanned = yield* Deferred.make<void>()
      const { layer } = yield* setup({ scanned }, "default")
      const ctx = yield* Layer.build(layer)
      const l = Context.get(ctx, QrLogins)
      const started = yield* l.start(name("ivy"), false)
      yield* Deferred.succeed(scanned, undefined)
      // The session file is written for real: wait (in real time, bounded) for the login to record it.
      for (let i = 0; i < 250 && (yield* l.status(started.token)).status !== "success"; i++) {
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 20)))
        yield* settle
      }
      expect((yield* l.status(started.token)).status).toBe("success")
      const cancel = yield* Effect.either(l.cancel(started.token))
      expect(Either.isLeft(cancel) && cancel.left).toMatchObject({ _tag: "LoginAlreadyFinished", status: "success" })
      yield* TestClock.adjust(Duration.seconds(60))
      yield* settle
      expect((yield* l.status(started.token)).status).toBe("success")
    }))

  it.scopedLive("a start whose caller goes away before the first code abandons the login and frees the name", () =>
    Effect.gen(function*() {
      const dir = yield* Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-qr-")))
      const connecting = yield* Deferred.make<void>()
      const released = yield* Deferred.make<void>()
      const slow: TelegramLoginService = {
        logOut: () => Effect.void,
        qrLogin: () =>
          Effect.acquireRelease(Deferred.succeed(connecting, undefined), () => Deferred.succeed(released, undefined)).pipe(
            Effect.zipRight(Effect.never)
          )
      }
      const layer = QrLoginsLive.pipe(
        Layer.provideMerge(SessionFilesLive(path.join(dir, "sessions"))),
        Layer.provide(Layer.succeed(TelegramLogin, slow))
      )
      const ctx = yield* Layer.build(layer)
      const l = Context.get(ctx, QrLogins)
      const caller = yield* Effect.fork(l.start(name("jack"), false))
      yield* Deferred.await(connecting)
      yield* Fiber.interrupt(caller)
      yield* Deferred.await(released) // the login's scope (its Telegram client) was closed
      // The name is free again: a new start is not refused as "already pending".
      const again = yield* Effect.fork(l.start(name("jack"), false))
      yield* Effect.sleep(Duration.millis(20))
      expect(again.unsafePoll()).toBeNull()
      yield* Fiber.interrupt(again)
    }))

  it.scopedLive("two passwords sent at once: one is checked, the other refused", () =>
    Effect.gen(function*() {
      const scanned = yield* Deferred.make<void>()
      const { layer } = yield* setup({ scanned, password: "hunter2" })
      const ctx = yield* Layer.build(layer)
      const l = Context.get(ctx, QrLogins)
      const started = yield* l.start(name("kate"), false)
      yield* Deferred.succeed(scanned, undefined)
      yield* Effect.sleep(Duration.millis(50))
      const [a, b] = yield* Effect.all(
        [Effect.either(l.submitPassword(started.token, "wrong")), Effect.either(l.submitPassword(started.token, "wrong"))],
        { concurrency: 2 }
      )
      const refused = [a, b].filter(Either.isLeft)
      expect(refused).toHaveLength(1)
      expect(refused[0]!.left).toMatchObject({ _tag: "NotAwaitingPassword", reason: "a password is already being checked" })
      const checked = [a, b].find(Either.isRight)!.right
      expect(checked.status).toBe("password_required")
      expect(checked.error).toMatch(/Wrong 2FA password/)
      expect((yield* l.submitPassword(started.token, "hunter2")).status).toBe("success")
    }))

  it.scoped("at most maxPending logins wait at once; the refusal says when the oldest expires; ending one frees its place", () =>
    Effect.gen(function*() {
      const scanned = yield* Deferred.make<void>()
      const dir = yield* Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-qr-cap-")))
      const layer = QrLoginsLive.pipe(
        Layer.provideMerge(SessionFilesLive(path.join(dir, "sessions"))),
        Layer.provide(Layer.succeed(TelegramLogin, scriptedLogin({ scanned }))),
        Layer.provide(Layer.succeed(QrLoginOptionsTag, {
          loginTimeout: Duration.seconds(300),
          keepFinished: Duration.seconds(60),
          maxPending: 2
        }))
      )
      const ctx = yield* Layer.build(layer)
      const l = Context.get(ctx, QrLogins)
      const first = yield* l.start(name("one"), false)
      yield* TestClock.adjust(Duration.seconds(100))
      yield* l.start(name("two"), false)
      const refused = yield* Effect.either(l.start(name("three"), false))
      expect(Either.isLeft(refused) && refused.left).toMatchObject({ _tag: "TooManyPendingLogins", maxPending: 2, retryAfterSeconds: 200 })
      // The per-name rule still comes first: a second login for a pending name is LoginAlreadyPending.
      const again = yield* Effect.either(l.start(name("one"), false))
      expect(Either.isLeft(again) && again.left._tag).toBe("LoginAlreadyPending")
      yield* l.cancel(first.token)
      const third = yield* l.start(name("three"), false)
      expect(third.status).toBe("pending")
      // Finished logins do not count: once both are scanned, two more may start.
      yield* Deferred.succeed(scanned, undefined)
      yield* settle
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
      yield* settle
      yield* l.start(name("four"), false)
      yield* l.start(name("five"), false)
    }))
})
