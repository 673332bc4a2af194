/**
 * QR login as an unmodified GramJS client performs it over MTProto: raw
 * auth.exportLoginToken / account.getPassword / auth.checkPassword calls with
 * the phone approving through the control API's `POST /scan`, and GramJS's
 * own signInUserWithQrCode; 2FA with a wrong password first, the move to an
 * account's home DC, token expiry on the world's clock, and
 * AUTH_KEY_UNREGISTERED before (and after) a login.
 */
import bigInt from "big-integer"
import { Api, type TelegramClient } from "telegram"
import { computeCheck } from "telegram/Password.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { destroyTestClient, makeTestClient, TEST_API_HASH, TEST_API_ID } from "../emulator/TestClient.js"
import {
  control,
  exportLoginToken,
  nextLoginTokenUpdate,
  outcome,
  qrLogin,
  qrUrlOf,
  startWorld,
  type WorldOnNetwork
} from "./NetworkHarness.js"

const scenario = (ttlSeconds: number) => ({
  options: { login_token_ttl_seconds: ttlSeconds },
  users: [
    { id: 1001, first_name: "Alice" },
    { id: 1002, first_name: "Bob" },
    { id: 1003, first_name: "Carol" },
    { id: 1004, first_name: "Dave" }
  ],
  accounts: [
    { user: 1001, dialogs: [{ peer: "user:1001" }] },
    { user: 1002, password: "correct horse", password_hint: "staple", dialogs: [{ peer: "user:1002" }] },
    { user: 1003, dc: 2, dialogs: [{ peer: "user:1003" }] },
    { user: 1004, dc: 2, password: "hunter2", password_hint: "the usual", dialogs: [{ peer: "user:1004" }] }
  ],
  messages: [{ peer: "user:1001", owner: 1001, date: "2024-01-01 10:00:00", text: "note to self" }]
})

/** The world's clock, moved by hand so tokens expire without waiting. */
let now = Date.now()
let net: WorldOnNetwork

beforeAll(async () => {
  net = await startWorld(scenario(30), { clock: () => now })
})

afterAll(() => net.stop())

const withClient = async <A>(run: (client: TelegramClient) => Promise<A>, session?: string): Promise<A> => {
  const client = makeTestClient(net.emulator, session === undefined ? {} : { session })
  try {
    await client.connect()
    return await run(client)
  } finally {
    await destroyTestClient(client)
  }
}

const scan = (token: Uint8Array, userId: number) =>
  control(net.emulator, "POST", "/scan", { qr_url: qrUrlOf(token), user_id: userId })

const getMe = () => new Api.users.GetUsers({ id: [new Api.InputUserSelf()] })

const userOf = (result: Api.auth.TypeLoginToken): Api.User => {
  if (!(result instanceof Api.auth.LoginTokenSuccess)) throw new Error(`expected LoginTokenSuccess, got ${result.className}`)
  return (result.authorization as Api.auth.Authorization).user as Api.User
}

