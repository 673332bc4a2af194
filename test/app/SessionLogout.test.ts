/**
 * The session lifecycle use cases over fakes at the Telegram ports and real
 * session files: SessionLogout (every outcome of Telegram's logout, the file
 * and in-memory state dropped, a login under way cancelled), a forced QR
 * login ending the login it replaced, SessionRevocations (marked on
 * Telegram's refusal, not asked again, cleared by a new login) and the
 * account cache following the saved login.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Duration, Effect, Either, Fiber, Layer, Option, TestClock } from "effect"
import { SessionFilesLive } from "../../src/adapters/fs/SessionFiles.js"
import { AccountCache, AccountCacheLive } from "../../src/app/AccountCache.js"
import { QrLogins, QrLoginsLive } from "../../src/app/QrLogins.js"
import { SessionLogout, SessionLogoutLive } from "../../src/app/SessionLogout.js"
import { RevocationGuardedGatewayLive, SessionRevocationsLive } from "../../src/app/SessionRevocations.js"
import { LOGOUT_TIMEOUT } from "../../src/app/TelegramLogout.js"
import type { DialogRecord } from "../../src/domain/Dialog.js"
import { type SessionName, validateSessionName } from "../../src/domain/SessionName.js"
import { SessionStore } from "../../src/ports/SessionStore.js"
import {
  SessionRevoked,
  TelegramGateway,
  type TelegramError,
  type TelegramGatewayService,
  TelegramUnavailable
} from "../../src/ports/TelegramGateway.js"
import { TelegramLogin, type TelegramLoginService } from "../../src/ports/TelegramLogin.js"
import { AccountId } from "../../src/domain/Ids.js"

const name = (s: string) => Either.getOrThrow(validateSessionName(s)) as SessionName

/** A Telegram whose logout answers `logOut`, and whose dialog list is named after the saved login in use. */
const fakeTelegram = (logOut: (saved: string) => Effect.Effect<void, TelegramError>) => {
  const state = {
    loggedOut: [] as Array<string>,
    forgotten: [] as Array<string>,
    dialogCalls: 0,
    /** What the next dialogs call fails with, if anything. */
    dialogsFail: null as TelegramError | null,
    qrScanned: null as Deferred.Deferred<void> | null
  }
  const login: TelegramLoginService = {
    logOut: (saved) => Effect.zipRight(Effect.sync(() => state.loggedOut.push(saved)), logOut(saved)),
    qrLogin: (callbacks) =>
      Effect.gen(function*() {
        yield* callbacks.onQrUrl("tg://login?token=AAA", Math.floor(Date.now() / 1000) + 30)
        yield* Deferred.await(state.qrScanned!)
        return { session: "NEW-LOGIN", account: { userId: AccountId(1002), firstName: "Bob", lastName: null, username: null } }
      })
  }
  const unused = () => Effect.dieMessage("unused")
  const gateway = (sessions: SessionStore["Type"]): TelegramGatewayService => ({
    account: unused,
    clockOffset: unused,
    folders: unused,
    messageCount: unused,
    messagesByIds: unused,
    participantsCount: unused,
    history: unused,
    thread: unused,
    replies: unused,
    topics: unused,
    search: unused,
    searchGlobal: unused,
    download: () => {
      throw new Error("unused")
    },
    forget: (session) => Effect.sync(() => void state.forgotten.push(session)),
    dialogs: (session) =>
      Effect.gen(function*() {
        state.dialogCalls++
        if (state.dialogsFail !== null) return yield* state.dialogsFail
        const saved = Option.getOrElse(yield* Effect.orDie(sessions.load(session)), () => "none")
        return [{ title: `dialogs of ${saved}` } as unknown as DialogRecord]
      })
  })
  return { state, login, gateway }
}

