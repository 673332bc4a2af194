/**
 * Session lifecycle end to end: the real server against the emulator.
 * DELETE /api/v3/sessions/{name} ends the login at Telegram (the emulator's
 * authorization is gone) and removes the file; a forced re-login as another
 * account ends the replaced login and dialog search shows the new account at
 * once; a session file replaced on disk is seen on the next request; a login
 * revoked from another device answers 401 (log in again), keeps its file and
 * cache, and a new login clears it.
 */
import * as fs from "node:fs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { json } from "../support/http.js"
import { jsonInit, sampleScenario } from "../support/QrLoginSteps.js"
import { sessionFilePath } from "../support/ServerProcess.js"
import { parseSse, type SseEvent } from "../support/Sse.js"

const ALICE = 1001
const BOB = 1002
const CAROL = 1003
const CRYPTO_NEWS = -1000000003001
const RUST_DEVS = -1000000003002

/** The sample world, plus an account for Carol (revoked in its own tests, so the others' logins stay) and a long channel history. */
const scenario = () => {
  const s = sampleScenario() as { accounts: Array<unknown>; generate?: Array<unknown> }
  s.accounts.push({ user: CAROL, dialogs: [{ peer: "channel:3002" }, { peer: "channel:3001" }, { peer: "user:1003" }] })
  s.generate = [
    ...(s.generate ?? []),
    { peer: "channel:3002", count: 400, start: "2024-03-01 00:00:00", end: "2025-03-01 00:00:00", seed: 3 }
  ]
  return s
}

let e2e: E2e

beforeAll(async () => {
  e2e = await startE2e({ scenario: scenario() })
})

afterAll(async () => {
  await e2e?.stop()
})

const sessionFile = (name: string) => sessionFilePath(e2e.server.dataDir, name)

/** The emulator's logins in force (Settings > Devices), through its control API. */
const authorizations = async (): Promise<Array<{ id: number; user_id: number; keys: number }>> =>
  ((await (await e2e.control("/authorizations")).json()) as { authorizations: Array<{ id: number; user_id: number; keys: number }> })
    .authorizations

/** Logs `name` in as `userId` and answers the id of the emulator authorization that login made. */
const loginTracked = async (name: string, userId: number, options: { force?: boolean; password?: string } = {}) => {
  const before = new Set((await authorizations()).map((a) => a.id))
  await e2e.login(name, userId, options)
  const made = (await authorizations()).filter((a) => !before.has(a.id) && a.user_id === userId)
  expect(made).toHaveLength(1)
  return made[0]!.id
}

