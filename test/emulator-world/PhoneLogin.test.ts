/**
 * Logging in by phone code in the emulator's world: auth.sendCode with the
 * move to the home DC, the code read back as the phone shows it, wrong and
 * expired codes, resends through app, SMS and call, cancelCode, 2FA after
 * the code, a number without an account, a banned number, and FLOOD_WAIT
 * once a number had its hourly share of codes.
 */
import { describe, expect, it } from "@effect/vitest"
import { Api } from "telegram"
import { computeCheck } from "telegram/Password.js"
import { World } from "../emulator/World.js"
import { caller, fixture, outcome } from "./WorldHarness.js"

const ALICE = "+1 555 000 1001"
const BOB = "+15550001002"

/** The sample world with a number for Bob (2FA, DC 2), a banned number, and the options given; on a clock the test moves. */
const phoneWorld = (options: Record<string, unknown> = {}) => {
  const scenario = fixture("sample.json") as { options?: Record<string, unknown>; users: Array<Record<string, unknown>> }
  scenario.options = { ...scenario.options, ...options }
  scenario.users = scenario.users.map((u) =>
    u.id === 1002 ? { ...u, phone: "15550001002" } : u.id === 1004 ? { ...u, phone: "15550001004", phone_banned: true } : u
  )
  let now = Date.UTC(2024, 5, 1)
  const world = World.fromScenario(scenario, { clock: () => now })
  return { world, advance: (ms: number) => (now += ms) }
}

const sendCode = (phoneNumber: string) =>
  new Api.auth.SendCode({ phoneNumber, apiId: 1, apiHash: "hash", settings: new Api.CodeSettings({}) })

const signIn = (phoneNumber: string, phoneCodeHash: string, phoneCode: string) =>
  new Api.auth.SignIn({ phoneNumber, phoneCodeHash, phoneCode })

/** The newest code the phone shows for `phone`. */
const lastCode = (world: World, phone: string) => world.codesFor(phone)!.at(-1)!

