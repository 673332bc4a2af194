/**
 * The update log over SQLite: a log written by an earlier release
 * (test/fixtures/release-updates) is migrated and keeps its state and
 * events; a channel's newest message id told is kept across a reopen.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { UpdateLogLive } from "../../../src/adapters/sqlite/UpdateLogLive.js"
import { AccountId, DialogId } from "../../../src/domain/Ids.js"
import { UpdateLog } from "../../../src/ports/UpdateLog.js"
import { makeTempDir, projectRoot } from "../../support/ServerProcess.js"

const ACCOUNT = AccountId(1001)
const CHANNEL = DialogId(-1000000003001)

const withLog = <A, E>(accountsDir: string, use: (log: UpdateLog["Type"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.provide(Effect.flatMap(UpdateLog, use), UpdateLogLive({ accountsDir })))

let dir: string | null = null
afterEach(() => {
  if (dir !== null) fs.rmSync(dir, { recursive: true, force: true })
  dir = null
})

describe("UpdateLogLive", () => {
  it("migrates a log written by an earlier release, keeping its state and events", async () => {
    dir = await makeTempDir("tgsc-update-log-")
    const accounts = path.join(dir, "accounts")
    fs.mkdirSync(path.join(accounts, "1001"), { recursive: true })
    fs.copyFileSync(path.join(projectRoot, "test/fixtures/release-updates/updates.db"), path.join(accounts, "1001/updates.db"))
    const state = await withLog(accounts, (log) => log.state(ACCOUNT))
    expect(state?.common).toEqual({ pts: 5, qts: 0, date: 1_700_000_000, seq: 0 })
    expect(state?.chain).toBe("c0")
    expect([...state!.channels]).toEqual([[CHANNEL, { pts: 7, chain: "c1", top: 0 }]])
    expect((await withLog(accounts, (log) => log.read(ACCOUNT, 0, 10))).map((e) => [e.id, e.kind, e.dialogId])).toEqual([
      [1, "new_message", CHANNEL]
    ])
    // The next commit writes the newest message id, and the next event id follows the old ones.
    const logged = await withLog(accounts, (log) =>
      log.commit(ACCOUNT, [{ kind: "new_message", dialogId: CHANNEL, data: "{}" }], {
        channels: [{ channelId: CHANNEL, position: { pts: 8, chain: "c1", top: 42 } }]
      }))
    expect(logged.map((e) => e.id)).toEqual([2])
    const again = await withLog(accounts, (log) => log.state(ACCOUNT))
    expect(again?.channels.get(CHANNEL)).toEqual({ pts: 8, chain: "c1", top: 42 })
  })
})
