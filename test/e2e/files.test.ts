/**
 * Media end to end: history downloads what the settings allow (every media
 * type and category of test/fixtures/history.json), GET /api/v3/files serves
 * exactly the emulator's bytes (whole, by range, or as metadata), settings
 * changes are repaired from the cache without asking Telegram for media
 * still excluded (upload.GetFile counts), and two accounts with the same
 * private-chat peer keep separate caches they cannot read across.
 *
 * In the emulator's realistic mode (TGSC_E2E_REALISM=all, Realism.ts) some
 * of the fixture's messages are hidden from the account (their ids decide),
 * and now and then a call fails once with -503 Timeout and is asked again:
 * each test then expects what the oracle says the account can read, uses a
 * readable message of the same kind where the one it names is hidden (`pick`),
 * and counts the emulator's timeouts into its call counts.
 */
import { execFile } from "node:child_process"
import * as fs from "node:fs/promises"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { OracleMessage } from "../emulator/HistoryOracle.js"
import { documentMimeType } from "../emulator/Media.js"
import { type E2e, startE2e } from "../support/E2e.js"
import {
  callCount,
  countCalls,
  ExpectedHistory,
  expectNoError,
  history,
  HISTORY_FIXTURE,
  type HistoryMessage,
  loadFixture,
  marked,
  messagesOf,
  resetCalls,
  UUID
} from "./HistoryExpect.js"
import { watchTimeouts } from "./RealisticFiles.js"

const ALICE = "alice"
const BOB = "bob"
const NEWS = marked("channel:1234567890")
const RUST = marked("channel:3001")
const CAROL = marked("user:1003")
const SAVED = marked("user:1001")
const FAMILY = marked("chat:2001")
const GET_FILE = "upload.GetFile"
const GET_HISTORY = "messages.GetHistory"
/** The gateway downloads in requests of 512 KiB. */
const REQUEST_SIZE = 512 * 1024
const PAST = "end_date=2025-01-01"
const MAX_DEFAULT_SIZE = 20 * 1024 * 1024

const oracle = new ExpectedHistory(loadFixture(HISTORY_FIXTURE))
let e2e: E2e
/** The -503 Timeouts the emulator has sent, by method (realistic mode; never in exact mode). */
let timeoutsSent: (method: string) => number

beforeAll(async () => {
  e2e = await startE2e({ scenario: HISTORY_FIXTURE })
  timeoutsSent = watchTimeouts(e2e.world)
  await e2e.login(ALICE, 1001)
  await e2e.login(BOB, 1002)
})

afterAll(async () => {
  await e2e?.stop()
})

const byId = (messages: ReadonlyArray<HistoryMessage>) => new Map(messages.map((m) => [m.message_id, m]))

/** Whether `owner` can read message `id` of `peer`: always in exact mode, not when realistic mode hides it. */
const readable = (peer: string, id: number, owner = 1001) => oracle.messages(peer, { owner }).some((m) => m.id === id)

const sizeOf = (m: OracleMessage): number => (m.media?.type === "photo" || m.media?.type === "document" ? m.media.size : 0)
const hasFile = (m: OracleMessage) => m.media?.type === "photo" || m.media?.type === "document"
const isPhoto = (m: OracleMessage) => m.media?.type === "photo"
const isKind = (kind: string) => (m: OracleMessage) => m.media?.type === "document" && m.media.kind === kind

interface Picked {
  readonly peer: string
  readonly owner: number
  readonly message: OracleMessage
}

/**
 * The fixture's message `id` of `peer` as `owner` sees it (always, in exact
 * mode); when realistic mode hides it from the account, the first readable
 * message `like` accepts, in `peer` or else in `elsewhere`.
 */