describe("QR login without 2FA", () => {
  it("token, scan, pushed UpdateLoginToken, LoginTokenSuccess; the saved session stays logged in", async () => {
    let session = ""
    await withClient(async (client) => {
      expect(await client.checkAuthorization()).toBe(false)
      const token = await client.invoke(exportLoginToken())
      if (!(token instanceof Api.auth.LoginToken)) throw new Error(token.className)
      expect(token.expires).toBe(Math.ceil((now + 30_000) / 1000))

      const pushed = nextLoginTokenUpdate(client)
      expect(await scan(token.token, 1001)).toEqual({ status: 200, body: { status: "ok" } })
      await pushed
      const user = userOf(await client.invoke(exportLoginToken()))
      expect([user.id.toJSNumber(), user.self, user.firstName]).toEqual([1001, true, "Alice"])
      expect(await client.checkAuthorization()).toBe(true)
      // A consumed token cannot be approved again.
      expect((await scan(token.token, 1001)).status).toBe(404)
      session = client.session.save() as unknown as string
    })

    const handshakes = net.emulator.handshakes()
    await withClient(async (client) => {
      const [me] = await client.invoke(getMe())
      expect((me as Api.User).id.toJSNumber()).toBe(1001)
    }, session)
    expect(net.emulator.handshakes()).toBe(handshakes)
  })

  it("before a login every account call is AUTH_KEY_UNREGISTERED, and again after auth.logOut", () =>
    withClient(async (client) => {
      const calls = () => [
        client.invoke(getMe()),
        client.invoke(new Api.messages.GetDialogs({ offsetDate: 0, offsetId: 0, offsetPeer: new Api.InputPeerEmpty(), limit: 10, hash: bigInt.zero })),
        client.invoke(new Api.messages.GetHistory({ peer: new Api.InputPeerSelf(), limit: 10, hash: bigInt.zero })),
        client.invoke(new Api.messages.GetDialogFilters()),
        client.invoke(new Api.updates.GetState()),
        client.invoke(new Api.account.GetPassword())
      ]
      expect(await Promise.all(calls().map(outcome))).toEqual(Array(6).fill("401 AUTH_KEY_UNREGISTERED"))
      await qrLogin(client, net.emulator, 1001)
      expect(await Promise.all(calls().map(outcome))).toEqual(Array(6).fill("ok"))
      expect(await client.invoke(new Api.auth.LogOut())).toBeInstanceOf(Api.auth.LoggedOut)
      expect(await outcome(client.invoke(getMe()))).toBe("401 AUTH_KEY_UNREGISTERED")
    }))
})

describe("QR login with 2FA", () => {
  it("SESSION_PASSWORD_NEEDED, a wrong password (PASSWORD_HASH_INVALID), a spent challenge (SRP_ID_INVALID), then the right one", () =>
    withClient(async (client) => {
      const token = await client.invoke(exportLoginToken()) as Api.auth.LoginToken
      const pushed = nextLoginTokenUpdate(client)
      expect((await scan(token.token, 1002)).status).toBe(200)
      await pushed
      expect(await outcome(client.invoke(exportLoginToken()))).toBe("401 SESSION_PASSWORD_NEEDED")
      // Still no account until the password is proven.
      expect(await outcome(client.invoke(getMe()))).toBe("401 AUTH_KEY_UNREGISTERED")
      expect(await outcome(client.invoke(exportLoginToken()))).toBe("401 SESSION_PASSWORD_NEEDED")

      const first = await client.invoke(new Api.account.GetPassword())
      expect([first.hasPassword, first.hint]).toEqual([true, "staple"])
      expect(first.currentAlgo).toBeInstanceOf(Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow)
      expect(await outcome(client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(first, "wrong horse") }))))
        .toBe("400 PASSWORD_HASH_INVALID")
      // Each challenge answers once: the right password against the spent one fails too.
      expect(await outcome(client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(first, "correct horse") }))))
        .toBe("400 SRP_ID_INVALID")

      const second = await client.invoke(new Api.account.GetPassword())
      expect(second.srpId!.equals(first.srpId!)).toBe(false)
      const authorization = await client.invoke(new Api.auth.CheckPassword({ password: await computeCheck(second, "correct horse") }))
      expect(((authorization as Api.auth.Authorization).user as Api.User).id.toJSNumber()).toBe(1002)
      const [me] = await client.invoke(getMe())
      expect((me as Api.User).id.toJSNumber()).toBe(1002)
      // Logged in: exporting again just confirms it.
      expect(userOf(await client.invoke(exportLoginToken())).id.toJSNumber()).toBe(1002)
    }))
})