/** Every use case of the lifecycle over real session files in a temp dir and the fake Telegram. */
const build = (logOut: (saved: string) => Effect.Effect<void, TelegramError> = () => Effect.void) =>
  Effect.gen(function*() {
    const dir = yield* Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-logout-")))
    const fake = fakeTelegram(logOut)
    const ports = Layer.mergeAll(
      SessionFilesLive(path.join(dir, "sessions")),
      Layer.succeed(TelegramLogin, fake.login)
    )
    const gateway = Layer.effect(TelegramGateway, Effect.map(SessionStore, fake.gateway))
    const useCases = Layer.mergeAll(QrLoginsLive, AccountCacheLive).pipe(Layer.provide(RevocationGuardedGatewayLive))
    const layer = SessionLogoutLive.pipe(
      Layer.provideMerge(useCases),
      Layer.provideMerge(SessionRevocationsLive),
      Layer.provideMerge(gateway),
      Layer.provideMerge(ports)
    )
    const ctx = yield* Layer.build(layer)
    const get = <I, S>(tag: { key: string } & Effect.Effect<S, never, I>) => ctx.unsafeMap.get(tag.key) as S
    return {
      dir,
      fake,
      sessions: get(SessionStore),
      logout: get(SessionLogout),
      cache: get(AccountCache),
      logins: get(QrLogins)
    }
  })

const file = (dir: string, n: string) => path.join(dir, "sessions", `${n}.session`)
const exists = (p: string) => Effect.promise(() => fs.access(p).then(() => true, () => false))

describe("SessionLogout", () => {
  it.scopedLive("ends the login at Telegram, then removes the file, the client and the cached dialogs", () =>
    Effect.gen(function*() {
      const { cache, dir, fake, logout, sessions } = yield* build()
      yield* sessions.save(name("alice"), "ALICE-LOGIN")
      yield* cache.dialogs(name("alice"))
      const deleted = yield* logout.logOut(name("alice"))
      expect(deleted).toEqual({ name: "alice", telegram: { _tag: "LoggedOut" } })
      expect(fake.state.loggedOut).toEqual(["ALICE-LOGIN"])
      expect(fake.state.forgotten).toEqual(["alice"])
      expect(yield* exists(file(dir, "alice"))).toBe(false)
      // The cache was dropped: a login saved again under the name is asked about afresh.
      yield* sessions.save(name("alice"), "OTHER")
      const before = fake.state.dialogCalls
      expect((yield* cache.dialogs(name("alice")))[0]!.title).toBe("dialogs of OTHER")
      expect(fake.state.dialogCalls).toBe(before + 1)
    }))

  it.scopedLive("an unknown session is SessionNotFound, and Telegram is not asked", () =>
    Effect.gen(function*() {
      const { fake, logout } = yield* build()
      const result = yield* Effect.either(logout.logOut(name("nobody")))
      expect(Either.isLeft(result) && result.left._tag).toBe("SessionNotFound")
      expect(fake.state.loggedOut).toEqual([])
    }))

  it.scopedLive("a login Telegram had already ended, or one it cannot confirm, is still removed here, and the outcome says so", () =>
    Effect.gen(function*() {
      const { dir, logout, sessions } = yield* build((saved) =>
        saved === "REVOKED"
          ? Effect.fail(new SessionRevoked({ session: "(logout)", reason: "AUTH_KEY_UNREGISTERED" }))
          : Effect.fail(new TelegramUnavailable({ reason: "connection refused" }))
      )
      yield* sessions.save(name("a"), "REVOKED")
      yield* sessions.save(name("b"), "UNREACHABLE")
      expect((yield* logout.logOut(name("a"))).telegram).toEqual({ _tag: "AlreadyEnded", reason: "AUTH_KEY_UNREGISTERED" })
      expect((yield* logout.logOut(name("b"))).telegram).toEqual({
        _tag: "NotConfirmed",
        reason: "Telegram could not be reached: connection refused"
      })
      expect(yield* exists(file(dir, "a"))).toBe(false)
      expect(yield* exists(file(dir, "b"))).toBe(false)
    }))

  it.scoped("a Telegram that never answers is given up after LOGOUT_TIMEOUT", () =>
    Effect.gen(function*() {
      const { dir, fake, logout, sessions } = yield* build(() => Effect.never)
      yield* sessions.save(name("slow"), "SLOW")
      const fiber = yield* Effect.fork(logout.logOut(name("slow")))
      // Reading the session file is real I/O: wait (in real time) until Telegram has been asked.
      while (fake.state.loggedOut.length === 0) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
      yield* Effect.repeatN(Effect.yieldNow(), 20)
      yield* TestClock.adjust(LOGOUT_TIMEOUT)
      const deleted = yield* Fiber.join(fiber)
      expect(deleted.telegram._tag).toBe("NotConfirmed")
      expect(yield* exists(file(dir, "slow"))).toBe(false)
    }))

  it.scopedLive("cancels a login under way for the name, so nothing saves it again", () =>
    Effect.gen(function*() {
      const { dir, fake, logins, logout, sessions } = yield* build()
      fake.state.qrScanned = yield* Deferred.make<void>()
      yield* sessions.save(name("alice"), "ALICE-LOGIN")
      const started = yield* logins.start(name("alice"), true)
      yield* logout.logOut(name("alice"))
      expect(Either.isLeft(yield* Effect.either(logins.status(started.token)))).toBe(true)
      yield* Deferred.succeed(fake.state.qrScanned, undefined)
      yield* Effect.sleep(Duration.millis(50))
      expect(yield* exists(file(dir, "alice"))).toBe(false)
    }))
})

