/**
 * Faults injected through the control API (`POST /faults`) into the real
 * world, as a logged-in GramJS client paging a 2000-message channel
 * experiences them: FLOOD_WAIT below GramJS's floodSleepThreshold (it sleeps
 * and retries by itself) and above it (FloodWaitError), and a dropped
 * connection that GramJS recovers from on the same auth key and login.
 */
import bigInt from "big-integer"
import { Api, errors, type TelegramClient } from "telegram"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { dialogMessages } from "../emulator/HistoryOracle.js"
import { parseScenario } from "../emulator/Scenario.js"
import { destroyTestClient, makeTestClient } from "../emulator/TestClient.js"
import { control, dialogInputPeers, fixtureJson, loggedInClient, startWorld, type WorldOnNetwork } from "./NetworkHarness.js"

const sampleJson = fixtureJson("sample.json")
const allIds = dialogMessages(parseScenario(sampleJson), "channel:3004", 1001).map((m) => m.id).sort((a, b) => b - a)

let net: WorldOnNetwork
let session: string
let channel: Api.TypeInputPeer

beforeAll(async () => {
  net = await startWorld(sampleJson)
  const first = await loggedInClient(net.emulator, 1001)
  session = first.session
  channel = (await dialogInputPeers(first.client)).get("channel:3004")!
  await destroyTestClient(first.client)
})

afterEach(async () => {
  await control(net.emulator, "DELETE", "/faults")
  await control(net.emulator, "POST", "/calls/reset")
})

afterAll(() => net.stop())

const withClient = async <A>(options: { readonly floodSleepThreshold?: number }, run: (client: TelegramClient) => Promise<A>): Promise<A> => {
  const client = makeTestClient(net.emulator, { session, ...options })
  try {
    await client.connect()
    return await run(client)
  } finally {
    await destroyTestClient(client)
  }
}

const fault = async (spec: Record<string, unknown>) => {
  const added = await control(net.emulator, "POST", "/faults", spec)
  expect(added.status).toBe(200)
}

const calls = async (method: string) => ((await control(net.emulator, "GET", "/calls")).body as Record<string, number>)[method] ?? 0

const readChannel = async (client: TelegramClient) => Array.from(await client.getMessages(channel, { limit: 5000 }), (m) => m.id)

describe("FLOOD_WAIT", () => {
  it("below floodSleepThreshold GramJS sleeps it out, retries the same page, and the paging ends complete", () =>
    withClient({}, async (client) => {
      await fault({ method: "messages.GetHistory", error: "FLOOD_WAIT_1", times: 1, after: 3 })
      expect(await readChannel(client)).toEqual(allIds)
      // 21 pages (the last one empty), one of them asked twice.
      expect(await calls("messages.GetHistory")).toBe(22)
    }))

  it("above floodSleepThreshold GramJS raises FloodWaitError with the seconds; the next call goes through", () =>
    withClient({ floodSleepThreshold: 5 }, async (client) => {
      await fault({ method: "messages.GetHistory", error: "FLOOD_WAIT_30", times: 1, after: 2 })
      const error = await readChannel(client).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(errors.FloodWaitError)
      expect(error).toMatchObject({ code: 420, seconds: 30 })
      expect(await calls("messages.GetHistory")).toBe(3)
      expect(await readChannel(client)).toEqual(allIds)
    }))

  it("a FLOOD_WAIT on any method (\"*\") reaches whichever call comes next", () =>
    withClient({ floodSleepThreshold: 0 }, async (client) => {
      await fault({ method: "*", error: "FLOOD_WAIT_7" })
      const error = await client.invoke(new Api.messages.GetDialogFilters()).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 420, seconds: 7 })
      expect((await client.invoke(new Api.messages.GetDialogFilters())).filters.length).toBeGreaterThan(1)
    }))
})

describe("NO_ANSWER", () => {
  it("leaves one call unanswered on a connection that stays up: the calls after it are answered", () =>
    withClient({}, async (client) => {
      await fault({ method: "messages.GetHistory", error: "NO_ANSWER", times: 1 })
      const silent = client.invoke(new Api.messages.GetHistory({ peer: channel, limit: 5, hash: bigInt.zero }))
      silent.catch(() => undefined)
      const [me] = await client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }))
      expect((me as Api.User).id.toJSNumber()).toBe(1001)
      const page = await client.invoke(new Api.messages.GetHistory({ peer: channel, limit: 5, hash: bigInt.zero }))
      expect((page as Api.messages.ChannelMessages).messages.map((m) => m.id)).toEqual(allIds.slice(0, 5))
      const outcome = await Promise.race([silent.then(() => "answered", () => "failed"), new Promise((r) => setTimeout(() => r("silent"), 300))])
      expect(outcome).toBe("silent")
    }))
})

describe("DISCONNECT", () => {
  it("drops the connection mid-paging; GramJS reconnects on the same auth key, resends, and the paging ends complete", () =>
    withClient({}, async (client) => {
      const handshakes = net.emulator.handshakes()
      await fault({ method: "messages.GetHistory", error: "DISCONNECT", times: 1, after: 5 })
      expect(await readChannel(client)).toEqual(allIds)
      expect(await calls("messages.GetHistory")).toBe(22)
      // Still the same key, still logged in.
      expect(net.emulator.handshakes()).toBe(handshakes)
      const [me] = await client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }))
      expect((me as Api.User).id.toJSNumber()).toBe(1001)
    }))

  it("two drops in a row are survived too", () =>
    withClient({}, async (client) => {
      await fault({ method: "messages.GetHistory", error: "DISCONNECT", times: 2, after: 1 })
      const page = await client.invoke(new Api.messages.GetHistory({ peer: channel, limit: 5, hash: bigInt.zero }))
      expect((page as Api.messages.ChannelMessages).messages.map((m) => m.id)).toEqual(allIds.slice(0, 5))
      expect(await readChannel(client)).toEqual(allIds)
    }))
})
