/**
 * File references that expire, end to end (the emulator's
 * `expiring_file_references`, rotated at once with POST
 * /file-references/rotate): a media file whose stored reference has gone
 * stale is downloaded all the same, through GramJS and the emulator, by
 * asking Telegram for its message again (a fresh locator) and retrying
 * once; both when media skipped earlier is repaired (`repair_media`) and
 * when a failed download is retried as its message is served again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { countCalls, expectNoError, history, type HistoryMessage, marked, messagesOf } from "./HistoryExpect.js"

const ME = 1001
const SESSION = "alice"
const NEWS = marked("channel:3001")

const scenario = {
  options: { realism: { expiring_file_references: true } },
  users: [{ id: 1001, first_name: "Alice" }],
  channels: [{ id: 3001, title: "News", megagroup: false, creator: 1001, date: "2020-01-01 00:00:00" }],
  accounts: [{ user: ME, dialogs: [{ peer: "channel:3001" }] }],
  messages: [
    { peer: "channel:3001", id: 1, date: "2024-01-01 10:00:00", text: "a photo", media: { type: "photo", size: 70_000 } },
    { peer: "channel:3001", id: 2, date: "2024-01-01 11:00:00", text: "a report",
      media: { type: "document", kind: "file", file_name: "report.pdf", mime_type: "application/pdf", size: 600_000 } },
    { peer: "channel:3001", id: 3, date: "2024-01-01 12:00:00", text: "no media" }
  ]
}

let e2e: E2e

beforeAll(async () => {
  e2e = await startE2e({ scenario })
  await e2e.login(SESSION, ME)
})
afterAll(async () => {
  await e2e?.stop()
})

const post = (path: string, body?: unknown) =>
  e2e.control(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })

const patchSettings = async (patch: unknown) => {
  const res = await e2e.api("/api/v3/settings", {
    session: SESSION,
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(patch)
  })
  expect(res.status).toBe(200)
}

const expectServed = async (m: HistoryMessage) => {
  const res = await e2e.api(`/api/v3/files/${m.media_uuid}`, { session: SESSION })
  expect(res.status, `media of message ${m.message_id}`).toBe(200)
  const bytes = Buffer.from(await res.arrayBuffer())
  const expected = Buffer.from(await (await e2e.control(`/media?peer=channel:3001&id=${m.message_id}`)).arrayBuffer())
  expect(bytes.equals(expected), `bytes of message ${m.message_id}`).toBe(true)
}

const fileStatus = async (m: HistoryMessage) => (await e2e.api(`/api/v3/files/${m.media_uuid}`, { session: SESSION })).status

describe("file references that expire", () => {
  it("repair_media downloads media skipped earlier whose stored references have been rotated since", async () => {
    await patchSettings({ download_media: false })
    const skipped = await history(e2e, SESSION, NEWS)
    expectNoError(skipped)
    const withMedia = messagesOf(skipped).filter((m) => m.media_uuid !== null)
    expect(withMedia.map((m) => m.message_id)).toEqual([1, 2])
    for (const m of withMedia) expect(await fileStatus(m)).toBe(404)

    // What serving the cached history costs Telegram by itself (a look for newer messages).
    const baseline = (await countCalls(e2e, "messages.GetHistory", () => history(e2e, SESSION, NEWS))).count

    expect((await post("/file-references/rotate")).status).toBe(200)
    await patchSettings({ download_media: true, repair_media: true })
    const repaired = await countCalls(e2e, "messages.GetHistory", () => history(e2e, SESSION, NEWS))
    expectNoError(repaired.value)
    // And one request more per stale file, for its message's fresh reference.
    expect(repaired.count).toBe(baseline + 2)
    for (const m of withMedia) await expectServed(m)
  })

  it("a download that failed is retried with a fresh reference after a rotation", async () => {
    expect((await post("/messages", {
      messages: [{ peer: "channel:3001", id: 4, text: "another photo", media: { type: "photo", size: 40_000 } }]
    })).status).toBe(200)
    expect((await post("/faults", { method: "upload.GetFile", error: "FILE_PARTS_INVALID", times: 1 })).status).toBe(200)
    const failed = messagesOf(await history(e2e, SESSION, NEWS, "force_refresh=true")).find((m) => m.message_id === 4)!
    expect(await fileStatus(failed)).not.toBe(200)

    expect((await post("/file-references/rotate")).status).toBe(200)
    const served = messagesOf(await history(e2e, SESSION, NEWS)).find((m) => m.message_id === 4)!
    expect(served.media_uuid).toBe(failed.media_uuid)
    await expectServed(served)
  })
})
