/**
 * No cross-site writes, safe headers, private logs and errors, end to end:
 * the real server against the emulator, requests written by hand (a browser's
 * Origin header, form bodies) over a socket.
 *
 * - a state-changing request from another origin (or `Origin: null`) is a
 *   403, a form, text/plain, multipart or untyped body a 415, on the QR
 *   and phone login, code, resend, 2FA, cancel and settings endpoints:
 *   nothing started, sent, changed or cancelled; the same requests from the
 *   server's own origin work;
 * - every response says nosniff; /login cannot be framed and runs only its
 *   own inline script; an HTML or SVG file from a chat is served as an
 *   attachment of bytes in a sandbox, never as a page;
 * - the request log never shows a QR or phone login token; a 404 for a file missing
 *   on disk does not reveal where the data lives.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs/promises"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { type RawResponse, rawRequest, requestHead } from "../support/RawHttp.js"
import { callCount, history, marked, messagesOf, resetCalls } from "./HistoryExpect.js"

const CHANNEL = "channel:3001"
const doc = (id: number, fileName: string, mimeType: string) => ({
  peer: CHANNEL,
  id,
  date: `2024-01-0${id} 10:00:00`,
  text: fileName,
  media: { type: "document", kind: "file", file_name: fileName, mime_type: mimeType, size: 2000 + id }
})

const SCENARIO = {
  users: [{ id: 1001, first_name: "Alice", username: "alice", phone: "15550001001" }],
  channels: [{ id: 3001, title: "Files", creator: 1001, participants_count: 1, date: "2023-01-01 00:00:00" }],
  accounts: [{ user: 1001, dialogs: [{ peer: CHANNEL }] }],
  // Ids 4-8: none that the emulator's realistic mode hides from the account (Realism.ts `shownInHistory`), so
  // every file is readable there too.
  messages: [
    doc(4, "page.html", "text/html"),
    doc(5, "drawing.svg", "image/svg+xml"),
    doc(6, "feed.xml", "application/xml"),
    doc(7, "notes.txt", "text/plain"),
    { peer: CHANNEL, id: 8, date: "2024-01-08 10:00:00", text: "photo", media: { type: "photo", size: 3000 } }
  ]
}

const EXPORT_LOGIN_TOKEN = "auth.ExportLoginToken"
const PHONE = "+15550001001"
/** What a phone login asks Telegram for: none of it may happen for a refused request. */
const PHONE_CALLS = ["auth.SendCode", "auth.ResendCode", "auth.SignIn", "auth.CancelCode"]
const EVIL = "https://evil.example"

let e2e: E2e
/** QR login tokens seen during the test: none may appear in the server's log. */
const seenTokens: Array<string> = []

beforeAll(async () => {
  e2e = await startE2e({ scenario: SCENARIO })
  await e2e.login("alice", 1001)
}, 60_000)

afterAll(async () => {
  await e2e?.stop()
})

const ownOrigin = () => `http://127.0.0.1:${e2e.server.port}`

/** A request as a browser page would send it: `origin` (undefined: none), a body of this Content-Type. */
const send = (method: string, target: string, options: { origin?: string; type?: string | null; body?: string } = {}) => {
  const body = options.body ?? ""
  const headers: Record<string, string> = { "X-Telegram-Username": "alice" }
  if (options.origin !== undefined) headers["Origin"] = options.origin
  if (options.type !== null && body !== "") headers["Content-Type"] = options.type ?? "application/json"
  if (body !== "") headers["Content-Length"] = String(Buffer.byteLength(body))
  return rawRequest(e2e.server.port, requestHead(method, target, e2e.server.port, headers), body)
}

const bodyOf = (res: RawResponse) => JSON.parse(res.body) as { detail?: string; status?: string; token?: string }

const startLogin = async (username: string) => {
  const res = await send("POST", "/api/v3/auth/qr", { origin: ownOrigin(), body: JSON.stringify({ username }) })
  expect(res.status, res.body).toBe(200)
  const token = bodyOf(res).token!
  seenTokens.push(token)
  return token
}

