/**
 * QR login per auth key: the token, its approval by `scan` and the pushed
 * UpdateLoginToken, expiry (on a test clock), SESSION_PASSWORD_NEEDED and
 * the SRP check with GramJS's own computeCheck, the move to the home DC,
 * cross-DC authorization export/import, and AUTH_KEY_UNREGISTERED.
 */
import { describe, expect, it } from "@effect/vitest"
import bigInt from "big-integer"
import { Api } from "telegram"
import { computeCheck } from "telegram/Password.js"
import { dcVirtualAddress } from "../../src/adapters/telegram/EmulatorSwitch.js"
import { World } from "../emulator/World.js"
import { caller, fixture, loggedIn, outcome, sampleWorld } from "./WorldHarness.js"

const exportToken = () => new Api.auth.ExportLoginToken({ apiId: 1, apiHash: "hash", exceptIds: [] })
const qrUrl = (token: Uint8Array) => `tg://login?token=${Buffer.from(token).toString("base64url")}`

/** A world on a clock the test moves by hand. */
const clockedWorld = (json: unknown = fixture("sample.json")) => {
  let now = Date.UTC(2024, 5, 1)
  const world = World.fromScenario(json, { clock: () => now })
  return { world, advance: (ms: number) => (now += ms) }
}

describe("QR login", () => {
  it("token -> scan -> pushed UpdateLoginToken to the exporting session -> LoginTokenSuccess", async () => {
    const world = sampleWorld()
    const c = caller(world, { dcId: 1 })
    const other = caller(world, { dcId: 1 })
    const token = await c.call(exportToken())
    if (!(token instanceof Api.auth.LoginToken)) throw new Error(token.className)
    await other.call(exportToken())
    expect(token.expires).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 29)
    expect(await outcome(c.call(new Api.updates.GetState()))).toBe("401 AUTH_KEY_UNREGISTERED")

    expect(world.scan(qrUrl(token.token), 1001)).toBe("approved")
    expect(c.pushed).toHaveLength(1)
    const update = c.pushed[0] as Api.UpdateShort
    expect(update.update).toBeInstanceOf(Api.UpdateLoginToken)
    expect(other.pushed).toHaveLength(0)

    const success = await c.call(exportToken())
    if (!(success instanceof Api.auth.LoginTokenSuccess)) throw new Error(success.className)
    const user = (success.authorization as Api.auth.Authorization).user as Api.User
    expect([Number(user.id), user.self, user.firstName]).toEqual([1001, true, "Alice"])
    expect(await outcome(c.call(new Api.updates.GetState()))).toBe("ok")
    const [me] = await c.call(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }))
    expect((me as Api.User).self).toBe(true)
    expect(await outcome(other.call(new Api.updates.GetState()))).toBe("401 AUTH_KEY_UNREGISTERED")
  })

  it("scan reports unknown users, unknown tokens and expired tokens", async () => {
    const { world, advance } = clockedWorld()
    const c = caller(world)
    const token = await c.call(exportToken()) as Api.auth.LoginToken
    expect(world.scan(qrUrl(token.token), 4242)).toBe("unknown_user")
    expect(world.scan("tg://login?token=AAAA", 1001)).toBe("unknown_token")
    expect(world.scan("not a url", 1001)).toBe("unknown_token")
    advance(29_000)
    const fresh = await c.call(exportToken()) as Api.auth.LoginToken
    advance(1_500)
    expect(world.scan(qrUrl(token.token), 1001)).toBe("expired_token")
    expect(c.pushed).toHaveLength(0)
    expect(world.scan(qrUrl(fresh.token), 1001)).toBe("approved")
  })

  it("uses the scenario's token lifetime", async () => {
    const json = { ...(fixture("sample.json") as object), options: { login_token_ttl_seconds: 2 } }
    const { world, advance } = clockedWorld(json)
    const c = caller(world)
    const token = await c.call(exportToken()) as Api.auth.LoginToken
    expect(token.expires).toBe(Math.ceil((Date.UTC(2024, 5, 1) + 2000) / 1000))
    advance(2_000)
    expect(world.scan(qrUrl(token.token), 1001)).toBe("expired_token")
  })

  it("an account with a password on another home DC: migrate, import, SESSION_PASSWORD_NEEDED, SRP", async () => {
    const world = sampleWorld()
    const dc1 = caller(world, { dcId: 1 })
    const token = await dc1.call(exportToken()) as Api.auth.LoginToken
    expect(world.scan(qrUrl(token.token), 1002)).toBe("approved")
    const migrate = await dc1.call(exportToken())
    if (!(migrate instanceof Api.auth.LoginTokenMigrateTo)) throw new Error(migrate.className)
    expect(migrate.dcId).toBe(2)

    const dc2 = caller(world, { dcId: 2 })
    expect(await outcome(dc2.call(new Api.auth.ImportLoginToken({ token: migrate.token })))).toBe("401 SESSION_PASSWORD_NEEDED")
    expect(await outcome(dc2.call(new Api.updates.GetState()))).toBe("401 AUTH_KEY_UNREGISTERED")
    // The token was used up by the import.
    expect(await outcome(caller(world, { dcId: 2 }).call(new Api.auth.ImportLoginToken({ token: migrate.token })))).toBe("400 AUTH_TOKEN_INVALID")

    const info = await dc2.call(new Api.account.GetPassword())
    expect(info.hasPassword).toBe(true)
    expect(info.hint).toBe("the usual")
    const wrong = await computeCheck(info, "hunter3")
    expect(await outcome(dc2.call(new Api.auth.CheckPassword({ password: wrong })))).toBe("400 PASSWORD_HASH_INVALID")
    // A challenge answers once: the retry needs a fresh account.getPassword.
    const right = await computeCheck(info, "hunter2")
    expect(await outcome(dc2.call(new Api.auth.CheckPassword({ password: right })))).toBe("400 SRP_ID_INVALID")
    const again = await dc2.call(new Api.account.GetPassword())
    const auth = await dc2.call(new Api.auth.CheckPassword({ password: await computeCheck(again, "hunter2") }))
    expect(Number(((auth as Api.auth.Authorization).user as Api.User).id)).toBe(1002)
    expect(await outcome(dc2.call(new Api.updates.GetState()))).toBe("ok")
    expect(await outcome(dc1.call(new Api.updates.GetState()))).toBe("401 AUTH_KEY_UNREGISTERED")
  })

  it("a password login on the home DC asks for the password on the same key", async () => {
    const world = sampleWorld()
    const c = caller(world, { dcId: 2 })
    const token = await c.call(exportToken()) as Api.auth.LoginToken
    world.scan(qrUrl(token.token), 1002)
    expect(await outcome(c.call(exportToken()))).toBe("401 SESSION_PASSWORD_NEEDED")
    expect(await outcome(c.call(exportToken()))).toBe("401 SESSION_PASSWORD_NEEDED")
    const info = await c.call(new Api.account.GetPassword())
    await c.call(new Api.auth.CheckPassword({ password: await computeCheck(info, "hunter2") }))
    expect(await outcome(c.call(new Api.updates.GetState()))).toBe("ok")
  })

  it("account.getPassword before any login is AUTH_KEY_UNREGISTERED; without 2FA it says so", async () => {
    const world = sampleWorld()
    expect(await outcome(caller(world).call(new Api.account.GetPassword()))).toBe("401 AUTH_KEY_UNREGISTERED")
    const alice = await loggedIn(world, 1001)
    expect((await alice.call(new Api.account.GetPassword())).hasPassword).toBeFalsy()
  })
})

