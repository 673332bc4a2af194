/**
 * Named API tokens end to end over /api, tried the way someone getting
 * around them would: the real server (in process) against the emulator
 * with an admin token, tokens made and revoked by the real `tgsc-auth
 * token` while it runs; a token for another session, a scoped token asking
 * for dialogs outside its scope (history, message search, files, dialog
 * search totals, folders), admin-only routes, a revoked token, a tokens.yaml
 * broken while the server runs and at start; and a server without an admin
 * token. The same over /mcp: test/mcp/named-tokens.test.ts.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ALICE, BOB, type McpWorld, startMcpWorld } from "../mcp/McpFixture.js"
import { notPrivate } from "../support/DataDirModes.js"
import { makeTempDir, runServerCommand, sessionFilePath } from "../support/ServerProcess.js"
import { parseSse } from "../support/Sse.js"
import { createToken, tokenCli } from "../support/TokenCli.js"

const ADMIN = "named-tokens-admin-7731"
const CRYPTO = -1000000003001
const BOB_CHAT = 1002
const MISSING_TOKEN = "Missing or wrong API token: send 'Authorization: Bearer <token>' with TGSC_API_TOKEN " +
  "or a token from tgsc-auth token create"

let w: McpWorld
let dataDir: string
let agent: string

beforeAll(async () => {
  w = await startMcpWorld({ env: { TGSC_API_TOKEN: ADMIN }, big: false })
  dataDir = w.server.dataDir
  await w.login(ALICE, 1001)
  await w.login(BOB, 1002, "hunter2")
}, 60_000)

afterAll(async () => {
  await w?.stop()
})

const api = (target: string, token: string, init: RequestInit & { readonly session?: string | null } = {}) => {
  const { session = ALICE, ...rest } = init
  const headers = new Headers(rest.headers)
  headers.set("authorization", `Bearer ${token}`)
  if (session !== null) headers.set("x-telegram-username", session)
  return fetch(w.url + target, { ...rest, headers })
}
const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any })
const calls = async (method: string) =>
  ((await (await fetch(`${w.emulator.control}/calls`)).json()) as Record<string, number>)[method] ?? 0

/** A dialog's history as the admin reads it: its messages. */
const historyOf = async (dialogId: number, token = ADMIN): Promise<Array<any>> => {
  const response = await api(`/api/v3/history/${dialogId}`, token)
  expect(response.status, `history ${dialogId}`).toBe(200)
  return parseSse(await response.text()).events.filter((e) => e.event === "message").flatMap((e) => (e.data as any).messages)
}

describe("a token made by tgsc-auth while the server runs", () => {
  it("works at once, for its sessions only; the file holds its hash only, 0600; list shows neither", async () => {
    agent = await createToken(dataDir, "agent", ["--session", ALICE, "--scope", `dialog:${CRYPTO}`])
    const found = await json(await api("/api/v3/search/dialogs", agent))
    expect(found.status).toBe(200)
    expect(found.body.results.map((r: any) => r.id)).toEqual([CRYPTO])
    // Another session of the same server, a session that does not exist: 403 alike (nothing said about which exist).
    for (const session of [BOB, "mallory"]) {
      const other = await json(await api("/api/v3/search/dialogs", agent, { session }))
      expect(other).toEqual({
        status: 403,
        body: { detail: `The API token 'agent' may not act for session '${session}': it may for '${ALICE}'` }
      })
    }
    const file = path.join(dataDir, "tokens.yaml")
    expect(fs.statSync(file).mode & 0o777).toBe(0o600)
    const text = fs.readFileSync(file, "utf8")
    const hash = createHash("sha256").update(agent).digest("hex")
    expect(text).toContain(hash)
    expect(text).not.toContain(agent)
    expect(text).not.toContain(agent.slice("tgsc_".length))
    expect(notPrivate(dataDir)).toEqual([])
    const list = await tokenCli(dataDir, ["list"])
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(new RegExp(`^NAME +SESSIONS +SCOPE +CREATED\nagent +alice +dialog:${CRYPTO} +\\d{4}-`))
    expect(list.stdout + list.stderr).not.toContain(hash)
    expect(list.stdout + list.stderr).not.toContain(agent)
  })
})