/** Polls until `check` holds (the replaced login is ended in the background), failing after a generous limit. */
const eventually = async (check: () => Promise<boolean>, what: string) => {
  const deadline = Date.now() + 20_000
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const dialogIds = async (session: string) => {
  const res = await e2e.api("/api/v3/search/dialogs?limit=500", { session })
  expect(res.status, await res.clone().text()).toBe(200)
  return ((await json(res)) as { results: Array<{ id: number }> }).results.map((d) => d.id)
}

const messagesIn = (events: ReadonlyArray<SseEvent>) =>
  events.filter((e) => e.event === "message").reduce((n, e) => n + (e.data as { messages: Array<unknown> }).messages.length, 0)

const del = (name: string, init: RequestInit & { session?: string } = {}) =>
  e2e.api(`/api/v3/sessions/${name}`, { method: "DELETE", ...init })

describe("DELETE /api/v3/sessions/{name}", () => {
  it("logs the login out at Telegram, removes the file, and the session is unknown from then on", async () => {
    const authorization = await loginTracked("doomed", ALICE)
    expect(await dialogIds("doomed")).toContain(CRYPTO_NEWS)
    const connected = e2e.emulator.openConnections()
    const res = await del("doomed")
    expect(res.status).toBe(200)
    expect(await json(res)).toEqual({
      status: "deleted",
      username: "doomed",
      telegram: "logged_out",
      message: "Session 'doomed' was logged out at Telegram and deleted"
    })
    expect((await authorizations()).map((a) => a.id)).not.toContain(authorization)
    expect(fs.existsSync(sessionFile("doomed"))).toBe(false)
    // The server's client for it is closed too (not left until its idle timeout).
    await eventually(async () => e2e.emulator.openConnections() < connected, "the session's Telegram connection closed")
    const after = await e2e.api("/api/v3/search/dialogs", { session: "doomed" })
    expect(after.status).toBe(401)
    expect((await json(after)).detail).toMatch(/not logged in/)
    // Gone means gone: a second delete finds nothing.
    const again = await del("doomed")
    expect(again.status).toBe(404)
    expect((await json(again)).detail).toBe("Session 'doomed' not found: there is no saved login by that name")
  })

  it("answers 400 for a malformed name or a header naming another session, and 404 for an unknown one", async () => {
    await e2e.login("keeper", ALICE)
    for (const bad of [".hidden", "-dash", "a%20b", "x".repeat(65), "%C3%A9t%C3%A9"]) {
      const res = await del(bad)
      expect(res.status, bad).toBe(400)
      expect((await json(res)).detail, bad).toMatch(/Invalid session name/)
    }
    const mismatch = await del("keeper", { session: "someone-else" })
    expect(mismatch.status).toBe(400)
    expect((await json(mismatch)).detail).toMatch(/X-Telegram-Username names "someone-else" but the path names 'keeper'/)
    expect(fs.existsSync(sessionFile("keeper"))).toBe(true)
    const unknown = await del("nobody-here")
    expect(unknown.status).toBe(404)
    expect(await json(unknown)).toEqual({ detail: "Session 'nobody-here' not found: there is no saved login by that name" })
    // The header may name the same session.
    const same = await del("keeper", { session: "keeper" })
    expect(same.status).toBe(200)
    expect(fs.existsSync(sessionFile("keeper"))).toBe(false)
  })

  it("still removes the session when Telegram does not confirm the logout, and says so", async () => {
    const authorization = await loginTracked("stubborn", ALICE)
    await e2e.control("/faults", jsonInit({ method: "auth.LogOut", error: "LOGOUT_REFUSED_FOR_TEST" }))
    const res = await del("stubborn")
    expect(res.status).toBe(200)
    const body = await json(res)
    expect(body.telegram).toBe("not_confirmed")
    expect(body.message).toMatch(/deleted here, but Telegram did not confirm the logout \(Telegram answered 400 LOGOUT_REFUSED_FOR_TEST\)/)
    expect(body.message).toMatch(/Settings > Devices/)
    expect(fs.existsSync(sessionFile("stubborn"))).toBe(false)
    // Telegram never ended it: the emulator still lists it.
    expect((await authorizations()).map((a) => a.id)).toContain(authorization)
  })

  it("removes a session whose login was already ended from another device", async () => {
    await e2e.login("carol-gone", CAROL)
    const revoked = await e2e.control("/authorizations/revoke", jsonInit({ user_id: CAROL }))
    expect(await json(revoked)).toEqual({ status: "ok", revoked: 1 })
    const res = await del("carol-gone")
    expect(res.status).toBe(200)
    expect(await json(res)).toMatchObject({ telegram: "already_ended" })
    expect(fs.existsSync(sessionFile("carol-gone"))).toBe(false)
  })

  it("is described in /openapi.json", async () => {
    const spec = await json(await e2e.api("/openapi.json"))
    const op = spec.paths["/api/v3/sessions/{name}"].delete
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["200", "400", "404"]))
    expect(op.parameters.map((p: { name: string }) => p.name)).toContain("name")
  })

  it("removes a session file that holds no usable login", async () => {
    fs.writeFileSync(sessionFile("garbled"), "not a telegram session", { mode: 0o600 })
    const res = await del("garbled")
    expect(res.status).toBe(200)
    expect(await json(res)).toMatchObject({ telegram: "already_ended" })
    expect(fs.existsSync(sessionFile("garbled"))).toBe(false)
  })

  it("cancels a login under way for the name", async () => {
    await e2e.login("relogging", ALICE)
    const started = await e2e.api("/api/v3/auth/qr", jsonInit({ username: "relogging", force: true }))
    const { token } = (await json(started)) as { token: string }
    expect((await del("relogging")).status).toBe(200)
    // The login is gone with the session: nothing will save it again.
    expect((await e2e.api(`/api/v3/auth/qr/${token}`)).status).toBe(404)
    expect(fs.existsSync(sessionFile("relogging"))).toBe(false)
  })
})

describe("GET /api/v3/sessions", () => {
  it("lists the saved sessions by name, in name order, names only; a deleted one leaves the list", async () => {
    await e2e.login("zeta-listed", ALICE)
    await e2e.login("alpha-listed", ALICE)
    const names = async () => {
      const res = await e2e.api("/api/v3/sessions")
      expect(res.status).toBe(200)
      const body = await json(res) as { sessions: Array<Record<string, unknown>> }
      for (const entry of body.sessions) expect(Object.keys(entry)).toEqual(["name"])
      return body.sessions.map((entry) => entry.name as string)
    }
    const listed = await names()
    expect(listed).toEqual(expect.arrayContaining(["alpha-listed", "zeta-listed"]))
    expect(listed).toEqual([...listed].sort((a, b) => a.localeCompare(b)))
    expect(listed.indexOf("alpha-listed")).toBeLessThan(listed.indexOf("zeta-listed"))
    expect((await del("zeta-listed")).status).toBe(200)
    expect(await names()).not.toContain("zeta-listed")
    const spec = await json(await e2e.api("/openapi.json"))
    expect(Object.keys(spec.paths["/api/v3/sessions"].get.responses)).toContain("200")
  })
})

