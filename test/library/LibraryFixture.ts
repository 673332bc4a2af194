/**
 * The library's end-to-end fixture: the emulator in-process with the sample
 * world, a data directory, and a session logged in through the library's
 * own QrLogins (the emulated phone scans the code), with nothing left
 * holding the data directory afterwards.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { Duration, Effect, Either } from "effect"
import { QrLogins, sessionName, type TgscConfig, TgscLive } from "../../src/index.js"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import { World } from "../emulator/World.js"
import { projectRoot } from "../support/ServerProcess.js"

/** test/fixtures/sample.json: accounts 1001 (Alice) and 1002 (Bob, with 2FA), chats, channels, media. */
export const sampleWorld = (): unknown =>
  JSON.parse(fs.readFileSync(path.join(projectRoot, "test/fixtures/sample.json"), "utf8"))

export const API_ID = 12345
export const API_HASH = "0123456789abcdef0123456789abcdef"

export interface LibraryFixture {
  readonly emulator: RunningEmulator
  readonly dataDir: string
  /** The library's configuration for this emulator and data directory. */
  readonly config: TgscConfig
  readonly stop: () => Promise<void>
}

export const startLibraryFixture = async (): Promise<LibraryFixture> => {
  const emulator = await startEmulator({ world: World.fromScenario(sampleWorld()) })
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tgsc-library-"))
  const config: TgscConfig = {
    dataDir,
    telegram: {
      apiId: API_ID,
      apiHash: API_HASH,
      emulator: { dc: emulator.env.TGSC_TELEGRAM_DC, publicKeyPath: emulator.env.TGSC_TELEGRAM_PUBLIC_KEY }
    }
  }
  return {
    emulator,
    dataDir,
    config,
    stop: async () => {
      await emulator.stop()
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  }
}

/** Logs `name` in as account `userId` through QrLogins, the way a program embedding tgsc would. */
export const loginThroughLibrary = (fixture: LibraryFixture, name: string, userId: number): Promise<void> =>
  Effect.gen(function*() {
    const logins = yield* QrLogins
    const started = yield* logins.start(Either.getOrThrow(sessionName(name)), false)
    const scan = yield* Effect.promise(() =>
      fetch(`${fixture.emulator.control}/scan`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ qr_url: started.qrUrl, user_id: userId })
      }).then((r) => r.status)
    )
    if (scan !== 200) return yield* Effect.die(new Error(`the emulator refused the scan: ${scan}`))
    let finished = yield* logins.status(started.token)
    for (let polls = 0; finished.status === "pending" && polls < 600; polls++) {
      yield* Effect.sleep(Duration.millis(50))
      finished = yield* logins.status(started.token)
    }
    if (finished.status !== "success") return yield* Effect.die(new Error(`login ended ${JSON.stringify(finished)}`))
  }).pipe(Effect.provide(TgscLive(fixture.config)), Effect.runPromise)