describe("authorization across DCs", () => {
  it("exports an authorization from the home DC and imports it on another", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    expect(await outcome(alice.call(new Api.auth.ExportAuthorization({ dcId: 1 })))).toBe("400 DC_ID_INVALID")
    expect(await outcome(alice.call(new Api.auth.ExportAuthorization({ dcId: 4 })))).toBe("400 DC_ID_INVALID")
    const exported = await alice.call(new Api.auth.ExportAuthorization({ dcId: 2 }))
    expect(Number(exported.id)).toBe(1001)
    const wrongDc = caller(world, { dcId: 1 })
    expect(await outcome(wrongDc.call(new Api.auth.ImportAuthorization({ id: exported.id, bytes: exported.bytes })))).toBe("400 AUTH_BYTES_INVALID")
    const dc2 = caller(world, { dcId: 2 })
    expect(await outcome(dc2.call(new Api.auth.ImportAuthorization({ id: bigInt(1002), bytes: exported.bytes })))).toBe("400 AUTH_BYTES_INVALID")
    const imported = await dc2.call(new Api.auth.ImportAuthorization({ id: exported.id, bytes: exported.bytes }))
    expect(Number(((imported as Api.auth.Authorization).user as Api.User).id)).toBe(1001)
    expect(await outcome(dc2.call(new Api.updates.GetState()))).toBe("ok")
    expect(await outcome(caller(world, { dcId: 2 }).call(new Api.auth.ImportAuthorization({ id: exported.id, bytes: exported.bytes })))).toBe("400 AUTH_BYTES_INVALID")
  })

  it("logs a key out", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    await alice.call(new Api.auth.LogOut())
    expect(await outcome(alice.call(new Api.updates.GetState()))).toBe("401 AUTH_KEY_UNREGISTERED")
  })

  it("a logout ends the whole login: the keys it was lent on other DCs too, and no other login", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const otherAlice = await loggedIn(world, 1001)
    const exported = await alice.call(new Api.auth.ExportAuthorization({ dcId: 2 }))
    const dc2 = caller(world, { dcId: 2 })
    await dc2.call(new Api.auth.ImportAuthorization({ id: exported.id, bytes: exported.bytes }))
    expect(world.authorizations()).toEqual([{ id: 1, userId: 1001, keys: 2 }, { id: 2, userId: 1001, keys: 1 }])
    // A key lent the login ends it as well as the key that logged in.
    await dc2.call(new Api.auth.LogOut())
    for (const key of [alice, dc2]) expect(await outcome(key.call(new Api.updates.GetState()))).toBe("401 AUTH_KEY_UNREGISTERED")
    expect(await outcome(otherAlice.call(new Api.updates.GetState()))).toBe("ok")
    expect(world.authorizations()).toEqual([{ id: 2, userId: 1001, keys: 1 }])
    // A logged-out key may log in again, as a new login.
    const again = await loggedIn(world, 1001)
    expect(await outcome(again.call(new Api.updates.GetState()))).toBe("ok")
  })

  it("revoking an account's logins from another device leaves other accounts alone; the keys answer AUTH_KEY_UNREGISTERED", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const alice2 = await loggedIn(world, 1001)
    const bob = await loggedIn(world, 1002)
    const exported = await alice.call(new Api.auth.ExportAuthorization({ dcId: 2 }))
    // An export made before the revocation cannot lend the ended login afterwards.
    expect(world.revokeAuthorizations(1001)).toBe(2)
    for (const key of [alice, alice2]) {
      for (const request of [new Api.updates.GetState(), new Api.messages.GetDialogFilters(), new Api.auth.LogOut()]) {
        expect(await outcome(key.call(request))).toBe("401 AUTH_KEY_UNREGISTERED")
      }
    }
    const dc2 = caller(world, { dcId: 2 })
    expect(await outcome(dc2.call(new Api.auth.ImportAuthorization({ id: exported.id, bytes: exported.bytes })))).toBe("400 AUTH_BYTES_INVALID")
    expect(await outcome(bob.call(new Api.updates.GetState()))).toBe("ok")
    expect(world.authorizations().map((a) => a.userId)).toEqual([1002])
    expect(world.revokeAuthorizations(1001)).toBe(0)
    expect(world.revokeAuthorizations(4242)).toBeUndefined()
  })
})