const pick = (
  peer: string,
  id: number,
  like: (m: OracleMessage) => boolean,
  options: { readonly owner?: number; readonly elsewhere?: ReadonlyArray<string> } = {}
): Picked => {
  const owner = options.owner ?? 1001
  const named = oracle.messages(peer, { owner }).find((m) => m.id === id)
  if (named !== undefined) {
    if (!like(named)) throw new Error(`${peer}/${id} is not the kind of message the test needs`)
    return { peer, owner, message: named }
  }
  if (!oracle.realism.short_pages) throw new Error(`no message ${peer}/${id} in the fixture`)
  for (const where of [peer, ...(options.elsewhere ?? [])]) {
    const found = oracle.messages(where, { owner }).find(like)
    if (found !== undefined) return { peer: where, owner, message: found }
  }
  throw new Error(`no readable message like ${peer}/${id}`)
}

const RUST_PEER = "channel:3001"
/** report.pdf, 48213 bytes: a file downloaded with the default settings. */
const REPORT = pick(RUST_PEER, 21, (m) =>
  isKind("file")(m) && m.media?.type === "document" && /\.pdf$/.test(m.media.fileName ?? "") && sizeOf(m) <= MAX_DEFAULT_SIZE)
/** A 70000-byte photo (Rust Devs has only that one: else one of another dialog). */
const PHOTO = pick(RUST_PEER, 22, isPhoto, { elsewhere: ["channel:1234567890", "user:1001"] })
const VIDEO = pick(RUST_PEER, 12, isKind("video"))
const STICKER = pick(RUST_PEER, 14, isKind("sticker"))
/** dataset.csv, 22 MB: over the default limit. */
const TOO_BIG = pick(RUST_PEER, 27, (m) => hasFile(m) && sizeOf(m) > MAX_DEFAULT_SIZE)
/** The photo Carol sent Alice, and the one she sent Bob (or, hidden, another of their files). */
const ALICE_PHOTO = pick("user:1003", 3, hasFile, { owner: 1001 })
const BOB_PHOTO = pick("user:1003", 3, hasFile, { owner: 1002 })
/** slides.pdf, 1.5 MB, for Alice. */
const SLIDES = pick("user:1003", 4, (m) => isKind("file")(m) && sizeOf(m) === 1_500_000, { owner: 1001 })

const sessionOf = (owner: number) => (owner === 1002 ? BOB : ALICE)

const mimeOf = (p: Picked): string => {
  const media = p.message.media!
  if (media.type === "photo") return "image/jpeg"
  if (media.type !== "document") throw new Error(`${p.peer}/${p.message.id} has no file`)
  return documentMimeType(media)
}

/** A picked message as the server's history shows it (the dialog's cached history, completed if need be). */
const served = async (p: Picked): Promise<HistoryMessage> =>
  byId(messagesOf(await history(e2e, sessionOf(p.owner), marked(p.peer), PAST))).get(p.message.id)!

/** The emulator's bytes of a picked message's media. */
const bytesOf = (p: Picked) => emulatorBytes(p.peer, p.message.id, p.peer.startsWith("channel:") ? undefined : p.owner)

/**
 * upload.GetFile calls made while `run` runs, and how many of them the
 * emulator failed with -503 Timeout (realistic mode): the server asks each
 * again, so `count` is the work plus `timeouts` (0 in exact mode).
 */
const countFileCalls = async <A>(run: () => Promise<A>) => {
  const before = timeoutsSent(GET_FILE)
  const { count, value } = await countCalls(e2e, GET_FILE, run)
  return { count, value, timeouts: timeoutsSent(GET_FILE) - before }
}

/** The bytes the emulator serves for a message's media. */
const emulatorBytes = async (peer: string, id: number, owner?: number): Promise<Buffer> => {
  const res = await e2e.control(`/media?peer=${peer}&id=${id}${owner === undefined ? "" : `&owner=${owner}`}`)
  expect(res.status).toBe(200)
  return Buffer.from(await res.arrayBuffer())
}

const file = (uuid: string, session = ALICE, headers: Record<string, string> = {}) =>
  e2e.api(`/api/v3/files/${uuid}`, { session, headers })

