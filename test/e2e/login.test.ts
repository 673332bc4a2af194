/**
 * QR login end to end: the real server process, the emulator as Telegram,
 * the phone's scan through the emulator's control API. Every state and
 * transition, 2FA, the QR images, cancel, force, two names at once, the
 * 409/400/404 answers, a restart with saved sessions, a session Telegram no
 * longer accepts, and no secret left in any file or log line.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import QRCode from "qrcode"
import { StringSession } from "telegram/sessions/index.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeTestClient, destroyTestClient } from "../emulator/TestClient.js"
import { type E2e, startE2e } from "../support/E2e.js"
import { makeTempDir, sessionFilePath } from "../support/ServerProcess.js"
import { json } from "../support/http.js"
import {
  jsonInit,
  listFiles,
  loginState,
  mustStart,
  sampleScenario,
  scan,
  startLogin,
  submitPassword,
  waitForLogin
} from "../support/QrLoginSteps.js"

// Distinctive values, so finding them anywhere is meaningful.
const API_ID = "73918264"
const API_HASH = "5e3c2a9f0b7d4e1a8c6f2b9d0e4a7c13"
const PASSWORD = "hunter2"
const WRONG_PASSWORD = "not-the-password-9431"

const ALICE = 1001 // no 2FA, home DC 1
const BOB = 1002 // 2FA "hunter2", home DC 2

let e2e: E2e
/** Holds the data directory, so that a name climbing out of it would land here, where the tests look. */
let root: string
const outputs: Array<() => string> = []

beforeAll(async () => {
  root = await makeTempDir("tgsc-login-")
  fs.mkdirSync(path.join(root, "data"))
  e2e = await startE2e({
    dataDir: path.join(root, "data"),
    // Short-lived QR tokens, so a refresh happens within the test.
    scenario: sampleScenario(3),
    serverArgs: ["--log-level", "debug"],
    serverEnv: { TELEGRAM_API_ID: API_ID, TELEGRAM_API_HASH: API_HASH }
  })
  outputs.push(e2e.server.output)
})

afterAll(async () => {
  await e2e?.stop()
})

const sessionsDir = () => path.join(e2e.server.dataDir, "sessions")
const sessionFile = (name: string) => sessionFilePath(e2e.server.dataDir, name)

const dialogIds = async (session: string): Promise<Array<number>> => {
  const res = await e2e.api("/api/v3/search/dialogs?limit=500", { session })
  // On failure, what the server said and logged (at debug), so that a rare failure can be understood from CI's output.
  if (res.status !== 200) expect.fail(`dialogs of ${session}: ${res.status} ${await res.text()}\n${e2e.server.output().slice(-4000)}`)
  return ((await res.json()) as { results: Array<{ id: number }> }).results.map((d) => d.id).sort((a, b) => a - b)
}

const renderSvg = (url: string) => QRCode.toString(url, { type: "svg", errorCorrectionLevel: "M", margin: 2 })

