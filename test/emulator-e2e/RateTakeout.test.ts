/**
 * The rate model, the injected latency and takeout sessions as a logged-in
 * GramJS client meets them over MTProto, all set through the control API:
 * FLOOD_WAIT_n once the account's budget is spent (per account, GET /rate
 * counting it), answers held back by the latency, and a takeout that waits
 * for the user's confirmation, wraps getHistory and ends.
 */
import bigInt from "big-integer"
import { Api, errors, type TelegramClient } from "telegram"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { destroyTestClient } from "../emulator/TestClient.js"
import { control, dialogInputPeers, fixtureJson, loggedInClient, outcome, startWorld, type WorldOnNetwork } from "./NetworkHarness.js"

let net: WorldOnNetwork
let client: TelegramClient
let other: TelegramClient
let channel: Api.TypeInputPeer
let otherChannel: Api.TypeInputPeer

beforeAll(async () => {
  const json = fixtureJson("sample.json") as { options: Record<string, unknown> }
  net = await startWorld({ ...json, options: { ...json.options, rate: ["messages.GetDialogFilters=0.2/s,burst=2"] } })
  client = (await loggedInClient(net.emulator, 1001, { floodSleepThreshold: 0 })).client
  other = (await loggedInClient(net.emulator, 1002, { floodSleepThreshold: 0, password: "hunter2" })).client
  channel = (await dialogInputPeers(client)).get("channel:3004")!
  otherChannel = (await dialogInputPeers(other)).get("channel:3002")!
})

afterEach(async () => {
  await control(net.emulator, "POST", "/rate", { limits: [] })
  await control(net.emulator, "POST", "/latency", { latency: 0 })
  await control(net.emulator, "POST", "/takeout", { delay_seconds: 0 })
})

afterAll(async () => {
  await Promise.all([destroyTestClient(client), destroyTestClient(other)])
  await net.stop()
})

const page = (c: TelegramClient, offsetId = 0) =>
  c.invoke(new Api.messages.GetHistory({ peer: c === client ? channel : otherChannel, limit: 10, offsetId, addOffset: 0, maxId: 0, minId: 0, hash: bigInt(0) }))

describe("rate budgets", () => {
  it("a scenario's budget is in force from the start", async () => {
    const rate = await control(net.emulator, "GET", "/rate")
    expect((rate.body as { limits: Array<string> }).limits).toEqual(["messages.GetDialogFilters=0.2/s,burst=2"])
  })

  it("answers FLOOD_WAIT_n once an account spends its burst, counts it, and leaves other accounts alone", async () => {
    const set = await control(net.emulator, "POST", "/rate", { limits: ["messages.GetHistory=0.5/s,burst=3"] })
    expect(set).toMatchObject({ status: 200, body: { limits: ["messages.GetHistory=0.5/s,burst=3"], usage: [] } })
    for (let i = 0; i < 3; i++) await page(client)
    const error = await page(client).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(errors.FloodWaitError)
    expect(error).toMatchObject({ code: 420, seconds: 2 })
    await page(other)
    const usage = (await control(net.emulator, "GET", "/rate")).body as { usage: Array<Record<string, unknown>> }
    expect(usage.usage).toEqual([
      expect.objectContaining({ account: "1001", method: "messages.GetHistory", allowed: 3, flood_waits: 1, longest_flood_wait: 2 }),
      expect.objectContaining({ account: "1002", method: "messages.GetHistory", allowed: 1, flood_waits: 0 })
    ])
  })

  it("refuses an invalid limit with 400 and keeps the ones in force", async () => {
    await control(net.emulator, "POST", "/rate", { limits: ["messages.GetHistory=1/s"] })
    const bad = await control(net.emulator, "POST", "/rate", { limits: ["messages.GetHistory=fast"] })
    expect(bad.status).toBe(400)
    expect((bad.body as { detail: string }).detail).toMatch(/^limits: \[0\]: expected <method>=<n>\/s/)
    expect((await control(net.emulator, "POST", "/rate", { limits: "x" })).status).toBe(400)
    expect(((await control(net.emulator, "GET", "/rate")).body as { limits: Array<string> }).limits).toEqual(["messages.GetHistory=1/s,burst=1"])
  })
})