describe("phone code login", () => {
  it("sendCode -> the code in the app -> a wrong code is PHONE_CODE_INVALID, the right one logs the key in", async () => {
    const { world } = phoneWorld()
    const c = caller(world, { dcId: 1 })
    const sent = await c.call(sendCode(ALICE))
    if (!(sent instanceof Api.auth.SentCode)) throw new Error(sent.className)
    expect(sent.type).toBeInstanceOf(Api.auth.SentCodeTypeApp)
    expect((sent.type as Api.auth.SentCodeTypeApp).length).toBe(5)
    expect(sent.nextType).toBeInstanceOf(Api.auth.CodeTypeSms)
    expect(sent.timeout).toBe(60)
    const shown = lastCode(world, "15550001001")
    expect(shown).toMatchObject({ type: "app", status: "active", wrongAttempts: 0 })
    expect(shown.code).toMatch(/^\d{5}$/)

    const wrong = shown.code === "00000" ? "11111" : "00000"
    expect(await outcome(c.call(signIn(ALICE, sent.phoneCodeHash, wrong)))).toBe("400 PHONE_CODE_INVALID")
    expect(await outcome(c.call(signIn(ALICE, sent.phoneCodeHash, "")))).toBe("400 PHONE_CODE_EMPTY")
    expect(lastCode(world, ALICE).wrongAttempts).toBe(1)
    expect(await outcome(c.call(new Api.updates.GetState()))).toBe("401 AUTH_KEY_UNREGISTERED")

    const auth = await c.call(signIn(ALICE, sent.phoneCodeHash, shown.code))
    if (!(auth instanceof Api.auth.Authorization)) throw new Error(auth.className)
    expect(Number((auth.user as Api.User).id)).toBe(1001)
    expect(await outcome(c.call(new Api.updates.GetState()))).toBe("ok")
    expect(lastCode(world, ALICE).status).toBe("used")
    // A used code signs nothing in again.
    expect(await outcome(caller(world).call(signIn(ALICE, sent.phoneCodeHash, shown.code)))).toBe("400 PHONE_CODE_EXPIRED")
    expect(world.authorizations().map((a) => a.userId)).toEqual([1001])
  })

  it("an account on another DC: PHONE_MIGRATE to it; there the code, then SESSION_PASSWORD_NEEDED and the SRP check", async () => {
    const { world } = phoneWorld()
    expect(await outcome(caller(world, { dcId: 1 }).call(sendCode(BOB)))).toBe("303 PHONE_MIGRATE_2")
    expect(world.codesFor(BOB)).toEqual([])
    const dc2 = caller(world, { dcId: 2 })
    const sent = await dc2.call(sendCode(BOB)) as Api.auth.SentCode
    const { code } = lastCode(world, BOB)
    expect(await outcome(dc2.call(signIn(BOB, sent.phoneCodeHash, code)))).toBe("401 SESSION_PASSWORD_NEEDED")
    expect(await outcome(dc2.call(new Api.updates.GetState()))).toBe("401 AUTH_KEY_UNREGISTERED")
    const info = await dc2.call(new Api.account.GetPassword())
    expect(info.hint).toBe("the usual")
    expect(await outcome(dc2.call(new Api.auth.CheckPassword({ password: await computeCheck(info, "nope") }))))
      .toBe("400 PASSWORD_HASH_INVALID")
    const again = await dc2.call(new Api.account.GetPassword())
    const auth = await dc2.call(new Api.auth.CheckPassword({ password: await computeCheck(again, "hunter2") }))
    expect(Number(((auth as Api.auth.Authorization).user as Api.User).id)).toBe(1002)
    expect(await outcome(dc2.call(new Api.updates.GetState()))).toBe("ok")
  })

  it("resendCode: app -> sms -> call -> SEND_CODE_UNAVAILABLE, each a new code and hash, the replaced one expired", async () => {
    const { world } = phoneWorld()
    const c = caller(world)
    const first = await c.call(sendCode(ALICE)) as Api.auth.SentCode
    const sms = await c.call(new Api.auth.ResendCode({ phoneNumber: ALICE, phoneCodeHash: first.phoneCodeHash })) as Api.auth.SentCode
    expect(sms.type).toBeInstanceOf(Api.auth.SentCodeTypeSms)
    expect(sms.nextType).toBeInstanceOf(Api.auth.CodeTypeCall)
    expect(sms.phoneCodeHash).not.toBe(first.phoneCodeHash)
    const call = await c.call(new Api.auth.ResendCode({ phoneNumber: ALICE, phoneCodeHash: sms.phoneCodeHash })) as Api.auth.SentCode
    expect(call.type).toBeInstanceOf(Api.auth.SentCodeTypeCall)
    expect(call.nextType == null).toBe(true)
    expect(await outcome(c.call(new Api.auth.ResendCode({ phoneNumber: ALICE, phoneCodeHash: call.phoneCodeHash }))))
      .toBe("400 SEND_CODE_UNAVAILABLE")
    expect(world.codesFor(ALICE)!.map((x) => [x.type, x.status])).toEqual([["app", "replaced"], ["sms", "replaced"], ["call", "active"]])
    const [oldest] = world.codesFor(ALICE)!
    expect(await outcome(c.call(signIn(ALICE, first.phoneCodeHash, oldest!.code)))).toBe("400 PHONE_CODE_EXPIRED")
    expect(await outcome(c.call(signIn(ALICE, call.phoneCodeHash, lastCode(world, ALICE).code)))).toBe("ok")
  })

  it("a code expires after phone_code_ttl_seconds; cancelCode withdraws one", async () => {
    const { advance, world } = phoneWorld({ phone_code_ttl_seconds: 60 })
    const c = caller(world)
    const sent = await c.call(sendCode(ALICE)) as Api.auth.SentCode
    advance(61_000)
    expect(lastCode(world, ALICE).status).toBe("expired")
    expect(await outcome(c.call(signIn(ALICE, sent.phoneCodeHash, lastCode(world, ALICE).code)))).toBe("400 PHONE_CODE_EXPIRED")
    const fresh = await c.call(sendCode(ALICE)) as Api.auth.SentCode
    expect(await c.call(new Api.auth.CancelCode({ phoneNumber: ALICE, phoneCodeHash: fresh.phoneCodeHash }))).toBe(true)
    expect(lastCode(world, ALICE).status).toBe("cancelled")
    expect(await outcome(c.call(signIn(ALICE, fresh.phoneCodeHash, lastCode(world, ALICE).code)))).toBe("400 PHONE_CODE_EXPIRED")
    expect(await outcome(c.call(signIn(ALICE, "not-a-hash", "12345")))).toBe("400 PHONE_CODE_EXPIRED")
  })

  it("PHONE_NUMBER_INVALID, PHONE_NUMBER_BANNED, and a number no account has: a code, then sign-up required", async () => {
    const { world } = phoneWorld()
    const c = caller(world)
    for (const bad of ["", "12345", "+1 555 abc", "1234567890123456"]) {
      expect(await outcome(c.call(sendCode(bad))), bad).toBe("400 PHONE_NUMBER_INVALID")
    }
    expect(await outcome(c.call(sendCode("+15550001004")))).toBe("400 PHONE_NUMBER_BANNED")
    const sent = await c.call(sendCode("+447700900123")) as Api.auth.SentCode
    const result = await c.call(signIn("+447700900123", sent.phoneCodeHash, lastCode(world, "447700900123").code))
    expect(result).toBeInstanceOf(Api.auth.AuthorizationSignUpRequired)
    expect(await outcome(c.call(new Api.updates.GetState()))).toBe("401 AUTH_KEY_UNREGISTERED")
    expect(world.codesFor("no number")).toBeUndefined()
  })

  it("FLOOD_WAIT once a number was sent phone_codes_per_hour codes, until the oldest is an hour old", async () => {
    const { advance, world } = phoneWorld({ phone_codes_per_hour: 2 })
    const c = caller(world)
    const first = await c.call(sendCode(ALICE)) as Api.auth.SentCode
    advance(200_000)
    await c.call(new Api.auth.ResendCode({ phoneNumber: ALICE, phoneCodeHash: first.phoneCodeHash }))
    expect(await outcome(c.call(sendCode(ALICE)))).toBe(`420 FLOOD_WAIT_${3600 - 200}`)
    // Other numbers are not affected.
    expect(await outcome(c.call(sendCode("+447700900123")))).toBe("ok")
    advance(3_400_000)
    expect(await outcome(c.call(sendCode(ALICE)))).toBe("ok")
  })
})