const metadata = async (uuid: string, session = ALICE) => {
  const res = await e2e.api(`/api/v3/files/${uuid}?metadata_only=true`, { session })
  expect(res.status).toBe(200)
  return await res.json() as { file_path: string; original_filename: string | null; size: number; mime_type: string | null }
}

const patchSettings = async (patch: unknown) => {
  const res = await e2e.api("/api/v3/settings", {
    session: ALICE,
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(patch)
  })
  expect(res.status).toBe(200)
  return await res.json() as Record<string, unknown>
}

/** upload.GetFile requests for whole downloads of files of these sizes. */
const requestsFor = (...sizes: ReadonlyArray<number>) => sizes.reduce((n, size) => n + Math.ceil(size / REQUEST_SIZE), 0)

const expectDownloaded = async (peer: string, m: HistoryMessage, mimeType: string, owner?: number) => {
  const res = await file(m.media_uuid!, owner === 1002 ? BOB : ALICE)
  expect(res.status, `${peer}/${m.message_id}`).toBe(200)
  expect(res.headers.get("content-type")).toBe(mimeType)
  expect(res.headers.get("content-length")).toBe(String(m.media_size))
  const name = m.media_original_filename
  if (name !== null) expect(res.headers.get("content-disposition")).toContain(`filename*=UTF-8''${encodeURIComponent(name)}`)
  const bytes = Buffer.from(await res.arrayBuffer())
  expect(bytes.length).toBe(m.media_size)
  expect(bytes.equals(await emulatorBytes(peer, m.message_id, owner)), `${peer}/${m.message_id} bytes`).toBe(true)
}

const expectSkipped = async (m: HistoryMessage, reason: RegExp) => {
  const res = await file(m.media_uuid!)
  expect(res.status).toBe(404)
  const body = await res.json() as { detail: string }
  expect(body.detail).toMatch(/skipped by settings/)
  expect(body.detail).toMatch(reason)
}