describe("QR login without 2FA", () => {
  it("pending -> success: the code as URL, SVG and PNG; the session saved (0600, nothing else) only at the end", async () => {
    const started = await mustStart(e2e, "alice")
    expect(started.token).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    expect(started.qr_url).toMatch(/^tg:\/\/login\?token=[A-Za-z0-9_-]+$/)
    expect(started.message).toMatch(/Scan/)

    const pending = await loginState(e2e, started.token)
    expect(pending.status).toBe(200)
    expect(pending.body).toEqual({
      status: "pending",
      username: "alice",
      qr_url: started.qr_url,
      error: null,
      message: expect.any(String)
    })

    const svg = await e2e.api(`/api/v3/auth/qr/${started.token}/qr.svg`)
    expect(svg.status).toBe(200)
    expect(svg.headers.get("content-type")).toMatch(/^image\/svg\+xml/)
    // Exactly the code of the current qr_url.
    expect(await svg.text()).toBe(await renderSvg(started.qr_url))
    const png = await e2e.api(`/api/v3/auth/qr/${started.token}/qr.png`)
    expect(png.status).toBe(200)
    expect(png.headers.get("content-type")).toMatch(/^image\/png/)
    const bytes = new Uint8Array(await png.arrayBuffer())
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

    // Nothing is written before Telegram confirms the login.
    expect(listFiles(sessionsDir())).toEqual([])

    expect(await scan(e2e, started.qr_url, ALICE)).toBe(200)
    const done = await waitForLogin(e2e, started.token, (s) => s?.status !== "pending")
    expect(done).toEqual({ status: "success", username: "alice", qr_url: null, error: null, message: expect.stringMatching(/saved/) })

    expect(listFiles(sessionsDir())).toEqual(["alice.session"])
    expect(fs.statSync(sessionFile("alice")).mode & 0o777).toBe(0o600)
    // A GramJS StringSession, pointing at the account's home DC.
    const saved = new StringSession(fs.readFileSync(sessionFile("alice"), "utf8"))
    expect(saved.dcId).toBe(1)

    // The code is gone once the login is done.
    const after = await e2e.api(`/api/v3/auth/qr/${started.token}/qr.svg`)
    expect(after.status).toBe(404)
    expect((await json(after)).detail).toMatch(/success/)

    expect((await dialogIds("alice")).length).toBeGreaterThan(3)
  })

  it("qr_url is replaced before Telegram's token expires, and the images follow it", async () => {
    const started = await mustStart(e2e, "refresh")
    const seen = [started.qr_url]
    // The scenario's tokens live 3 s: two refreshes within a few seconds.
    await waitForLogin(e2e, started.token, (s) => {
      if (s?.qr_url != null && s.qr_url !== seen.at(-1)) seen.push(s.qr_url)
      return seen.length >= 3 || s?.status !== "pending"
    })
    expect(new Set(seen).size).toBe(3)
    const current = (await loginState(e2e, started.token)).body.qr_url!
    const svg = await e2e.api(`/api/v3/auth/qr/${started.token}/qr.svg`)
    expect(await svg.text()).toBe(await renderSvg(current))
    // The code shown now is one Telegram still accepts.
    expect(await scan(e2e, current, ALICE)).toBe(200)
    expect((await waitForLogin(e2e, started.token, (s) => s?.status !== "pending"))?.status).toBe("success")
  })
})

describe("QR login with 2FA (account on another home DC)", () => {
  it("pending -> password_required -> wrong password (still password_required, with an error) -> success", async () => {
    const started = await mustStart(e2e, "bob")
    // No password is taken before the scan.
    const early = await submitPassword(e2e, started.token, PASSWORD)
    expect(early.status).toBe(409)
    expect(early.body.detail).toMatch(/pending/)

    expect(await scan(e2e, started.qr_url, BOB)).toBe(200)
    const asked = await waitForLogin(e2e, started.token, (s) => s?.status !== "pending")
    expect(asked).toEqual({
      status: "password_required",
      username: "bob",
      qr_url: null,
      error: null,
      message: expect.stringContaining(`/api/v3/auth/qr/${started.token}/2fa`)
    })
    expect((await e2e.api(`/api/v3/auth/qr/${started.token}/qr.png`)).status).toBe(404)

    const empty = await submitPassword(e2e, started.token, "")
    expect(empty.status).toBe(400)
    expect(empty.body.detail).toMatch(/password/)
    const notText = await submitPassword(e2e, started.token, 12345)
    expect(notText.status).toBe(400)

    const wrong = await submitPassword(e2e, started.token, WRONG_PASSWORD)
    expect(wrong.status).toBe(200)
    expect(wrong.body.status).toBe("password_required")
    expect(wrong.body.error).toMatch(/wrong/i)
    expect((await loginState(e2e, started.token)).body.status).toBe("password_required")
    expect(fs.existsSync(sessionFile("bob"))).toBe(false)

    const right = await submitPassword(e2e, started.token, PASSWORD)
    expect(right.status).toBe(200)
    expect(right.body).toMatchObject({ status: "success", error: null, qr_url: null })
    expect(new StringSession(fs.readFileSync(sessionFile("bob"), "utf8")).dcId).toBe(2)
    expect(fs.statSync(sessionFile("bob")).mode & 0o777).toBe(0o600)

    // Done: no more passwords.
    const late = await submitPassword(e2e, started.token, PASSWORD)
    expect(late.status).toBe(409)
    expect(late.body.detail).toMatch(/success/)
    expect(await dialogIds("bob")).toContain(1001)
  })
})

