/**
 * The session lifecycle from the command line, end to end: the real
 * tgsc-auth and tgsc-server against the emulator. `tgsc-auth --force` as
 * another account while the server runs ends the replaced login at Telegram
 * and the server serves the new account at once; `tgsc-auth logout` refuses
 * while the server holds the data directory, and otherwise logs out and
 * deletes like DELETE /api/v3/sessions/{name}.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e, TEST_API_HASH, TEST_API_ID } from "../support/E2e.js"
import { json } from "../support/http.js"
import { jsonInit, sampleScenario } from "../support/QrLoginSteps.js"
import { cleanEnv, commandArgs, projectRoot, sessionFilePath } from "../support/ServerProcess.js"

const ALICE = 1001
const BOB = 1002
const CRYPTO_NEWS = -1000000003001

let e2e: E2e

beforeAll(async () => {
  e2e = await startE2e({ scenario: sampleScenario() })
})

afterAll(async () => {
  await e2e?.stop()
})

interface Cli {
  readonly stdout: () => string
  readonly stderr: () => string
  readonly write: (line: string) => void
  readonly exited: Promise<number | null>
}

const runCli = (args: ReadonlyArray<string>): Cli => {
  const child = spawn(process.execPath, [...commandArgs("tgsc-auth"), ...args, "--data-dir", e2e.server.dataDir], {
    cwd: projectRoot,
    env: cleanEnv({ ...e2e.emulator.env, TELEGRAM_API_ID: TEST_API_ID, TELEGRAM_API_HASH: TEST_API_HASH })
  })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (d) => (stdout += d))
  child.stderr.on("data", (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  return { stdout: () => stdout, stderr: () => stderr, write: (line) => child.stdin.write(line), exited }
}

/** Polls until `pattern` shows on the CLI's stdout, failing after a generous limit. */
const waitFor = async (cli: Cli, pattern: RegExp) => {
  const deadline = Date.now() + 30_000
  for (;;) {
    const match = pattern.exec(cli.stdout())
    if (match !== null) return match
    if (Date.now() > deadline) throw new Error(`tgsc-auth never printed ${pattern}:\n${cli.stdout()}\n${cli.stderr()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const sessionFile = (name: string) => sessionFilePath(e2e.server.dataDir, name)

const authorizations = async (): Promise<Array<{ id: number; user_id: number }>> =>
  (await json(await e2e.control("/authorizations"))).authorizations

const dialogIds = async (session: string) => {
  const res = await e2e.api("/api/v3/search/dialogs?limit=500", { session })
  expect(res.status).toBe(200)
  return ((await json(res)) as { results: Array<{ id: number }> }).results.map((d) => d.id)
}

describe("tgsc-auth and the session lifecycle", () => {
  it("--force as another account while the server runs: the replaced login ends, the server serves the new account at once", async () => {
    const before = new Set((await authorizations()).map((a) => a.id))
    await e2e.login("cli-switch", ALICE)
    const aliceLogin = (await authorizations()).find((a) => !before.has(a.id))!.id
    expect(await dialogIds("cli-switch")).toContain(CRYPTO_NEWS)

    const cli = runCli(["cli-switch", "--force"])
    const [, url] = await waitFor(cli, /qr_url: (tg:\/\/login\?token=[A-Za-z0-9_-]+)/)
    expect((await e2e.control("/scan", jsonInit({ qr_url: url, user_id: BOB }))).status).toBe(200)
    await waitFor(cli, /password \(hint: [^)]*\): $/)
    cli.write("hunter2\n")
    expect(await cli.exited).toBe(0)
    expect(cli.stdout()).toMatch(/Logged in as Bob Builder; session 'cli-switch' saved[\s\S]*The replaced login was logged out at Telegram\./)
    expect((await authorizations()).map((a) => a.id)).not.toContain(aliceLogin)

    const after = await dialogIds("cli-switch")
    expect(after).not.toContain(CRYPTO_NEWS)
    expect(after).toContain(ALICE)
  })

  it("logout refuses while the server holds the data directory, then logs out and deletes once it is stopped", async () => {
    const before = new Set((await authorizations()).map((a) => a.id))
    await e2e.login("cli-gone", ALICE)
    const login = (await authorizations()).find((a) => !before.has(a.id))!.id

    const refused = runCli(["logout", "cli-gone"])
    expect(await refused.exited).toBe(1)
    expect(refused.stderr()).toMatch(/is in use by a running tgsc server: delete the session through it, e\.g\. curl -X DELETE http:\/\/localhost:8000\/api\/v3\/sessions\/cli-gone/)
    expect(fs.existsSync(sessionFile("cli-gone"))).toBe(true)

    await e2e.server.stop()
    const done = runCli(["logout", "cli-gone"])
    expect(await done.exited).toBe(0)
    expect(done.stdout()).toMatch(/Session 'cli-gone' logged out at Telegram and deleted\./)
    expect(fs.existsSync(sessionFile("cli-gone"))).toBe(false)
    expect((await authorizations()).map((a) => a.id)).not.toContain(login)

    const unknown = runCli(["logout", "cli-gone"])
    const malformed = runCli(["logout", "../up"])
    expect(await unknown.exited).toBe(1)
    expect(unknown.stderr()).toMatch(/no session 'cli-gone' in /)
    expect(await malformed.exited).toBe(2)
    expect(malformed.stderr()).toMatch(/Invalid session name/)

    await e2e.restart()
    const res = await e2e.api("/api/v3/search/dialogs", { session: "cli-gone" })
    expect(res.status).toBe(401)
  })
})