const startPhoneLogin = async (username: string) => {
  const res = await send("POST", "/api/v3/auth/phone", { origin: ownOrigin(), body: JSON.stringify({ username, phone: PHONE }) })
  expect(res.status, res.body).toBe(200)
  const token = bodyOf(res).token!
  seenTokens.push(token)
  return token
}

const phoneCalls = async () => {
  let total = 0
  for (const method of PHONE_CALLS) total += await callCount(e2e, method)
  return total
}

const settings = async () => bodyOf(await send("GET", "/api/v3/settings")) as Record<string, unknown>

describe("cross-site writes", () => {
  const writes = (token: string, phoneToken: string) => [
    { method: "POST", target: "/api/v3/auth/qr", body: JSON.stringify({ username: "mallory" }) },
    { method: "POST", target: `/api/v3/auth/qr/${token}/2fa`, body: JSON.stringify({ password: "guess" }) },
    { method: "DELETE", target: `/api/v3/auth/qr/${token}`, body: "" },
    { method: "POST", target: "/api/v3/auth/phone", body: JSON.stringify({ username: "mallory", phone: PHONE }) },
    { method: "POST", target: `/api/v3/auth/phone/${phoneToken}/code`, body: JSON.stringify({ code: "12345" }) },
    { method: "POST", target: `/api/v3/auth/phone/${phoneToken}/resend`, body: "" },
    { method: "POST", target: `/api/v3/auth/phone/${phoneToken}/2fa`, body: JSON.stringify({ password: "guess" }) },
    { method: "DELETE", target: `/api/v3/auth/phone/${phoneToken}`, body: "" },
    { method: "PATCH", target: "/api/v3/settings", body: JSON.stringify({ download_media: false }) }
  ]

  it("another origin, Origin: null or a malformed one is a 403 on every write endpoint: nothing started, cancelled or changed", async () => {
    const token = await startLogin("bob")
    const phoneToken = await startPhoneLogin("bob-phone")
    const before = await settings()
    await resetCalls(e2e)
    for (const origin of [EVIL, "null", `http://127.0.0.1:${e2e.server.port + 1}`, `https://127.0.0.1:${e2e.server.port}.evil.example`, "http://localhost:1/x"]) {
      for (const { body, method, target } of writes(token, phoneToken)) {
        const res = await send(method, target, { origin, body })
        expect(res.status, `${method} ${target} from ${origin}`).toBe(403)
        expect(bodyOf(res).detail).toMatch(/^Cross-origin request refused: /)
      }
    }
    expect(await callCount(e2e, EXPORT_LOGIN_TOKEN)).toBe(0)
    expect(await phoneCalls()).toBe(0)
    expect(await settings()).toEqual(before)
    expect(bodyOf(await send("GET", `/api/v3/auth/qr/${token}`)).status).toBe("pending")
    expect(bodyOf(await send("GET", `/api/v3/auth/phone/${phoneToken}`)).status).toBe("code_required")
    // Reading from another origin is not a write: the browser's same-origin policy keeps the answer from the page.
    expect((await send("GET", "/api/v3/settings", { origin: EVIL })).status).toBe(200)
  })

  it("a form, text/plain, multipart or untyped body is a 415 naming the fix, on every write endpoint", async () => {
    const token = await startLogin("carol")
    const phoneToken = await startPhoneLogin("carol-phone")
    const before = await settings()
    await resetCalls(e2e)
    for (const type of ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", null]) {
      for (const { method, target } of writes(token, phoneToken)) {
        const res = await send(method, target, { type, body: "username=mallory&password=guess" })
        expect(res.status, `${method} ${target} as ${type}`).toBe(415)
        expect(bodyOf(res).detail).toMatch(/Content-Type: application\/json/)
      }
    }
    expect(await callCount(e2e, EXPORT_LOGIN_TOKEN)).toBe(0)
    expect(await phoneCalls()).toBe(0)
    expect(await settings()).toEqual(before)
    expect(bodyOf(await send("GET", `/api/v3/auth/qr/${token}`)).status).toBe("pending")
    expect(bodyOf(await send("GET", `/api/v3/auth/phone/${phoneToken}`)).status).toBe("code_required")
  })

  it("the same requests from the server's own origin (or with no Origin) work", async () => {
    await resetCalls(e2e)
    const token = await startLogin("dave")
    expect(await callCount(e2e, EXPORT_LOGIN_TOKEN)).toBeGreaterThan(0)
    const password = await send("POST", `/api/v3/auth/qr/${token}/2fa`, { origin: ownOrigin(), body: JSON.stringify({ password: "x" }) })
    expect(password.status).toBe(409) // not waiting for a password: the handler ran
    const patched = await send("PATCH", "/api/v3/settings", { origin: ownOrigin(), body: JSON.stringify({ repair_media: false }) })
    expect(patched.status).toBe(200)
    expect((await settings()).repair_media).toBe(false)
    expect((await send("PATCH", "/api/v3/settings", { body: JSON.stringify({ repair_media: true }) })).status).toBe(200)
    const cancelled = await send("DELETE", `/api/v3/auth/qr/${token}`, { origin: ownOrigin() })
    expect(cancelled.status).toBe(200)
    expect(bodyOf(cancelled).status).toBe("cancelled")
    const phoneToken = await startPhoneLogin("dave-phone")
    expect(await callCount(e2e, "auth.SendCode")).toBe(1)
    const code = await send("POST", `/api/v3/auth/phone/${phoneToken}/code`, { origin: ownOrigin(), body: JSON.stringify({ code: "1" }) })
    expect(code.status).toBe(400) // a wrong code: Telegram was asked
    expect(bodyOf(code).detail).toMatch(/PHONE_CODE_INVALID/)
    expect((await send("POST", `/api/v3/auth/phone/${phoneToken}/resend`, { origin: ownOrigin() })).status).toBe(200)
    expect((await send("POST", `/api/v3/auth/phone/${phoneToken}/2fa`, { body: JSON.stringify({ password: "x" }) })).status).toBe(409)
    expect(bodyOf(await send("DELETE", `/api/v3/auth/phone/${phoneToken}`, { origin: ownOrigin() })).status).toBe("cancelled")
  })
})