describe("cancel, force, conflicts, two names at once", () => {
  it("cancel abandons a pending login: no file, the token gone, the name free again", async () => {
    const started = await mustStart(e2e, "dave")
    const cancelled = await e2e.api(`/api/v3/auth/qr/${started.token}`, { method: "DELETE" })
    expect(cancelled.status).toBe(200)
    expect(await json(cancelled)).toEqual({ status: "cancelled", message: expect.any(String) })
    const gone = await loginState(e2e, started.token)
    expect(gone.status).toBe(404)
    expect(gone.body.detail).toMatch(/not found/)
    expect((await e2e.api(`/api/v3/auth/qr/${started.token}`, { method: "DELETE" })).status).toBe(404)
    expect((await e2e.api(`/api/v3/auth/qr/${started.token}/qr.svg`)).status).toBe(404)
    // The phone scanning the old code now changes nothing.
    await scan(e2e, started.qr_url, ALICE)
    const again = await mustStart(e2e, "dave")
    expect(again.token).not.toBe(started.token)
    expect(listFiles(sessionsDir()).filter((f) => f.startsWith("dave") || f.includes(".tmp"))).toEqual([])
    expect((await e2e.api(`/api/v3/auth/qr/${again.token}`, { method: "DELETE" })).status).toBe(200)
  })

  it("cancel works while the password is asked for, and a finished login cannot be cancelled", async () => {
    const started = await mustStart(e2e, "erin")
    expect(await scan(e2e, started.qr_url, BOB)).toBe(200)
    await waitForLogin(e2e, started.token, (s) => s?.status === "password_required")
    expect((await e2e.api(`/api/v3/auth/qr/${started.token}`, { method: "DELETE" })).status).toBe(200)
    expect((await submitPassword(e2e, started.token, PASSWORD)).status).toBe(404)
    expect(fs.existsSync(sessionFile("erin"))).toBe(false)

    const other = await mustStart(e2e, "erin")
    await scan(e2e, other.qr_url, ALICE)
    await waitForLogin(e2e, other.token, (s) => s?.status === "success")
    const late = await e2e.api(`/api/v3/auth/qr/${other.token}`, { method: "DELETE" })
    expect(late.status).toBe(409)
    expect((await json(late)).detail).toMatch(/already ended \(success\)/)
    expect(fs.existsSync(sessionFile("erin"))).toBe(true)
  })

  it("409 for an existing session without force, and for a name with a login already pending", async () => {
    await e2e.login("frank", ALICE)
    const exists = await startLogin(e2e, { username: "frank" })
    expect(exists.status).toBe(409)
    expect(exists.body.detail).toMatch(/already exists.*force/)
    const explicit = await startLogin(e2e, { username: "frank", force: false })
    expect(explicit.status).toBe(409)

    const first = await mustStart(e2e, "gina")
    for (const body of [{ username: "gina" }, { username: "gina", force: true }]) {
      const second = await startLogin(e2e, body)
      expect(second.status).toBe(409)
      expect(second.body.detail).toMatch(/already in progress/)
    }
    expect((await e2e.api(`/api/v3/auth/qr/${first.token}`, { method: "DELETE" })).status).toBe(200)
  })

  it("force keeps the old session until the new login succeeds, then the name is the new account", async () => {
    await e2e.login("henry", ALICE)
    const before = fs.readFileSync(sessionFile("henry"), "utf8")
    const aliceDialogs = await dialogIds("henry")

    // A forced login that is abandoned changes nothing.
    const abandoned = await mustStart(e2e, "henry", true)
    expect(fs.readFileSync(sessionFile("henry"), "utf8")).toBe(before)
    expect(await dialogIds("henry")).toEqual(aliceDialogs)
    await e2e.api(`/api/v3/auth/qr/${abandoned.token}`, { method: "DELETE" })
    expect(fs.readFileSync(sessionFile("henry"), "utf8")).toBe(before)

    // One that waits for its password still leaves the old session in place and working.
    const forced = await mustStart(e2e, "henry", true)
    expect(await scan(e2e, forced.qr_url, BOB)).toBe(200)
    await waitForLogin(e2e, forced.token, (s) => s?.status === "password_required")
    await submitPassword(e2e, forced.token, WRONG_PASSWORD)
    expect(fs.readFileSync(sessionFile("henry"), "utf8")).toBe(before)
    expect(await dialogIds("henry")).toEqual(aliceDialogs)

    expect((await submitPassword(e2e, forced.token, PASSWORD)).body.status).toBe("success")
    expect(fs.readFileSync(sessionFile("henry"), "utf8")).not.toBe(before)
    expect(listFiles(sessionsDir()).filter((f) => f.includes("henry"))).toEqual(["henry.session"])
    // The running server now acts as the new account under that name (no stale client or cache).
    expect(await dialogIds("henry")).toEqual(await dialogIds("bob"))
  })

  it("two names log in at once, independently", async () => {
    const [one, two] = await Promise.all([mustStart(e2e, "twin.one"), mustStart(e2e, "twin-two")])
    expect(one.token).not.toBe(two.token)
    expect(one.qr_url).not.toBe(two.qr_url)
    await Promise.all([scan(e2e, two.qr_url, BOB), scan(e2e, one.qr_url, ALICE)])
    expect((await waitForLogin(e2e, one.token, (s) => s?.status !== "pending"))?.status).toBe("success")
    expect((await waitForLogin(e2e, two.token, (s) => s?.status !== "pending"))?.status).toBe("password_required")
    expect((await submitPassword(e2e, two.token, PASSWORD)).body.status).toBe("success")
    expect(await dialogIds("twin.one")).toEqual(await dialogIds("alice"))
    expect(await dialogIds("twin-two")).toEqual(await dialogIds("bob"))
  })
})