describe("a forced QR login", () => {
  it.scopedLive("ends the login it replaced at Telegram once the new one is saved, and the cache follows the new login", () =>
    Effect.gen(function*() {
      const { cache, fake, logins, sessions } = yield* build()
      fake.state.qrScanned = yield* Deferred.make<void>()
      yield* sessions.save(name("alice"), "OLD-LOGIN")
      expect((yield* cache.dialogs(name("alice")))[0]!.title).toBe("dialogs of OLD-LOGIN")
      yield* logins.start(name("alice"), true)
      expect(fake.state.loggedOut).toEqual([])
      yield* Deferred.succeed(fake.state.qrScanned, undefined)
      while (fake.state.loggedOut.length === 0) yield* Effect.sleep(Duration.millis(10))
      expect(fake.state.loggedOut).toEqual(["OLD-LOGIN"])
      expect(yield* sessions.load(name("alice"))).toEqual(Option.some("NEW-LOGIN"))
      expect((yield* cache.dialogs(name("alice")))[0]!.title).toBe("dialogs of NEW-LOGIN")
    }))
})

describe("SessionRevocations", () => {
  it.scopedLive("marks a session Telegram refuses, answers for it without asking again, and a new login clears the mark", () =>
    Effect.gen(function*() {
      const { cache, fake, sessions } = yield* build()
      yield* sessions.save(name("carol"), "CAROL-LOGIN")
      fake.state.dialogsFail = new SessionRevoked({ session: "carol", reason: "AUTH_KEY_UNREGISTERED" })
      const first = yield* Effect.either(cache.dialogs(name("carol")))
      expect(Either.isLeft(first) && first.left._tag).toBe("SessionRevoked")
      expect(fake.state.dialogCalls).toBe(1)
      fake.state.dialogsFail = null
      const second = yield* Effect.either(cache.dialogs(name("carol")))
      expect(Either.isLeft(second) && second.left).toEqual(new SessionRevoked({ session: "carol", reason: "AUTH_KEY_UNREGISTERED" }))
      expect(fake.state.dialogCalls).toBe(1) // not asked again
      yield* sessions.save(name("carol"), "CAROL-AGAIN")
      expect((yield* cache.dialogs(name("carol")))[0]!.title).toBe("dialogs of CAROL-AGAIN")
    }))

  it.scopedLive("marks nothing when there is no saved login (a deleted session), nor for other failures", () =>
    Effect.gen(function*() {
      const { cache, fake, sessions } = yield* build()
      fake.state.dialogsFail = new SessionRevoked({ session: "ghost", reason: "no saved session" })
      yield* Effect.either(cache.dialogs(name("ghost")))
      yield* sessions.save(name("dora"), "DORA")
      fake.state.dialogsFail = new TelegramUnavailable({ reason: "down" })
      yield* Effect.either(cache.dialogs(name("dora")))
      fake.state.dialogsFail = null
      yield* sessions.save(name("ghost"), "GHOST")
      expect((yield* cache.dialogs(name("ghost")))[0]!.title).toBe("dialogs of GHOST")
      expect((yield* cache.dialogs(name("dora")))[0]!.title).toBe("dialogs of DORA")
    }))
})
