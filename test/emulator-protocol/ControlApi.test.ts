/**
 * The control API's routes, statuses and {"detail"} errors over a stub world,
 * with faults and call counts checked against a real GramJS client.
 */
import { Api } from "telegram"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import { ScenarioError, type ScanOutcome } from "../emulator/RpcContext.js"
import { destroyTestClient, makeTestClient } from "../emulator/TestClient.js"
import { stubWorld } from "./StubWorld.js"

const appended: Array<unknown> = []
const media = Buffer.from([0, 1, 2, 250, 251, 252])

const deletions: Array<unknown> = []

const stub = stubWorld({}, {
  scan: (qrUrl, userId): ScanOutcome =>
    userId !== 1001
      ? "unknown_user"
      : qrUrl === "tg://login?token=fresh"
      ? "approved"
      : qrUrl === "tg://login?token=old"
      ? "expired_token"
      : "unknown_token",
  appendMessages: (messages) => {
    for (const m of messages) {
      if (typeof m !== "object" || m === null || !("peer" in m)) throw new ScenarioError("messages[0].peer: required")
    }
    appended.push(...messages)
  },
  mediaBytes: (peer, id, owner) => (peer === "channel:3001" && id === 5 && owner === undefined ? media : undefined)
})

const revocations: Array<number> = []

const codesAsked: Array<string> = []

const world = {
  ...stub,
  codesFor: (phone: string) => {
    codesAsked.push(phone)
    if (phone.replace(/\D/g, "").length < 7) return undefined
    return phone.includes("1001")
      ? [{ code: "40213", type: "app", status: "replaced", sentAt: 0, expiresAt: 300_000, wrongAttempts: 1 }]
      : []
  },
  authorizations: () => [{ id: 3, userId: 1001, keys: 2 }],
  revokeAuthorizations: (userId: number) => {
    revocations.push(userId)
    return userId === 1001 ? 1 : userId === 1002 ? 0 : undefined
  },
  deleteMessage: (ref: unknown) => {
    const { id, peer } = ref as { peer?: unknown; id?: unknown }
    if (typeof peer !== "string") throw new ScenarioError("peer: required")
    deletions.push(ref)
    return peer === "channel:3001" && id === 4
  }
}

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator({ world })
})

afterAll(() => emulator.stop())

const call = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${emulator.control}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
  })
  const type = response.headers.get("content-type") ?? ""
  return {
    status: response.status,
    body: type.includes("json") ? await response.json() : Buffer.from(await response.arrayBuffer())
  }
}