describe("Telegram failing during a login", () => {
  const fault = async (method: string, error: string) =>
    expect((await e2e.control("/faults", jsonInit({ method, error }))).status).toBe(200)

  it("refusing at the start is a 502 with Telegram's reason", async () => {
    await fault("auth.ExportLoginToken", "API_ID_INVALID")
    const res = await startLogin(e2e, { username: "refused" })
    expect(res.status).toBe(502)
    expect(res.body.detail).toMatch(/^Failed to connect to Telegram for QR login: Telegram answered 400 API_ID_INVALID/)
    const again = await startLogin(e2e, { username: "refused" }) // nothing left pending
    expect(again.status).toBe(200)
    expect((await e2e.api(`/api/v3/auth/qr/${again.body.token}`, { method: "DELETE" })).status).toBe(200)
  })

  it("pending -> error when refreshing the code fails; the name is free again", async () => {
    const started = await mustStart(e2e, "broken")
    await fault("auth.ExportLoginToken", "API_ID_INVALID") // the next refresh, within the token's 3 s
    const failed = await waitForLogin(e2e, started.token, (s) => s?.status !== "pending")
    expect(failed).toEqual({
      status: "error",
      username: "broken",
      qr_url: null,
      error: expect.stringMatching(/API_ID_INVALID/),
      message: expect.stringMatching(/start again/)
    })
    expect(fs.existsSync(sessionFile("broken"))).toBe(false)
    const again = await mustStart(e2e, "broken")
    await e2e.api(`/api/v3/auth/qr/${again.token}`, { method: "DELETE" })
  })

  it("password_required -> error when Telegram fails the check for another reason than a wrong password", async () => {
    const started = await mustStart(e2e, "broken2fa")
    expect(await scan(e2e, started.qr_url, BOB)).toBe(200)
    await waitForLogin(e2e, started.token, (s) => s?.status === "password_required")
    await fault("auth.CheckPassword", "SRP_PASSWORD_CHANGED")
    const answer = await submitPassword(e2e, started.token, PASSWORD)
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ status: "error", error: expect.stringMatching(/SRP_PASSWORD_CHANGED/) })
    expect(fs.existsSync(sessionFile("broken2fa"))).toBe(false)
  })
})