describe("an account switch under one session name", () => {
  it("a forced login as another account ends the replaced login, and dialog search shows the new account at once", async () => {
    const aliceLogin = await loginTracked("switch", ALICE)
    const before = await dialogIds("switch")
    expect(before).toContain(CRYPTO_NEWS) // Alice's; now cached for the dialog-cache TTL (60 s)
    await loginTracked("switch", BOB, { force: true, password: "hunter2" })
    const after = await dialogIds("switch")
    expect(after).not.toContain(CRYPTO_NEWS)
    expect(after).toContain(ALICE) // Bob's private chat with Alice
    await eventually(async () => !(await authorizations()).some((a) => a.id === aliceLogin), "the replaced login ended")
  })

  it("a session file replaced on disk while the server runs is the new account's from the next request", async () => {
    await e2e.login("disk-a", ALICE)
    await e2e.login("disk-b", BOB, { password: "hunter2" })
    expect(await dialogIds("disk-a")).toContain(CRYPTO_NEWS)
    fs.copyFileSync(sessionFile("disk-b"), sessionFile("disk-a"))
    const after = await dialogIds("disk-a")
    expect(after).not.toContain(CRYPTO_NEWS)
    expect(after.sort()).toEqual((await dialogIds("disk-b")).sort())
  })
})

describe("a login revoked from another device", () => {
  it("answers 401 (log in again) mid-stream and then everywhere without asking Telegram, keeps the file, and a new login clears it", async () => {
    await e2e.login("carol", CAROL)
    // Cache the first half of the generated year (ids grow with dates, as on Telegram), so a later full request streams from the cache before asking Telegram.
    const cached = await e2e.api(`/api/v3/history/${RUST_DEVS}?start_date=2024-03-01&end_date=2024-09-01`, { session: "carol" })
    expect(cached.status).toBe(200)
    const cachedCount = messagesIn(parseSse(await cached.text()).events)
    expect(cachedCount).toBeGreaterThan(100)

    expect((await json(await e2e.control("/authorizations/revoke", jsonInit({ user_id: CAROL })))).revoked).toBe(1)

    const res = await e2e.api(`/api/v3/history/${RUST_DEVS}?start_date=2024-03-01`, { session: "carol" })
    expect(res.status).toBe(200) // the cached part went out first
    const { events } = parseSse(await res.text())
    expect(messagesIn(events)).toBe(cachedCount)
    const error = events.find((e) => e.event === "error")
    expect(error?.data).toMatchObject({ status: 401 })
    const detail = (error!.data as { detail: string }).detail
    expect(detail).toMatch(/^Session 'carol' is no longer authorised by Telegram \(AUTH_KEY_UNREGISTERED\): log in again with POST \/api\/v3\/auth\/qr/)

    // Marked: every route answers 401 with the same advice, and Telegram is not asked again.
    e2e.emulator.resetCalls()
    const routes = [
      "/api/v3/search/dialogs",
      "/api/v3/folders",
      "/api/v3/search/messages?q=rust",
      `/api/v3/history/${RUST_DEVS}`,
      "/api/v3/files/00000000-0000-0000-0000-000000000000"
    ]
    for (const route of routes) {
      const answer = await e2e.api(route, { session: "carol" })
      expect(answer.status, route).toBe(401)
      expect((await json(answer)).detail, route).toBe(detail)
    }
    expect(e2e.emulator.calls()).toEqual({})
    expect(fs.existsSync(sessionFile("carol"))).toBe(true)

    // A new login under the name clears the mark.
    await e2e.login("carol", CAROL, { force: true })
    expect(await dialogIds("carol")).toContain(RUST_DEVS)
  })

  it("answers 401 before the stream starts when nothing is cached, on message search, and on a restarted server", async () => {
    await e2e.login("carol2", CAROL)
    expect(await dialogIds("carol2")).toContain(CRYPTO_NEWS)
    await e2e.control("/authorizations/revoke", jsonInit({ user_id: CAROL }))
    const history = await e2e.api(`/api/v3/history/${CRYPTO_NEWS}`, { session: "carol2" })
    expect(history.status).toBe(401)
    expect(history.headers.get("content-type")).toMatch(/application\/json/)
    expect((await json(history)).detail).toMatch(/no longer authorised by Telegram \(AUTH_KEY_UNREGISTERED\): log in again/)

    await e2e.login("carol3", CAROL)
    await e2e.control("/authorizations/revoke", jsonInit({ user_id: CAROL }))
    const search = await e2e.api("/api/v3/search/messages?q=bitcoin", { session: "carol3" })
    expect(search.status).toBe(401)
    expect((await json(search)).detail).toMatch(/log in again/)

    // A server started afresh finds out on its first call too.
    await e2e.restart()
    const dialogs = await e2e.api("/api/v3/search/dialogs", { session: "carol2" })
    expect(dialogs.status).toBe(401)
    expect((await json(dialogs)).detail).toMatch(/log in again/)
    expect(fs.existsSync(sessionFile("carol2"))).toBe(true)
  })
})