describe("calls before login and on connect", () => {
  it("answers help.getConfig and help.getNearestDc without a login, listing every DC at its virtual address", async () => {
    const world = sampleWorld()
    const c = caller(world, { dcId: 2 })
    const config = await c.call(new Api.help.GetConfig())
    expect(config.thisDc).toBe(2)
    expect(config.dcOptions.map((o) => [o.id, o.ipAddress, o.port, o.ipv6 ?? false])).toEqual([
      [1, dcVirtualAddress(1), 443, false],
      [2, dcVirtualAddress(2), 443, false]
    ])
    const nearest = await c.call(new Api.help.GetNearestDc())
    expect([nearest.thisDc, nearest.nearestDc]).toEqual([2, 2])
  })

  it("refuses everything that needs a login with AUTH_KEY_UNREGISTERED", async () => {
    const world = sampleWorld()
    const c = caller(world)
    const requests = [
      new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }),
      new Api.updates.GetState(),
      new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 10, hash: bigInt.zero }),
      new Api.messages.GetHistory({ peer: new Api.InputPeerSelf(), offsetId: 0, offsetDate: 0, addOffset: 0, limit: 1, maxId: 0, minId: 0, hash: bigInt.zero }),
      new Api.messages.GetDialogFilters(),
      new Api.messages.SearchGlobal({ q: "x", filter: new Api.InputMessagesFilterEmpty(), minDate: 0, maxDate: 0, offsetRate: 0, offsetPeer: new Api.InputPeerEmpty(), offsetId: 0, limit: 1 }),
      new Api.upload.GetFile({ location: new Api.InputDocumentFileLocation({ id: bigInt(1), accessHash: bigInt(1), fileReference: Buffer.alloc(0), thumbSize: "" }), offset: bigInt.zero, limit: 4096 }),
      new Api.auth.ExportAuthorization({ dcId: 2 }),
      new Api.channels.GetFullChannel({ channel: new Api.InputChannel({ channelId: bigInt(3001), accessHash: bigInt(1) }) })
    ]
    for (const request of requests) {
      expect(`${request.className}: ${await outcome(c.call(request as never))}`).toBe(`${request.className}: 401 AUTH_KEY_UNREGISTERED`)
    }
  })

  it("names a method the emulator does not know", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    expect(await outcome(alice.call(new Api.messages.GetStickers({ emoticon: "x", hash: bigInt.zero })))).toBe(
      "400 METHOD_NOT_EMULATED_MESSAGES_GETSTICKERS"
    )
  })
})