describe("bad input", () => {
  const badNames = ["../etc/passwd", "..", ".hidden", "-dash", "a/b", "a\\b", "", " ", "x".repeat(65), "naïve", "a b", "%2e%2e"]

  it.each(badNames)("a malformed or path-climbing name %j is 400 with a detail, and touches no file", async (username) => {
    const before = listFiles(root)
    const res = await startLogin(e2e, { username })
    expect(res.status).toBe(400)
    expect(res.body.detail).toMatch(/session name/i)
    expect(listFiles(root)).toEqual(before)
  })

  it("malformed session names in X-Telegram-Username are 400, unknown ones 401", async () => {
    for (const name of ["../alice", "..%2Falice", ".alice", "a/../../b"]) {
      const res = await e2e.api("/api/v3/search/dialogs", { session: name })
      expect(res.status, name).toBe(400)
      expect((await json(res)).detail).toMatch(/session name/i)
    }
    const unknown = await e2e.api("/api/v3/search/dialogs", { session: "nobody" })
    expect(unknown.status).toBe(401)
    expect((await json(unknown)).detail).toMatch(/not logged in/)
  })

  it("bodies that are not a login request are 400; unknown tokens 404", async () => {
    const cases: Array<RequestInit> = [
      { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" },
      jsonInit({}),
      jsonInit({ username: 42 }),
      jsonInit({ username: "ok", force: "yes" }),
      jsonInit(["alice"])
    ]
    for (const init of cases) {
      const res = await e2e.api("/api/v3/auth/qr", init)
      expect(res.status, String(init.body)).toBe(400)
      expect(typeof (await json(res)).detail).toBe("string")
    }
    for (const token of ["nope", "..", "..%2F..%2Fsessions", "a".repeat(300)]) {
      expect((await loginState(e2e, token)).status, token).toBe(404)
      expect((await e2e.api(`/api/v3/auth/qr/${token}/qr.png`)).status, token).toBe(404)
    }
    const pw = await e2e.api("/api/v3/auth/qr/nope/2fa", jsonInit({}))
    expect(pw.status).toBe(400)
  })
})

describe("sessions over time", () => {
  it("a session Telegram no longer accepts answers 401 saying to log in again", async () => {
    // A real auth key the emulator knows but that never logged in: what a revoked session looks like.
    const client = makeTestClient(e2e.emulator)
    await client.connect()
    const unauthorised = client.session.save() as unknown as string
    await destroyTestClient(client)
    fs.writeFileSync(sessionFile("ghost"), unauthorised, { mode: 0o600 })
    const res = await e2e.api("/api/v3/search/dialogs", { session: "ghost" })
    expect(res.status).toBe(401)
    expect((await json(res)).detail).toMatch(/log in again.*"force": true/)
    // Logging it in again with force repairs it.
    await e2e.login("ghost", ALICE, { force: true })
    expect(await dialogIds("ghost")).toEqual(await dialogIds("alice"))
  })

  it("saved sessions survive a restart; logins in progress do not, and leave no file", async () => {
    const aliceBefore = await dialogIds("alice")
    const bobBefore = await dialogIds("bob")
    const pending = await mustStart(e2e, "interrupted")
    await e2e.restart()
    outputs.push(e2e.server.output)
    expect(await dialogIds("alice")).toEqual(aliceBefore)
    expect(await dialogIds("bob")).toEqual(bobBefore)
    expect((await loginState(e2e, pending.token)).status).toBe(404)
    expect(listFiles(sessionsDir()).filter((f) => f.includes("interrupted") || f.includes(".tmp"))).toEqual([])
  })

  it("the API id, API hash and 2FA passwords are in no file under the data dir and in no log line", async () => {
    const secrets = [API_ID, API_HASH, PASSWORD, WRONG_PASSWORD]
    const files = listFiles(e2e.server.dataDir)
    expect(files).toContain("sessions/bob.session")
    for (const file of files) {
      const raw = fs.readFileSync(path.join(e2e.server.dataDir, file))
      const views = [raw.toString("utf8"), raw.toString("latin1")]
      // Session files are base64: look inside too.
      if (file.endsWith(".session")) views.push(Buffer.from(raw.toString("utf8").slice(1), "base64").toString("latin1"))
      for (const view of views) for (const secret of secrets) expect(view.includes(secret), `${secret} in ${file}`).toBe(false)
    }
    const logs = outputs.map((o) => o()).join("\n")
    expect(logs).toMatch(/login succeeded for session bob/) // the logs are really there
    for (const secret of secrets) expect(logs.includes(secret), `${secret} in the logs`).toBe(false)
  })
})