describe("a scoped token over /api", () => {
  it("finds only its dialogs: dialog search results and totals, folders", async () => {
    const everything = await json(await api("/api/v3/search/dialogs?limit=1", ADMIN))
    expect(everything.body.total).toBeGreaterThan(5)
    const scoped = await json(await api("/api/v3/search/dialogs?limit=1", agent))
    expect([scoped.body.total, scoped.body.results.map((r: any) => r.id)]).toEqual([1, [CRYPTO]])
    const rust = await json(await api("/api/v3/search/dialogs?q=Rust%20Devs", agent))
    expect([rust.status, rust.body.total]).toEqual([200, 0])
    expect((await json(await api("/api/v3/folders", agent))).body).toEqual([])

    const work = await createToken(dataDir, "work", ["--session", ALICE, "--scope", "folder:Work"])
    const inWork = await json(await api("/api/v3/search/dialogs?folder=Work&limit=100", ADMIN))
    const workSees = await json(await api("/api/v3/search/dialogs?limit=100", work))
    expect(workSees.body.results.map((r: any) => r.id).sort()).toEqual(inWork.body.results.map((r: any) => r.id).sort())
    expect(workSees.body.total).toBe(inWork.body.total)
    expect(inWork.body.total).toBeGreaterThan(1)
    expect((await json(await api("/api/v3/folders", work))).body).toEqual([{ id: 2, title: "Work", is_default: false }])
  })

  it("gets 404 for history, message search and files outside its scope, as for what does not exist, and Telegram is not asked", async () => {
    const bobPhoto = (await historyOf(BOB_CHAT)).find((m) => m.media_type === "MessageMediaPhoto")!.media_uuid as string
    const cryptoPhoto = (await historyOf(CRYPTO)).find((m) => m.media_type === "MessageMediaPhoto")!.media_uuid as string
    const before = await calls("messages.GetHistory")

    const history = await json(await api(`/api/v3/history/${BOB_CHAT}`, agent))
    expect(history).toEqual({ status: 404, body: { detail: `Dialog ${BOB_CHAT} not found: this account cannot see it` } })
    const inDialog = await json(await api(`/api/v3/search/messages/${BOB_CHAT}?q=e`, agent))
    expect(inDialog).toEqual({ status: 404, body: { detail: `Dialog ${BOB_CHAT} not found: this account cannot see it` } })
    for (const query of ["", "?metadata_only=true"]) {
      const file = await json(await api(`/api/v3/files/${bobPhoto}${query}`, agent))
      expect(file).toEqual({ status: 404, body: { detail: `No media file with id '${bobPhoto}' for this account` } })
    }
    expect(await calls("messages.GetHistory")).toBe(before)

    // Inside the scope, the same routes answer.
    expect((await historyOf(CRYPTO, agent)).length).toBe(4)
    expect((await api(`/api/v3/files/${cryptoPhoto}`, agent)).status).toBe(200)
    expect((await json(await api(`/api/v3/search/messages/${CRYPTO}?q=bitcoin`, agent))).body.total).toBe(1)
  })

  it("sees only its dialogs' hits in a global message search, in the results and the total", async () => {
    const all = await json(await api("/api/v3/search/messages?q=e&limit=100", ADMIN))
    expect(new Set(all.body.results.map((r: any) => r.dialog_id)).size).toBeGreaterThan(1)
    const scoped = await json(await api("/api/v3/search/messages?q=e&limit=100", agent))
    expect(scoped.status).toBe(200)
    expect(scoped.body.results.length).toBeGreaterThan(0)
    expect(new Set(scoped.body.results.map((r: any) => r.dialog_id))).toEqual(new Set([CRYPTO]))
    expect(scoped.body.total).toBe(scoped.body.results.length)
  })

  it("a cache search (source=cache|auto) shows only its dialogs' hits and coverage; naming another is a 404", async () => {
    await historyOf(BOB_CHAT) // the admin caches a dialog outside the agent's scope (CRYPTO's cache is there already)
    const all = await json(await api("/api/v3/search/messages?q=see&source=cache", ADMIN))
    expect(all.body.results.map((r: any) => r.dialog_id)).toContain(BOB_CHAT)
    expect(all.body.coverage.map((c: any) => c.dialog_id).sort()).toEqual([BOB_CHAT, CRYPTO].sort())
    for (const source of ["cache", "auto"]) {
      const scoped = await json(await api(`/api/v3/search/messages?q=see&source=${source}`, agent))
      expect(scoped.status).toBe(200)
      expect(scoped.body.results.filter((r: any) => r.dialog_id !== CRYPTO)).toEqual([])
      expect(scoped.body.coverage.map((c: any) => c.dialog_id)).toEqual([CRYPTO])
      for (const target of [`/api/v3/search/messages/${BOB_CHAT}?q=see&source=${source}`, `/api/v3/search/messages?q=see&source=${source}&dialog_id=${BOB_CHAT}`]) {
        const outside = await json(await api(target, agent))
        expect(outside.status, target).toBe(404)
        expect(outside.body.detail).toMatch(/^Dialog 1002 not found/)
      }
    }
    const bitcoin = await json(await api(`/api/v3/search/messages/${CRYPTO}?q=bitcoin&source=cache`, agent))
    expect(bitcoin.body.results.map((r: any) => r.message_id)).toEqual([1])
  })

  it("a forum outside its scope: its topics, a topic's history and a topic search are 404s, as for an unknown dialog", async () => {
    const FORUM = -1000000003006
    expect((await api(`/api/v3/dialogs/${FORUM}/topics`, ADMIN)).status).toBe(200)
    for (const target of [`/api/v3/dialogs/${FORUM}/topics`, `/api/v3/history/${FORUM}?topic_id=3`, `/api/v3/search/messages/${FORUM}?q=hut&topic_id=3`]) {
      const outside = await json(await api(target, agent))
      expect(outside.status, target).toBe(404)
      expect(outside.body.detail).toMatch(/^Dialog -1000000003006 not found/)
    }
  })
})