describe("latency", () => {
  it("holds every answer back by at least the latency less its jitter, and reads back", async () => {
    const set = await control(net.emulator, "POST", "/latency", { latency: "200ms±20ms" })
    expect(set).toEqual({ status: 200, body: { ms: 200, jitter_ms: 20 } })
    const started = performance.now()
    await Promise.all([page(client), page(client, 50), page(other)])
    // A lower bound only: the three calls were in flight together, how fast they overlapped is the bench's business.
    expect(performance.now() - started).toBeGreaterThanOrEqual(175)
    expect((await control(net.emulator, "POST", "/latency", { latency: "soon" })).status).toBe(400)
    expect((await control(net.emulator, "GET", "/latency")).body).toEqual({ ms: 200, jitter_ms: 20 })
  })
})

describe("takeout sessions", () => {
  const init = (c: TelegramClient) => c.invoke(new Api.account.InitTakeoutSession({ messageChannels: true, messageUsers: true }))
  const within = <R extends Api.AnyRequest>(id: bigInt.BigInteger, query: R) =>
    client.invoke(new Api.InvokeWithTakeout({ takeoutId: id, query }))

  it("waits for the user's confirmation, then wraps getHistory, ends, and refuses the finished id", async () => {
    await control(net.emulator, "POST", "/takeout", { delay_seconds: 86_400 })
    expect(await outcome(init(client))).toMatch(/^420 TAKEOUT_INIT_DELAY_(86400|86399)$/)
    expect(await outcome(init(client))).toMatch(/^420 TAKEOUT_INIT_DELAY_(86400|8639\d)$/)
    expect((await control(net.emulator, "POST", "/takeout/confirm", { user_id: 1002 })).status).toBe(404)
    expect((await control(net.emulator, "POST", "/takeout/confirm", { user_id: 1001 })).status).toBe(200)
    const takeout = await init(client)
    await control(net.emulator, "POST", "/calls/reset")
    const history = await within(takeout.id, new Api.messages.GetHistory({
      peer: channel, limit: 5, offsetId: 0, addOffset: 0, maxId: 0, minId: 0, hash: bigInt(0)
    })) as Api.messages.ChannelMessages
    expect(history.messages).toHaveLength(5)
    // Another account cannot use it.
    expect(await outcome(other.invoke(new Api.InvokeWithTakeout({ takeoutId: takeout.id, query: new Api.messages.GetDialogFilters() }))))
      .toBe("400 TAKEOUT_INVALID")
    expect(await outcome(client.invoke(new Api.account.FinishTakeoutSession({ success: true })))).toBe("400 TAKEOUT_REQUIRED")
    expect(await within(takeout.id, new Api.account.FinishTakeoutSession({ success: true }))).toBe(true)
    expect(await outcome(within(takeout.id, new Api.messages.GetDialogFilters()))).toBe("400 TAKEOUT_INVALID")
    const calls = (await control(net.emulator, "GET", "/calls")).body as Record<string, number>
    expect(calls).toMatchObject({ InvokeWithTakeout: 4, "messages.GetHistory": 1, "account.FinishTakeoutSession": 2 })
    const sessions = ((await control(net.emulator, "GET", "/takeout")).body as { sessions: Array<Record<string, unknown>> }).sessions
    expect(sessions).toEqual([{
      id: takeout.id.toString(), user_id: 1001, scope: ["message_users", "message_channels"], file_max_size: null, active: false, success: true
    }])
  })

  it("starts at once without a delay, and answers 400 for bad control input", async () => {
    expect(await outcome(init(other))).toBe("ok")
    expect((await control(net.emulator, "POST", "/takeout", { delay_seconds: -1 })).status).toBe(400)
    expect((await control(net.emulator, "POST", "/takeout/confirm", { user_id: "1001" })).status).toBe(400)
  })
})