describe("headers", () => {
  it("/login cannot be framed and runs only its own inline script and style", async () => {
    const res = await fetch(`${e2e.server.url}/login`)
    expect(res.status).toBe(200)
    expect(res.headers.get("x-frame-options")).toBe("DENY")
    const csp = res.headers.get("content-security-policy") ?? ""
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("default-src 'none'")
    const html = await res.text()
    const hash = (tag: string) => {
      const text = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html)![1]!
      return `'sha256-${createHash("sha256").update(text).digest("base64")}'`
    }
    expect(csp).toContain(`script-src ${hash("script")}`)
    expect(csp).toContain(`style-src ${hash("style")}`)
  })

  it("every kind of response says nosniff: routes, errors, docs, the login page, SSE, QR images, files", async () => {
    const token = await startLogin("erin")
    const messages = messagesOf(await history(e2e, "alice", marked(CHANNEL)))
    const targets = [
      "/", "/health", "/docs", "/openapi.json", "/login", "/no-such-route", "/api/v3/settings", "/api/v3/folders",
      `/api/v3/auth/qr/${token}`, `/api/v3/auth/qr/${token}/qr.svg`, `/api/v3/history/${marked(CHANNEL)}`,
      `/api/v3/files/${messages[0]!.media_uuid}`, "/api/v3/files/not-a-uuid", "/api/v3/search/dialogs?limit=0"
    ]
    for (const target of targets) {
      const res = await e2e.api(target, { session: "alice" })
      expect(res.headers.get("x-content-type-options"), target).toBe("nosniff")
      await res.arrayBuffer()
    }
    const refused = [
      await send("PATCH", "/api/v3/settings", { origin: EVIL, body: "{}" }),
      await send("PATCH", "/api/v3/settings", { type: "text/plain", body: "{}" }),
      await rawRequest(e2e.server.port, "GET /health HTTP/1.1\r\nHost: x\r\nNot a header\r\n\r\n")
    ]
    for (const res of refused) expect(res.headers["x-content-type-options"]).toBe("nosniff")
  })

  it("an HTML, SVG or XML file from a chat is served as an attachment of bytes in a sandbox; plain types keep theirs", async () => {
    const messages = messagesOf(await history(e2e, "alice", marked(CHANNEL)))
    const byName = new Map(messages.map((m) => [m.media_original_filename ?? m.media_type, m]))
    const expected: Array<[string, string, string]> = [
      ["page.html", "text/html", "application/octet-stream"],
      ["drawing.svg", "image/svg+xml", "application/octet-stream"],
      ["feed.xml", "application/xml", "application/octet-stream"],
      ["notes.txt", "text/plain", "text/plain"]
    ]
    for (const [name, stored, served] of expected) {
      const uuid = byName.get(name)!.media_uuid!
      const res = await e2e.api(`/api/v3/files/${uuid}`, { session: "alice" })
      expect(res.status, name).toBe(200)
      expect(res.headers.get("content-type"), name).toBe(served)
      expect(res.headers.get("content-disposition"), name).toMatch(/^attachment; /)
      expect(res.headers.get("content-security-policy"), name).toBe("default-src 'none'; sandbox")
      expect(res.headers.get("x-content-type-options"), name).toBe("nosniff")
      await res.arrayBuffer()
      const meta = await (await e2e.api(`/api/v3/files/${uuid}?metadata_only=true`, { session: "alice" })).json() as { mime_type: string }
      expect(meta.mime_type, name).toBe(stored)
    }
    const photo = messages.find((m) => m.media_type === "MessageMediaPhoto")!
    const res = await e2e.api(`/api/v3/files/${photo.media_uuid}`, { session: "alice" })
    expect(res.headers.get("content-type")).toBe("image/jpeg")
    await res.arrayBuffer()
  })
})

