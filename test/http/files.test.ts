/** GET /api/v3/files/{file_uuid} over HTTP: bytes, MIME type and name, ranges, metadata, and every 404. */
import * as fs from "node:fs/promises"
import { afterEach, describe, expect, it } from "vitest"
import { document, message, photo } from "../adapters/sqlite/MessageFixtures.js"
import { bytesOf, TelegramFake } from "../app/HistoryTelegramFake.js"
import { json } from "../support/http.js"
import { type HistoryServer, parseSse, startHistoryServer } from "./historyServer.js"

const DIALOG = -1001234567890
const JAN = Date.UTC(2024, 0, 1) / 1000

const photoMedia = photo("p1", 10_000)
const pdfMedia = document("d2", { fileName: "résumé \"final\".pdf", size: 5000 })
const videoMedia = document("v3", { category: "videos", size: 7000, fileName: "clip.mp4", mimeType: "video/mp4" })

const servers: Array<HistoryServer> = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

/** A server whose history has been fetched once, with the media uuids it reported. */
const synced = async () => {
  const fake = new TelegramFake()
  fake.accounts.set("bob", 2002)
  fake.set(DIALOG, [
    message(1, JAN, { media: photoMedia }),
    message(2, JAN + 1, { media: pdfMedia }),
    message(3, JAN + 2, { media: videoMedia })
  ])
  const s = await startHistoryServer(fake)
  servers.push(s)
  const { events } = parseSse(await (await s.get(`/api/v3/history/${DIALOG}`)).text())
  const [photoUuid, pdfUuid, videoUuid] = (events[0]!.data as { messages: Array<{ media_uuid: string }> }).messages.map((m) => m.media_uuid)
  return { s, fake, photoUuid: photoUuid!, pdfUuid: pdfUuid!, videoUuid: videoUuid! }
}

describe("GET /api/v3/files/{file_uuid}", () => {
  it("serves the file's bytes with its MIME type and original name", async () => {
    const { pdfUuid, photoUuid, s } = await synced()
    const res = await s.get(`/api/v3/files/${pdfUuid}`)
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("application/pdf")
    expect(res.headers.get("content-length")).toBe("5000")
    expect(res.headers.get("accept-ranges")).toBe("bytes")
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox")
    expect(res.headers.get("x-content-type-options")).toBe("nosniff")
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="r_sum_ _final_.pdf"; filename*=UTF-8''${encodeURIComponent("résumé \"final\".pdf")}`
    )
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), Buffer.from(bytesOf(pdfMedia.file!.locator)))).toBe(0)

    const image = await s.get(`/api/v3/files/${photoUuid}`)
    expect(image.headers.get("content-type")).toBe("image/jpeg")
    expect(image.headers.get("content-disposition")).toContain(`filename="${photoUuid}.jpg"`)
    expect((await image.arrayBuffer()).byteLength).toBe(10_000)
  })

  it("serves a single byte range with 206, and 416 when it cannot be satisfied", async () => {
    const { photoUuid, s } = await synced()
    const data = Buffer.from(bytesOf(photoMedia.file!.locator))
    const range = async (header: string) => {
      const res = await s.get(`/api/v3/files/${photoUuid}`, { "x-telegram-username": "alice", range: header })
      return { res, body: Buffer.from(await res.arrayBuffer()) }
    }
    const first = await range("bytes=0-99")
    expect(first.res.status).toBe(206)
    expect(first.res.headers.get("content-range")).toBe("bytes 0-99/10000")
    expect(first.res.headers.get("content-length")).toBe("100")
    expect(Buffer.compare(first.body, data.subarray(0, 100))).toBe(0)

    const open = await range("bytes=9990-")
    expect(open.res.headers.get("content-range")).toBe("bytes 9990-9999/10000")
    expect(Buffer.compare(open.body, data.subarray(9990))).toBe(0)

    const suffix = await range("bytes=-5")
    expect(suffix.res.headers.get("content-range")).toBe("bytes 9995-9999/10000")
    expect(Buffer.compare(suffix.body, data.subarray(9995))).toBe(0)

    const clipped = await range("bytes=9000-20000")
    expect(clipped.res.headers.get("content-range")).toBe("bytes 9000-9999/10000")

    const outside = await s.get(`/api/v3/files/${photoUuid}`, { "x-telegram-username": "alice", range: "bytes=10000-" })
    expect(outside.status).toBe(416)
    expect(outside.headers.get("content-range")).toBe("bytes */10000")
    expect((await json(outside)).detail).toMatch(/outside the file's 10000 bytes/)

    const several = await range("bytes=0-1,5-6")
    expect(several.res.status).toBe(200)
    expect(several.body.length).toBe(10_000)
  })

  it("metadata_only=true answers the absolute path, original name, size and MIME type", async () => {
    const { pdfUuid, photoUuid, s } = await synced()
    const meta = await json(await s.get(`/api/v3/files/${pdfUuid}?metadata_only=true`))
    expect(meta).toEqual({
      file_path: `${s.dataDir}/accounts/1001/dialogs/${DIALOG}/media/${pdfUuid}.pdf`,
      original_filename: "résumé \"final\".pdf",
      size: 5000,
      mime_type: "application/pdf"
    })
    expect((await fs.stat(meta.file_path)).size).toBe(5000)
    expect(await json(await s.get(`/api/v3/files/${photoUuid}?metadata_only=true`))).toMatchObject({ original_filename: null, mime_type: "image/jpeg" })
  })

  it("404s say why: unknown uuid, skipped by which setting, missing on disk, another account's file", async () => {
    const { pdfUuid, s, videoUuid } = await synced()
    const unknown = await s.get("/api/v3/files/00000000-0000-0000-0000-000000000000")
    expect(unknown.status).toBe(404)
    expect(await json(unknown)).toEqual({ detail: "No media file with id '00000000-0000-0000-0000-000000000000' for this account" })

    const skipped = await s.get(`/api/v3/files/${videoUuid}`)
    expect(skipped.status).toBe(404)
    expect((await json(skipped)).detail).toMatch(/skipped by settings \(download_file_types\.videos is off\)/)

    const other = await s.get(`/api/v3/files/${pdfUuid}`, { "x-telegram-username": "bob" })
    expect(other.status).toBe(404)
    expect((await json(other)).detail).toMatch(/No media file/)

    const { file_path } = await json(await s.get(`/api/v3/files/${pdfUuid}?metadata_only=true`))
    await fs.rm(file_path)
    const missing = await s.get(`/api/v3/files/${pdfUuid}`)
    expect(missing.status).toBe(404)
    const { detail } = await json(missing)
    expect(detail).toMatch(/missing on disk/)
    expect(detail).not.toContain(s.dataDir)
  })

  it("media skipped earlier is served once the settings allow it and the history is requested again", async () => {
    const { s, videoUuid } = await synced()
    const { Effect, Ref } = await import("effect")
    await Effect.runPromise(Ref.update(s.settings, (v) => ({ ...v, download_file_types: { ...v.download_file_types, videos: true } })))
    await (await s.get(`/api/v3/history/${DIALOG}`)).text()
    const res = await s.get(`/api/v3/files/${videoUuid}`)
    expect(res.status).toBe(200)
    expect(res.headers.get("content-type")).toBe("video/mp4")
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), Buffer.from(bytesOf(videoMedia.file!.locator)))).toBe(0)
  })
})