describe("media downloaded during history", () => {
  it("with the contract's default settings: every type but videos, up to 20 MB, byte for byte", async () => {
    const settings = await (await e2e.api("/api/v3/settings", { session: ALICE })).json()
    expect(settings).toEqual({
      download_media: true,
      max_media_size_mb: 20,
      telegram_batch_size: 100,
      repair_media: true,
      download_file_types: {
        photos: true,
        videos: false,
        voice_messages: true,
        video_messages: true,
        stickers: true,
        gifs: true,
        files: true
      },
      use_takeout: false,
      sync_concurrency: 8,
      follow_updates: false
    })
    const { count, timeouts, value: body } = await countFileCalls(() => history(e2e, ALICE, RUST))
    expectNoError(body)
    const messages = messagesOf(body)
    expect(messages).toEqual(oracle.views("channel:3001"))
    const m = byId(messages)
    // The fixture's, less what realistic mode hides from the account (there: the audio, report.pdf and the photo).
    const downloaded = ([
      [13, "video/mp4"], // gif
      [14, "image/webp"], // sticker
      [18, "audio/ogg"], // voice message
      [19, "video/mp4"], // video message
      [20, "audio/mpeg"], // audio: a file
      [21, "application/pdf"],
      [22, "image/jpeg"], // photo
      [28, "application/pdf"]
    ] as Array<[number, string]>).filter(([id]) => readable(RUST_PEER, id))
    expect(count).toBe(requestsFor(...downloaded.map(([id]) => m.get(id)!.media_size!)) + timeouts)
    for (const [id, mime] of downloaded) await expectDownloaded("channel:3001", m.get(id)!, mime)
    await expectSkipped(m.get(VIDEO.message.id)!, /download_file_types\.videos is off/)
    await expectSkipped(m.get(TOO_BIG.message.id)!, /larger than max_media_size_mb \(20 MB\)/)
    // Webpages, locations and polls have a media_type but nothing to download (realistic mode hides these three).
    for (const id of [23, 24, 25].filter((id) => readable(RUST_PEER, id))) expect(m.get(id)!.media_uuid).toBeNull()
  })

  it("after a settings change, repairs from the cache only the media newly allowed", async () => {
    const m = byId(messagesOf(await history(e2e, ALICE, RUST, PAST)))
    await patchSettings({ download_file_types: { videos: true } })
    expect(await fs.readFile(path.join(e2e.server.dataDir, "settings.yaml"), "utf8")).toMatch(/videos: true/)
    const timeoutsBefore = timeoutsSent(GET_FILE)
    await resetCalls(e2e)
    const body = await history(e2e, ALICE, RUST, PAST)
    expect(await callCount(e2e, GET_HISTORY)).toBe(0)
    // The video alone: nothing downloaded before is fetched again, the 22 MB file is still too big.
    const video = m.get(VIDEO.message.id)!
    expect(await callCount(e2e, GET_FILE)).toBe(requestsFor(video.media_size!) + timeoutsSent(GET_FILE) - timeoutsBefore)
    expect(messagesOf(body).map((x) => x.media_uuid)).toEqual([...m.values()].map((x) => x.media_uuid))
    await expectDownloaded("channel:3001", video, "video/mp4")
    await expectSkipped(m.get(TOO_BIG.message.id)!, /larger than max_media_size_mb/)
    const again = await countCalls(e2e, GET_FILE, () => history(e2e, ALICE, RUST, PAST))
    expect(again.count).toBe(0)
  })

  it("max_media_size_mb skips larger files, and a raised limit repairs them", async () => {
    await patchSettings({ max_media_size_mb: 1 })
    const first = await countFileCalls(() => history(e2e, ALICE, CAROL))
    const m = byId(messagesOf(first.value))
    expect(messagesOf(first.value)).toEqual(oracle.views("user:1003", { owner: 1001 }))
    // The photo (none when realistic mode hides it).
    const small = [3].filter((id) => readable("user:1003", id)).map((id) => m.get(id)!.media_size!)
    expect(first.count).toBe(requestsFor(...small) + first.timeouts)
    await expectSkipped(m.get(SLIDES.message.id)!, /larger than max_media_size_mb \(1 MB\): 1\.4 MB/)

    await patchSettings({ max_media_size_mb: 2 })
    const repaired = await countFileCalls(() => history(e2e, ALICE, CAROL, PAST))
    expect(repaired.count).toBe(requestsFor(1_500_000) + repaired.timeouts)
    expect(requestsFor(1_500_000)).toBe(3)
    await expectDownloaded("user:1003", m.get(SLIDES.message.id)!, "application/pdf", 1001)
    // Media the settings still exclude is not asked for.
    const rust = await countCalls(e2e, GET_FILE, () => history(e2e, ALICE, RUST, PAST))
    expect(rust.count).toBe(0)
  })

  it("download_media=false skips everything (the contract's PATCH example); repair_media decides whether it comes back", async () => {
    const port = new URL(e2e.server.url).port
    const patched = await curl(
      `curl -s -X PATCH -H "X-Telegram-Username: $USERNAME" \\
  -H "Content-Type: application/json" \\
  -d '{"download_media": false, "max_media_size_mb": 50}' \\
  "http://localhost:8000/api/v3/settings"`,
      port
    )
    expect(JSON.parse(patched)).toMatchObject({ download_media: false, max_media_size_mb: 50, repair_media: true })

    const news = await countCalls(e2e, GET_FILE, async () => ({
      news: messagesOf(await history(e2e, ALICE, NEWS)),
      saved: messagesOf(await history(e2e, ALICE, SAVED))
    }))
    expect(news.count).toBe(0)
    const photos = [news.value.news[0]!, news.value.saved.at(-1)!]
    expect(photos.map((p) => p.media_type)).toEqual(["MessageMediaPhoto", "MessageMediaPhoto"])
    for (const p of photos) await expectSkipped(p, /download_media is off/)

    await patchSettings({ download_media: true, repair_media: false })
    const notRepaired = await countCalls(e2e, GET_FILE, () => history(e2e, ALICE, NEWS, PAST))
    expect(notRepaired.count).toBe(0)
    await expectSkipped(photos[0]!, /download_media is off/)

    await patchSettings({ repair_media: true, max_media_size_mb: 20 })
    const repaired = await countFileCalls(async () => {
      await history(e2e, ALICE, NEWS, PAST)
      await history(e2e, ALICE, SAVED, PAST)
    })
    expect(repaired.count).toBe(requestsFor(...photos.map((p) => p.media_size!)) + repaired.timeouts)
    // The receipt is kept on DC 2, not the account's home DC: fetched there with an exported authorization.
    expect(await callCount(e2e, "auth.ImportAuthorization")).toBeGreaterThanOrEqual(1)
    await expectDownloaded("channel:1234567890", photos[0]!, "image/jpeg")
    await expectDownloaded("user:1001", photos[1]!, "image/jpeg", 1001)
  })
})