describe("admin-only routes", () => {
  it("answer 403 to a named token, even an unscoped one, and nothing changes", async () => {
    const full = await createToken(dataDir, "full", ["--session", ALICE])
    expect((await json(await api("/api/v3/search/dialogs?limit=1", full))).body.total).toBeGreaterThan(5)
    expect((await api("/api/v3/settings", full)).status).toBe(200)
    const settings = fs.readFileSync(path.join(dataDir, "settings.yaml"), "utf8")
    const logins = await calls("auth.ExportLoginToken")
    const detail = "The API token 'full' may not do this: logins, the session list, session deletion and settings changes need the admin token (TGSC_API_TOKEN)"
    const jsonBody = (body: unknown, method = "POST") => ({ method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
    for (
      const [target, init] of [
        ["/api/v3/settings", jsonBody({ download_media: false }, "PATCH")],
        [`/api/v3/sessions/${ALICE}`, { method: "DELETE" }],
        ["/api/v3/sessions", {}],
        ["/api/v3/auth/qr", jsonBody({ username: "mallory" })],
        ["/api/v3/auth/qr", jsonBody({ username: ALICE, force: true })],
        ["/api/v3/auth/qr/some-login-token", {}],
        ["/api/v3/auth/qr/some-login-token", { method: "DELETE" }],
        ["/api/v3/auth/phone", jsonBody({ username: "mallory", phone: "+15550001001" })],
        ["/api/v3/auth/phone/some-login-token", {}],
        ["/api/v3/auth/phone/some-login-token/code", jsonBody({ code: "12345" })],
        ["/api/v3/auth/phone/some-login-token/resend", jsonBody({})],
        ["/api/v3/auth/phone/some-login-token/2fa", jsonBody({ password: "x" })],
        ["/api/v3/auth/phone/some-login-token", { method: "DELETE" }]
      ] as Array<[string, RequestInit]>
    ) {
      expect(await json(await api(target, full, init)), `${init.method ?? "GET"} ${target}`).toEqual({ status: 403, body: { detail } })
    }
    expect(fs.readFileSync(path.join(dataDir, "settings.yaml"), "utf8")).toBe(settings)
    expect(fs.existsSync(sessionFilePath(dataDir, ALICE))).toBe(true)
    expect(await calls("auth.ExportLoginToken")).toBe(logins)
    expect(await calls("auth.SendCode")).toBe(0)
    // The admin token still may.
    expect((await api("/api/v3/settings", ADMIN, jsonBody({ download_media: true }, "PATCH"))).status).toBe(200)
  })
})

describe("revocation", () => {
  it("refuses the token from the next request on, over /api and /mcp", async () => {
    expect((await api("/api/v3/folders", agent)).status).toBe(200)
    const revoked = await tokenCli(dataDir, ["revoke", "agent"])
    expect([revoked.code, revoked.stdout]).toEqual([0, "Token 'agent' revoked: it is refused from the next request on.\n"])
    const refused = await api("/api/v3/folders", agent)
    expect(refused.status).toBe(401)
    expect(refused.headers.get("www-authenticate")).toBe("Bearer")
    expect(await refused.json()).toEqual({ detail: MISSING_TOKEN })
    const mcp = await fetch(`${w.url}/mcp`, {
      method: "POST",
      headers: { authorization: `Bearer ${agent}`, "x-telegram-username": ALICE, "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" })
    })
    expect(mcp.status).toBe(401)
    expect((await tokenCli(dataDir, ["list"])).stdout).not.toMatch(/^agent /m)
  })
})

describe("a tokens.yaml that does not read as tokens", () => {
  it("while the server runs: named tokens are refused (503) until it is fixed; the admin token still works", async () => {
    const full = await createToken(dataDir, "full-2", ["--session", ALICE])
    const file = path.join(dataDir, "tokens.yaml")
    const good = fs.readFileSync(file, "utf8")
    // A hand edit gone wrong: `scope` for `scopes` would make a scoped token unscoped if it were ignored.
    fs.writeFileSync(file, good.replace("scopes:", "scope:"))
    const refused = await json(await api("/api/v3/folders", full))
    expect(refused.status).toBe(503)
    expect(refused.body.detail).toMatch(/^Named API tokens are refused until \{data_dir\}\/tokens\.yaml is fixed: tokens\.0\.scope: unknown field/)
    expect(refused.body.detail).not.toContain(dataDir)
    expect((await api("/api/v3/folders", ADMIN)).status).toBe(200)
    expect(w.server.output()).toMatch(/Invalid tokens file .*tokens\.yaml: tokens\.0\.scope: unknown field/)
    fs.writeFileSync(file, good)
    expect((await api("/api/v3/folders", full)).status).toBe(200)
  })

  it("at start: the server refuses to start, naming the file (exit code 2)", async () => {
    const dir = await makeTempDir()
    fs.writeFileSync(path.join(dir, "tokens.yaml"), "tokens:\n  - name: agent\n    sessions: []\n", { mode: 0o600 })
    const run = await runServerCommand(["--data-dir", dir, "--port", "0"])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain(`tgsc-server: Invalid tokens file ${path.join(dir, "tokens.yaml")}: tokens.0.sha256: is missing`)
    expect(run.stderr).toContain("tokens.0.sessions: expected a non-empty list of session names")
    expect(run.stdout).not.toMatch(/Listening on/)
  })
})

describe("a server without an admin token", () => {
  let open: McpWorld
  beforeAll(async () => {
    open = await startMcpWorld({ big: false })
    await open.login(ALICE, 1001)
  }, 60_000)
  afterAll(async () => {
    await open?.stop()
  })

  it("gives a request without a token everything, a named token its sessions and scope, a wrong or revoked one 401", async () => {
    const get = (target: string, headers: Record<string, string>) =>
      fetch(open.url + target, { headers: { "x-telegram-username": ALICE, ...headers } }).then(json)
    expect((await get("/api/v3/search/dialogs?limit=1", {})).body.total).toBeGreaterThan(5)
    const scoped = await createToken(open.server.dataDir, "scoped", ["--session", ALICE, "--scope", `dialog:${CRYPTO}`])
    const bearer = { authorization: `Bearer ${scoped}` }
    expect((await get("/api/v3/search/dialogs?limit=1", bearer)).body.total).toBe(1)
    expect((await get(`/api/v3/history/${BOB_CHAT}`, bearer)).status).toBe(404)
    expect((await get("/api/v3/search/dialogs", { ...bearer, "x-telegram-username": BOB })).status).toBe(403)
    expect(await get("/api/v3/search/dialogs", { authorization: "Bearer tgsc_not-a-token" })).toEqual({
      status: 401,
      body: { detail: MISSING_TOKEN }
    })
    expect((await tokenCli(open.server.dataDir, ["revoke", "scoped"])).code).toBe(0)
    // Revoked, it is not quietly taken as no token (which would widen it to everything).
    expect((await get("/api/v3/search/dialogs", bearer)).status).toBe(401)
    // Public routes answer whatever token comes with them.
    expect((await fetch(`${open.url}/health`, { headers: bearer })).status).toBe(200)
  })
})