describe("control API", () => {
  it("listens on loopback", () => {
    expect(new URL(emulator.control).hostname).toBe("127.0.0.1")
  })

  it("GET /health", async () => {
    expect(await call("GET", "/health")).toEqual({ status: 200, body: { status: "ok" } })
  })

  it("POST /scan: 200 approved, 404 unknown token, 410 expired, 404 unknown user, 400 bad input", async () => {
    expect(await call("POST", "/scan", { qr_url: "tg://login?token=fresh", user_id: 1001 }))
      .toEqual({ status: 200, body: { status: "ok" } })
    expect(await call("POST", "/scan", { qr_url: "tg://login?token=nope", user_id: 1001 }))
      .toEqual({ status: 404, body: { detail: "unknown QR login token" } })
    expect((await call("POST", "/scan", { qr_url: "tg://login?token=old", user_id: 1001 })).status).toBe(410)
    expect(await call("POST", "/scan", { qr_url: "tg://login?token=fresh", user_id: 7 }))
      .toEqual({ status: 404, body: { detail: "no account for user 7" } })
    expect(await call("POST", "/scan", { qr_url: "tg://login?token=fresh", user_id: "1001" }))
      .toEqual({ status: 400, body: { detail: "user_id: expected an integer" } })
    expect(await call("POST", "/scan", "{not json"))
      .toEqual({ status: 400, body: { detail: "the request body is not valid JSON" } })
  })

  it("GET /codes: the codes sent to a number, any spelling (a literal + reads as a space); 400 for no number", async () => {
    expect(await call("GET", "/codes?phone=%2B15550001001")).toEqual({
      status: 200,
      body: {
        phone: "15550001001",
        codes: [{
          code: "40213",
          type: "app",
          status: "replaced",
          sent_at: "1970-01-01T00:00:00.000Z",
          expires_at: "1970-01-01T00:05:00.000Z",
          wrong_attempts: 1
        }]
      }
    })
    expect(await call("GET", "/codes?phone=+1 555 000 2002")).toEqual({ status: 200, body: { phone: "15550002002", codes: [] } })
    expect(codesAsked.at(-1)).toBe(" 1 555 000 2002")
    expect(await call("GET", "/codes?phone=abc")).toEqual({
      status: 400,
      body: { detail: "query parameter phone must be a phone number, got \"abc\"" }
    })
    expect((await call("GET", "/codes")).status).toBe(400)
  })

  it("GET /calls counts GramJS's calls; POST /calls/reset zeroes them", async () => {
    await call("POST", "/calls/reset")
    const client = makeTestClient(emulator)
    try {
      await client.connect()
      await client.getMe()
    } finally {
      await destroyTestClient(client)
    }
    expect(await call("GET", "/calls")).toEqual({ status: 200, body: { "help.GetConfig": 1, "users.GetUsers": 1 } })
    expect((await call("POST", "/calls/reset")).status).toBe(200)
    expect(await call("GET", "/calls")).toEqual({ status: 200, body: {} })
  })

  it("POST /faults applies to the next call; DELETE /faults clears; bad faults are 400", async () => {
    const client = makeTestClient(emulator)
    try {
      await client.connect()
      const added = await call("POST", "/faults", { method: "users.GetUsers", error: "USER_DEACTIVATED", times: 2 })
      expect(added.status).toBe(200)
      const failed = await client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] })).catch((e: unknown) => e)
      expect(failed).toMatchObject({ code: 401 })
      expect((await call("DELETE", "/faults")).status).toBe(200)
      expect((await client.getMe()).firstName).toBe("Alice")
    } finally {
      await destroyTestClient(client)
    }
    expect(await call("POST", "/faults", { method: "users.GetUsers", error: "FLOOD_WAIT_1", after: -1 }))
      .toEqual({ status: 400, body: { detail: "after: expected a non-negative integer" } })
    expect((await call("POST", "/faults", { error: "FLOOD_WAIT_1" })).status).toBe(400)
    expect((await call("POST", "/faults", "[")).status).toBe(400)
  })

  it("POST /messages hands messages to the world; a ScenarioError is a 400 with its message", async () => {
    const message = { peer: "channel:3001", id: 9, date: "2024-01-15 14:30:00", text: "hi" }
    expect(await call("POST", "/messages", { messages: [message] })).toEqual({ status: 200, body: { status: "ok", added: 1 } })
    expect(appended).toEqual([message])
    expect(await call("POST", "/messages", { messages: [{ id: 1 }] }))
      .toEqual({ status: 400, body: { detail: "messages[0].peer: required" } })
    expect((await call("POST", "/messages", { messages: "x" })).status).toBe(400)
  })

  it("DELETE /messages hands the reference to the world: 200 deleted, 404 no such message, 400 invalid", async () => {
    expect(await call("DELETE", "/messages", { peer: "channel:3001", id: 4 }))
      .toEqual({ status: 200, body: { status: "ok", deleted: 1 } })
    expect(await call("DELETE", "/messages", { peer: "channel:3001", id: 5 }))
      .toEqual({ status: 404, body: { detail: "no message 5 in channel:3001" } })
    expect(await call("DELETE", "/messages", { id: 4 })).toEqual({ status: 400, body: { detail: "peer: required" } })
    expect((await call("DELETE", "/messages", [])).status).toBe(400)
    expect(deletions).toEqual([{ peer: "channel:3001", id: 4 }, { peer: "channel:3001", id: 5 }])
  })

  it("the update calls answer 501 on a world that keeps no update state, 400 before that on bad input", async () => {
    for (const [method, path, body] of [
      ["GET", "/updates/state?user_id=1001"],
      ["GET", "/updates/changes?user_id=1001&since=1"],
      ["GET", "/updates/settings"],
      ["POST", "/updates/settings", { difference_limit: 2 }],
      ["POST", "/faults/updates", { drop_pushes: 1 }]
    ] as const) {
      const answer = await call(method, path, body)
      expect([path, answer.status]).toEqual([path, 501])
      expect(answer.body).toEqual({ detail: expect.any(String) })
    }
    expect((await call("GET", "/updates/state?user_id=x")).status).toBe(400)
    expect((await call("GET", "/updates/changes?user_id=1001")).status).toBe(400)
    expect((await call("POST", "/faults/updates", "[")).status).toBe(400)
    // Clearing update faults is fine on any world.
    expect(await call("DELETE", "/faults/updates")).toEqual({ status: 200, body: { status: "ok" } })
  })

  it("GET /authorizations lists the logins; POST /authorizations/revoke ends an account's: 200, 404 unknown account, 400 invalid", async () => {
    expect(await call("GET", "/authorizations")).toEqual({ status: 200, body: { authorizations: [{ id: 3, user_id: 1001, keys: 2 }] } })
    expect(await call("POST", "/authorizations/revoke", { user_id: 1001 })).toEqual({ status: 200, body: { status: "ok", revoked: 1 } })
    expect(await call("POST", "/authorizations/revoke", { user_id: 1002 })).toEqual({ status: 200, body: { status: "ok", revoked: 0 } })
    expect(await call("POST", "/authorizations/revoke", { user_id: 4242 }))
      .toEqual({ status: 404, body: { detail: "no account for user 4242" } })
    expect(await call("POST", "/authorizations/revoke", { user_id: "1001" }))
      .toEqual({ status: 400, body: { detail: "user_id: expected an integer" } })
    expect((await call("POST", "/authorizations/revoke", "not json")).status).toBe(400)
    expect(revocations).toEqual([1001, 1002, 4242])
  })

  it("GET /media returns the exact bytes, 404 without media, 400 on bad parameters", async () => {
    expect(await call("GET", "/media?peer=channel:3001&id=5")).toEqual({ status: 200, body: media })
    expect((await call("GET", "/media?peer=channel:3001&id=6")).status).toBe(404)
    expect((await call("GET", "/media?peer=channel:3001&id=5&owner=1001")).status).toBe(404)
    expect((await call("GET", "/media?peer=nobody&id=5")).status).toBe(400)
    expect(await call("GET", "/media?peer=channel:3001&id=five"))
      .toEqual({ status: 400, body: { detail: "query parameter id must be an integer, got \"five\"" } })
  })

  it("answers 404 for an unknown route", async () => {
    expect(await call("GET", "/nope")).toEqual({ status: 404, body: { detail: "no route GET /nope" } })
    expect((await call("DELETE", "/health")).status).toBe(404)
  })
})