describe("GET /api/v3/files/{file_uuid}", () => {
  it("serves single byte ranges with 206, 416 outside the file", async () => {
    const report = await served(REPORT)
    const bytes = await bytesOf(REPORT)
    // 48213 (report.pdf), or the size of the file picked instead in realistic mode.
    const size = sizeOf(REPORT.message)
    expect(bytes.length).toBe(size)
    const range = async (header: string) => {
      const res = await file(report.media_uuid!, ALICE, { range: header })
      return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) }
    }
    const head = await range("bytes=0-99")
    expect(head.status).toBe(206)
    expect(head.headers.get("content-range")).toBe(`bytes 0-99/${size}`)
    expect(head.headers.get("content-length")).toBe("100")
    expect(head.body.equals(bytes.subarray(0, 100))).toBe(true)
    const from = size - 213 // 48000
    const tail = await range(`bytes=${from}-`)
    expect([tail.status, tail.headers.get("content-range")]).toEqual([206, `bytes ${from}-${size - 1}/${size}`])
    expect(tail.body.equals(bytes.subarray(from))).toBe(true)
    const suffix = await range("bytes=-100")
    expect([suffix.status, suffix.headers.get("content-range")]).toEqual([206, `bytes ${size - 100}-${size - 1}/${size}`])
    expect(suffix.body.equals(bytes.subarray(-100))).toBe(true)
    const beyond = await range(`bytes=${size}-`)
    expect([beyond.status, beyond.headers.get("content-range")]).toEqual([416, `bytes */${size}`])
    expect(JSON.parse(beyond.body.toString())).toEqual({ detail: expect.stringContaining(String(size)) })
    const ignored = await range("bytes=500-100")
    expect(ignored.status).toBe(200)
    expect(ignored.body.equals(bytes)).toBe(true)
  })

  it("metadata_only=true gives an absolute file_path that exists, the original file name and the size", async () => {
    const report = await served(REPORT)
    const meta = await metadata(report.media_uuid!)
    const media = REPORT.message.media as { readonly fileName: string | null } // report.pdf, 48213 bytes
    expect(meta).toEqual({
      file_path: expect.any(String),
      original_filename: media.fileName,
      size: sizeOf(REPORT.message),
      mime_type: "application/pdf"
    })
    expect(path.isAbsolute(meta.file_path)).toBe(true)
    expect(meta.file_path.startsWith(path.join(e2e.server.dataDir, "accounts", "1001", "dialogs", String(RUST), "media") + path.sep)).toBe(true)
    expect((await fs.readFile(meta.file_path)).equals(await bytesOf(REPORT))).toBe(true)
    const photo = await metadata((await served(PHOTO)).media_uuid!)
    expect(photo.original_filename).toBeNull()
    expect((await fs.stat(photo.file_path)).size).toBe(sizeOf(PHOTO.message)) // 70000
  })

  it("404s with a clear detail: unknown uuid, skipped media, a file lost from disk (downloaded again by the next history request)", async () => {
    const unknown = "00000000-0000-4000-8000-000000000000"
    for (const [uuid, session] of [[unknown, ALICE], ["not-a-uuid", ALICE]] as const) {
      const res = await file(uuid, session)
      expect(res.status).toBe(404)
      expect(await res.json()).toEqual({ detail: `No media file with id '${uuid}' for this account` })
    }
    expect((await e2e.api(`/api/v3/files/${unknown}?metadata_only=true`, { session: ALICE })).status).toBe(404)
    await expectSkipped(await served(TOO_BIG), /larger than max_media_size_mb/)

    const sticker = await served(STICKER)
    const meta = await metadata(sticker.media_uuid!)
    await fs.rm(meta.file_path)
    for (const query of ["", "?metadata_only=true"]) {
      const lost = await e2e.api(`/api/v3/files/${sticker.media_uuid}${query}`, { session: ALICE })
      expect(lost.status).toBe(404)
      expect((await lost.json() as { detail: string }).detail).toMatch(/missing on disk.*request the dialog's history again/)
    }
    const again = await countFileCalls(() => history(e2e, ALICE, RUST, PAST))
    expect(again.count).toBe(1 + again.timeouts)
    await expectDownloaded(STICKER.peer, sticker, "image/webp")
  })

  it("401 without a session", async () => {
    const report = await served(REPORT)
    expect((await e2e.api(`/api/v3/files/${report.media_uuid}`)).status).toBe(401)
  })
})

