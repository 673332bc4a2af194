/**
 * Setting `use_takeout`, end to end: off by default (no takeout call at all);
 * on, a history request that fetches from Telegram runs its getHistory calls
 * within one takeout session (the emulator counts InvokeWithTakeout around
 * them) and finishes it when it ends, while one served from the cache starts
 * none; and while Telegram waits for the owner to confirm the export
 * (TAKEOUT_INIT_DELAY_n), the request fails with 429 and Retry-After before
 * the stream starts, or with `event: error` and `retry_after` after it,
 * each saying what to do, and succeeds once the owner confirms.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import {
  calls,
  ExpectedHistory,
  expectNoError,
  history,
  HISTORY_FIXTURE,
  loadFixture,
  marked,
  messagesOf,
  parseSse,
  resetCalls,
  settledCount,
  sleep
} from "./HistoryExpect.js"

const ALICE = "alice"
const YEAR = marked("channel:3002")
const oracle = new ExpectedHistory(loadFixture(HISTORY_FIXTURE))
const TAKEOUT_CALLS = ["account.InitTakeoutSession", "InvokeWithTakeout", "account.FinishTakeoutSession"]
let e2e: E2e

beforeAll(async () => {
  e2e = await startE2e({ scenario: HISTORY_FIXTURE })
  await e2e.login(ALICE, 1001)
})

afterAll(async () => {
  await e2e?.stop()
})

const json = (body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })

const patchSettings = async (patch: object) => {
  const res = await e2e.api("/api/v3/settings", { session: ALICE, ...json(patch), method: "PATCH" })
  expect(res.status).toBe(200)
  return await res.json() as Record<string, unknown>
}

const takeouts = async () => (await (await e2e.control("/takeout")).json()) as { sessions: Array<Record<string, unknown>> }

const expected = (start: string, end: string) => oracle.views("channel:3002", { start: `${start} 00:00:00`, end: `${end} 00:00:00` })

describe("use_takeout", () => {
  it("is off by default: a sync makes no takeout call", async () => {
    expect(((await (await e2e.api("/api/v3/settings", { session: ALICE })).json()) as { use_takeout: boolean }).use_takeout).toBe(false)
    await resetCalls(e2e)
    const body = await history(e2e, ALICE, YEAR, "start_date=2024-01-01&end_date=2024-02-01")
    expectNoError(body)
    expect(messagesOf(body)).toEqual(expected("2024-01-01", "2024-02-01"))
    const counted = await calls(e2e)
    expect(counted["messages.GetHistory"]).toBeGreaterThan(0)
    for (const method of TAKEOUT_CALLS) expect(counted[method]).toBeUndefined()
  })

  it("on: the sync's getHistory calls run within one takeout session, finished when the sync ends", async () => {
    expect(await patchSettings({ use_takeout: true })).toMatchObject({ use_takeout: true, download_media: true })
    await resetCalls(e2e)
    const body = await history(e2e, ALICE, YEAR, "start_date=2024-02-01&end_date=2024-04-01")
    expectNoError(body)
    expect(messagesOf(body)).toEqual(expected("2024-02-01", "2024-04-01"))
    expect(await settledCount(e2e, "account.FinishTakeoutSession")).toBe(1)
    const counted = await calls(e2e)
    expect(counted["account.InitTakeoutSession"]).toBe(1)
    expect(counted["messages.GetHistory"]).toBeGreaterThanOrEqual(2)
    // Every getHistory of the sync inside the takeout, and the finish too.
    expect(counted.InvokeWithTakeout).toBe(counted["messages.GetHistory"]! + 1)
    expect((await takeouts()).sessions).toEqual([expect.objectContaining({
      user_id: 1001,
      scope: ["message_users", "message_chats", "message_megagroups", "message_channels", "files"],
      file_max_size: 20 * 1024 * 1024,
      active: false,
      success: true
    })])
  })

  it("on, with media downloads: the files' upload.getFile calls run within the takeout too", async () => {
    await resetCalls(e2e)
    const body = await history(e2e, ALICE, marked("channel:3001"), "start_date=2024-02-01&end_date=2024-02-02")
    expectNoError(body)
    expect(messagesOf(body).filter((m) => m.media_uuid !== null).length).toBeGreaterThan(0)
    expect(await settledCount(e2e, "account.FinishTakeoutSession")).toBe(1)
    const counted = await calls(e2e)
    expect(counted["upload.GetFile"]).toBeGreaterThan(0)
    expect(counted.InvokeWithTakeout).toBe(counted["messages.GetHistory"]! + counted["upload.GetFile"]! + 1)
  })

  it("on: a takeout Telegram no longer knows (TAKEOUT_INVALID) is dropped and the sync goes on without it", async () => {
    expect((await e2e.control("/faults", json({ method: "InvokeWithTakeout", error: "TAKEOUT_INVALID", after: 1 }))).status).toBe(200)
    await resetCalls(e2e)
    const body = await history(e2e, ALICE, YEAR, "start_date=2024-09-01&end_date=2024-11-01")
    expectNoError(body)
    expect(messagesOf(body)).toEqual(expected("2024-09-01", "2024-11-01"))
    expect(await settledCount(e2e, "account.FinishTakeoutSession")).toBe(1)
    const counted = await calls(e2e)
    // One page within the takeout, the next refused and sent again as is, the rest as is; the finish still within it.
    expect(counted.InvokeWithTakeout).toBe(3)
    expect(counted["messages.GetHistory"]).toBeGreaterThanOrEqual(3)
  })

  it("on: a request the cache serves whole starts no takeout", async () => {
    await resetCalls(e2e)
    expectNoError(await history(e2e, ALICE, YEAR, "start_date=2024-02-01&end_date=2024-04-01"))
    const counted = await calls(e2e)
    for (const method of TAKEOUT_CALLS) expect(counted[method]).toBeUndefined()
  })

  it("while Telegram waits for the owner's confirmation: 429 before the stream, event: error after it, then success once confirmed", async () => {
    expect((await e2e.control("/takeout", json({ delay_seconds: 3600 }))).status).toBe(200)
    await resetCalls(e2e)
    const before = await e2e.api(`/api/v3/history/${YEAR}?start_date=2024-05-01&end_date=2024-06-01`, { session: ALICE })
    expect(before.status).toBe(429)
    expect(Number(before.headers.get("retry-after"))).toBeGreaterThan(3500)
    const detail = ((await before.json()) as { detail: string }).detail
    expect(detail).toMatch(/^Telegram has asked the account's owner to confirm the data export that use_takeout starts: confirm it in another Telegram app/)
    expect(detail).toMatch(/or wait 3[56]\d\d seconds/)
    expect(detail).toMatch(/PATCH \/api\/v3\/settings \{"use_takeout": false\}/)
    // Nothing was asked outside a takeout meanwhile.
    expect((await calls(e2e))["messages.GetHistory"]).toBeUndefined()

    // March is cached: it streams, then the fetch of April needs the takeout.
    const after = await e2e.api(`/api/v3/history/${YEAR}?start_date=2024-03-01&end_date=2024-05-01`, { session: ALICE })
    expect(after.status).toBe(200)
    const stream = parseSse(await after.text())
    expect(messagesOf(stream)).toEqual(expected("2024-03-01", "2024-04-01"))
    const last = stream.events.at(-1)!
    expect(last.event).toBe("error")
    expect(last.data).toMatchObject({ status: 429, detail: expect.stringMatching(/confirm it in another Telegram app/) })
    expect((last.data as { retry_after: number }).retry_after).toBeGreaterThan(3500)

    expect((await e2e.control("/takeout/confirm", json({ user_id: 1001 }))).status).toBe(200)
    const confirmed = await history(e2e, ALICE, YEAR, "start_date=2024-03-01&end_date=2024-06-01")
    expectNoError(confirmed)
    expect(messagesOf(confirmed)).toEqual(expected("2024-03-01", "2024-06-01"))
    expect(await settledCount(e2e, "account.FinishTakeoutSession")).toBe(1)
    expect((await calls(e2e))["account.InitTakeoutSession"]).toBe(3)
  })
  it("on: two syncs of the account at once, in two dialogs, share one takeout, finished when the last one ends", async () => {
    // Each answer takes 400 ms, so the first sync still has pages to fetch when the second starts.
    expect((await e2e.control("/latency", json({ latency: "400ms" }))).status).toBe(200)
    try {
      await resetCalls(e2e)
      const first = history(e2e, ALICE, YEAR, "start_date=2024-06-01&end_date=2024-09-01")
      while (((await calls(e2e))["messages.GetHistory"] ?? 0) < 1) await sleep(20)
      const second = history(e2e, ALICE, marked("channel:3003"), "start_date=2022-03-01&end_date=2022-04-01")
      for (const body of await Promise.all([first, second])) expectNoError(body)
      expect(await settledCount(e2e, "account.FinishTakeoutSession")).toBe(1)
      const counted = await calls(e2e)
      expect(counted["account.InitTakeoutSession"]).toBe(1)
      expect(counted.InvokeWithTakeout).toBe(counted["messages.GetHistory"]! + 1)
    } finally {
      await e2e.control("/latency", json({ latency: 0 }))
    }
  })
})