describe("QR login on another home DC", () => {
  it("LoginTokenMigrateTo DC 2, a new auth key there, auth.importLoginToken; the session then lives on DC 2", async () => {
    let session = ""
    await withClient(async (client) => {
      expect(client.session.dcId).toBe(1)
      const token = await client.invoke(exportLoginToken()) as Api.auth.LoginToken
      const pushed = nextLoginTokenUpdate(client)
      expect((await scan(token.token, 1003)).status).toBe(200)
      await pushed
      const moved = await client.invoke(exportLoginToken())
      if (!(moved instanceof Api.auth.LoginTokenMigrateTo)) throw new Error(moved.className)
      expect(moved.dcId).toBe(2)

      const handshakes = net.emulator.handshakes()
      net.seen.length = 0
      await client._switchDC(moved.dcId)
      expect(net.emulator.handshakes()).toBe(handshakes + 1)
      const user = userOf(await client.invoke(new Api.auth.ImportLoginToken({ token: moved.token })))
      expect(user.id.toJSNumber()).toBe(1003)
      expect(net.seen).toContain("2 auth.ImportLoginToken")
      expect(client.session.dcId).toBe(2)
      session = client.session.save() as unknown as string
    })

    net.seen.length = 0
    await withClient(async (client) => {
      const [me] = await client.invoke(getMe())
      expect((me as Api.User).id.toJSNumber()).toBe(1003)
    }, session)
    expect(net.seen.filter((call) => call.endsWith("users.GetUsers"))).toEqual(["2 users.GetUsers"])
  })

  it("GramJS's signInUserWithQrCode follows the move to DC 2 and retries after a wrong password", () =>
    withClient(async (client) => {
      const errors: Array<string> = []
      const hints: Array<string | undefined> = []
      let attempts = 0
      const user = await client.signInUserWithQrCode({ apiId: TEST_API_ID, apiHash: TEST_API_HASH }, {
        qrCode: async ({ token }) => {
          const scanned = await scan(token, 1004)
          if (scanned.status !== 200) throw new Error(`scan: ${scanned.status}`)
        },
        password: async (hint) => {
          hints.push(hint)
          return attempts++ === 0 ? "hunter3" : "hunter2"
        },
        onError: async (error) => {
          errors.push((error as { errorMessage?: string }).errorMessage ?? error.message)
          return false
        }
      }) as Api.User
      expect(user.id.toJSNumber()).toBe(1004)
      expect(errors).toEqual(["PASSWORD_HASH_INVALID"])
      expect(hints).toEqual(["the usual", "the usual"])
      expect(client.session.dcId).toBe(2)
      expect(((await client.getMe()) as Api.User).firstName).toBe("Dave")
    }))
})

describe("login token expiry", () => {
  it("a token not scanned within the lifetime is refused (410, AUTH_TOKEN_EXPIRED); a fresh one works", () =>
    withClient(async (client) => {
      const old = await client.invoke(exportLoginToken()) as Api.auth.LoginToken
      now += 29_999
      // Not yet expired: importing an unscanned token just reports it again.
      const again = await client.invoke(new Api.auth.ImportLoginToken({ token: old.token }))
      expect(again).toBeInstanceOf(Api.auth.LoginToken)
      now += 1
      expect(await scan(old.token, 1001)).toEqual({ status: 410, body: { detail: "the QR login token has expired" } })
      expect(await outcome(client.invoke(new Api.auth.ImportLoginToken({ token: old.token })))).toBe("400 AUTH_TOKEN_EXPIRED")

      const fresh = await client.invoke(exportLoginToken()) as Api.auth.LoginToken
      expect(Buffer.from(fresh.token).equals(Buffer.from(old.token))).toBe(false)
      expect(fresh.expires).toBe(Math.ceil((now + 30_000) / 1000))
      const pushed = nextLoginTokenUpdate(client)
      expect((await scan(fresh.token, 1001)).status).toBe(200)
      await pushed
      expect(userOf(await client.invoke(exportLoginToken())).id.toJSNumber()).toBe(1001)
    }))

  it("the scenario's login_token_ttl_seconds sets the lifetime", async () => {
    let short = Date.UTC(2024, 5, 1)
    const shortLived = await startWorld(scenario(5), { clock: () => short })
    const client = makeTestClient(shortLived.emulator)
    try {
      await client.connect()
      const token = await client.invoke(exportLoginToken()) as Api.auth.LoginToken
      expect(token.expires).toBe(Date.UTC(2024, 5, 1, 0, 0, 5) / 1000)
      short += 5_000
      expect((await control(shortLived.emulator, "POST", "/scan", { qr_url: qrUrlOf(token.token), user_id: 1001 })).status).toBe(410)
    } finally {
      await destroyTestClient(client)
      await shortLived.stop()
    }
  })
})