describe("the contract's curl examples (section 5), run as written", () => {
  it("downloads a file with -o and reads its metadata", async () => {
    const photo = await served(PHOTO)
    const size = sizeOf(PHOTO.message) // 70000
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "tgsc-curl-"))
    try {
      const port = new URL(e2e.server.url).port
      await curl(
        `curl -s -H "X-Telegram-Username: $USERNAME" \\
  "http://localhost:8000/api/v3/files/$FILE_UUID" -o photo.jpg`,
        port,
        { FILE_UUID: photo.media_uuid!, cwd: dir }
      )
      expect((await fs.readFile(path.join(dir, "photo.jpg"))).equals(await bytesOf(PHOTO))).toBe(true)
      const out = await curl(
        `curl -s -H "X-Telegram-Username: $USERNAME" \\
  "http://localhost:8000/api/v3/files/$FILE_UUID?metadata_only=true"`,
        port,
        { FILE_UUID: photo.media_uuid! }
      )
      const meta = JSON.parse(out) as Record<string, unknown>
      expect(Object.keys(meta).slice(0, 3)).toEqual(["file_path", "original_filename", "size"])
      expect(meta).toMatchObject({ original_filename: null, size })
      expect((await fs.stat(meta.file_path as string)).size).toBe(size)
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})

describe("two accounts with the same private-chat peer", () => {
  it("get separate caches under accounts/{id}/ and cannot read each other's files", async () => {
    const alice = messagesOf(await history(e2e, ALICE, CAROL))
    // Two requests at once download each of Bob's files once (one request of 512 KiB each).
    const bobFiles = oracle.messages("user:1003", { owner: 1002 }).filter(hasFile)
    const concurrent = await countFileCalls(() => Promise.all([history(e2e, BOB, CAROL), history(e2e, BOB, CAROL)]))
    expect(concurrent.count).toBe(requestsFor(...bobFiles.map(sizeOf)) + concurrent.timeouts)
    const bob = messagesOf(concurrent.value[0])
    expect(messagesOf(concurrent.value[1])).toEqual(bob)
    expect(alice).toEqual(oracle.views("user:1003", { owner: 1001 }))
    expect(bob).toEqual(oracle.views("user:1003", { owner: 1002 }))
    // The same message ids, different messages (realistic mode hides the same ids from both).
    expect(alice.map((m) => m.message_id)).toEqual([1, 2, 3, 4].filter((id) => readable("user:1003", id, 1001)))
    expect(bob.map((m) => m.message_id)).toEqual([1, 2, 3, 4].filter((id) => readable("user:1003", id, 1002)))
    expect(alice.map((m) => m.message)).not.toEqual(bob.map((m) => m.message))

    const aliceMessage = byId(alice).get(ALICE_PHOTO.message.id)!
    const bobMessage = byId(bob).get(BOB_PHOTO.message.id)!
    const alicePhoto = aliceMessage.media_uuid!
    const bobPhoto = bobMessage.media_uuid!
    expect(alicePhoto).toMatch(UUID)
    expect(bobPhoto).not.toBe(alicePhoto)
    await expectDownloaded("user:1003", aliceMessage, mimeOf(ALICE_PHOTO), 1001)
    await expectDownloaded("user:1003", bobMessage, mimeOf(BOB_PHOTO), 1002)
    expect((await bytesOf(ALICE_PHOTO)).equals(await bytesOf(BOB_PHOTO))).toBe(false)

    const accounts = path.join(e2e.server.dataDir, "accounts")
    expect((await metadata(alicePhoto, ALICE)).file_path.startsWith(path.join(accounts, "1001", "dialogs", String(CAROL), "media"))).toBe(true)
    expect((await metadata(bobPhoto, BOB)).file_path.startsWith(path.join(accounts, "1002", "dialogs", String(CAROL), "media"))).toBe(true)
    await fs.access(path.join(accounts, "1001", "dialogs", String(CAROL), `${CAROL}.db`))
    await fs.access(path.join(accounts, "1002", "dialogs", String(CAROL), `${CAROL}.db`))
    await expect(fs.access(path.join(e2e.server.dataDir, "dialogs"))).rejects.toThrow()

    const slides = byId(alice).get(SLIDES.message.id)!.media_uuid!
    for (const [uuid, session] of [[alicePhoto, BOB], [bobPhoto, ALICE], [slides, BOB]] as const) {
      for (const query of ["", "?metadata_only=true"]) {
        const res = await e2e.api(`/api/v3/files/${uuid}${query}`, { session })
        expect(res.status).toBe(404)
        expect(await res.json()).toEqual({ detail: `No media file with id '${uuid}' for this account` })
      }
    }
  })
})

describe("a rate limit on a media download", () => {
  it("above the flood threshold: the history still completes, the file is marked failed and fetched by the next request", async () => {
    const res = await e2e.control("/faults", { method: "POST", body: JSON.stringify({ method: GET_FILE, error: "FLOOD_WAIT_300" }) })
    expect(res.status).toBe(200)
    const body = await history(e2e, ALICE, FAMILY)
    expectNoError(body)
    const minutes = messagesOf(body).at(-1)!
    expect(minutes.media_original_filename).toBe("minutes.pdf")
    const failed = await file(minutes.media_uuid!)
    expect(failed.status).toBe(404)
    expect((await failed.json() as { detail: string }).detail).toMatch(/could not be downloaded \(Telegram rate limit on upload\.GetFile: retry after 300 s\)/)
  })

  it("below the flood threshold, in the middle of a file: waited out, the download goes on where it stopped", async () => {
    const res = await e2e.control("/faults", { method: "POST", body: JSON.stringify({ method: GET_FILE, error: "FLOOD_WAIT_1", after: 1 }) })
    expect(res.status).toBe(200)
    const { count, timeouts, value: body } = await countFileCalls(() => history(e2e, ALICE, FAMILY, PAST))
    expectNoError(body)
    const minutes = messagesOf(body).at(-1)!
    // Three requests of 512 KiB, one of them made twice.
    expect(count).toBe(requestsFor(minutes.media_size!) + 1 + timeouts)
    await expectDownloaded("chat:2001", minutes, "application/pdf", 1001)
  })
})

/** Runs a contract curl command as written, against this server's port, as alice. */
const curl = (command: string, port: string, extra: Record<string, string> & { cwd?: string } = {}) =>
  new Promise<string>((resolve, reject) => {
    const { cwd, ...vars } = extra
    execFile(
      "bash",
      ["-c", command.replaceAll("http://localhost:8000", `http://localhost:${port}`)],
      { env: { ...process.env, USERNAME: ALICE, ...vars }, ...(cwd === undefined ? {} : { cwd }), maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => (error ? reject(error) : resolve(stdout))
    )
  })