describe("logs and errors", () => {
  it("a 404 for a file missing on disk does not reveal where the data lives", async () => {
    const messages = messagesOf(await history(e2e, "alice", marked(CHANNEL)))
    const uuid = messages.find((m) => m.media_original_filename === "notes.txt")!.media_uuid!
    const meta = await (await e2e.api(`/api/v3/files/${uuid}?metadata_only=true`, { session: "alice" })).json() as { file_path: string }
    expect(meta.file_path.startsWith(e2e.server.dataDir)).toBe(true) // metadata_only keeps the absolute path (contract)
    await fs.rm(meta.file_path)
    const res = await e2e.api(`/api/v3/files/${uuid}`, { session: "alice" })
    expect(res.status).toBe(404)
    const { detail } = await res.json() as { detail: string }
    expect(detail).toMatch(/missing on disk/)
    expect(detail).not.toContain(e2e.server.dataDir)
    expect(detail).not.toMatch(/\/(accounts|dialogs|media)\//)
  })

  it("the request log shows QR and phone login paths with the token redacted, never the token", async () => {
    const phoneToken = await startPhoneLogin("frank-phone")
    await send("GET", `/API/v3/Auth/Phone/${phoneToken}`)
    await send("POST", `/api/v3/auth/phone/${phoneToken}/code`, { body: JSON.stringify({ code: "1" }) })
    await send("DELETE", `/api/v3/auth/phone//${phoneToken}`)
    const token = await startLogin("frank")
    await send("GET", `/api/v3/auth/qr/${token}`)
    await send("GET", `/API//v3/auth/QR/${token}/qr.svg`)
    await send("POST", `/api/v3/auth/qr/${token}/2fa`, { body: JSON.stringify({ password: "x" }) })
    await send("DELETE", `/api/v3/auth/qr/${token}`)
    const log = e2e.server.output()
    expect(log).toMatch(/path=\/api\/v3\/auth\/qr\/\*\*\*\/2fa/)
    expect(log).toMatch(/path=\/API\/v3\/auth\/QR\/\*\*\*\/qr\.svg/)
    expect(log).toMatch(/path=\/api\/v3\/auth\/phone\/\*\*\*\/code/)
    expect(log).toMatch(/path=\/API\/v3\/Auth\/Phone\/\*\*\* /)
    expect(log).not.toContain("15550001001")
    expect(seenTokens.length).toBeGreaterThan(3)
    for (const seen of seenTokens) expect(log).not.toContain(seen)
  })
})
