/**
 * The Telegram services that import GramJS on first use: calls reach the
 * real adapter (here, its answer when credentials are missing), and a first
 * call cut short while GramJS loads leaves the services usable.
 */
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Exit, Fiber, Layer } from "effect"
import { SessionFilesLive } from "../../../src/adapters/fs/SessionFiles.js"
import { TelegramAdapterConfig } from "../../../src/adapters/telegram/TelegramAdapterConfig.js"
import {
  TelegramGatewayOnFirstUse,
  TelegramLoginOnFirstUse
} from "../../../src/adapters/telegram/TelegramOnFirstUse.js"
import { type SessionName, validateSessionName } from "../../../src/domain/SessionName.js"
import { TelegramGateway, TelegramUnavailable } from "../../../src/ports/TelegramGateway.js"
import { TelegramLogin } from "../../../src/ports/TelegramLogin.js"

const me = Either.getOrThrow(validateSessionName("me")) as SessionName
const MISSING = "TELEGRAM_API_ID is not set"

const services = Layer.unwrapEffect(
  Effect.promise(() => fs.mkdtemp(path.join(os.tmpdir(), "tgsc-lazy-"))).pipe(
    Effect.map((dir) =>
      Layer.merge(TelegramGatewayOnFirstUse, TelegramLoginOnFirstUse).pipe(
        Layer.provide(SessionFilesLive(path.join(dir, "sessions"))),
        Layer.provide(Layer.succeed(TelegramAdapterConfig, { credentials: Either.left(MISSING), floodThresholdSeconds: 0 }))
      )
    )
  )
)

describe("Telegram services loaded on first use", () => {
  it.scoped("answer through the GramJS adapter once loaded", () =>
    Effect.gen(function*() {
      const gateway = yield* TelegramGateway
      const login = yield* TelegramLogin
      expect(yield* Effect.flip(gateway.account(me))).toEqual(new TelegramUnavailable({ reason: MISSING }))
      const loginFailure = yield* Effect.flip(login.qrLogin({
        onQrUrl: () => Effect.void,
        password: () => Effect.never
      }))
      expect(loginFailure).toEqual(new TelegramUnavailable({ reason: MISSING }))
    }).pipe(Effect.provide(services)))

  it.scoped("a first call interrupted while the adapter loads does not break the next ones", () =>
    Effect.gen(function*() {
      const gateway = yield* TelegramGateway
      const first = yield* Effect.fork(gateway.dialogs(me))
      yield* Effect.yieldNow() // the call starts, and waits for the adapter's module
      const interrupted = yield* Fiber.interrupt(first)
      expect(Exit.isInterrupted(interrupted)).toBe(true)
      const [a, b] = yield* Effect.all([Effect.flip(gateway.folders(me)), Effect.flip(gateway.dialogs(me))], {
        concurrency: 2
      })
      expect([a, b]).toEqual([new TelegramUnavailable({ reason: MISSING }), new TelegramUnavailable({ reason: MISSING })])
    }).pipe(Effect.provide(services)))
})
