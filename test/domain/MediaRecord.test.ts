/** What storing a message does to its media record: kept, refreshed, replaced, added or forgotten. */
import { describe, expect, it } from "@effect/vitest"
import { mediaRecordChange, messagesGone, type StoredMedia } from "../../src/domain/MediaRecord.js"
import { document, message, photo, webPage } from "../adapters/sqlite/MessageFixtures.js"
import { MessageId } from "../../src/domain/Ids.js"

const stored = (messageId: number, fileId: string, more: Partial<StoredMedia> = {}): StoredMedia => ({
  uuid: `uuid-${messageId}`,
  messageId: MessageId(messageId),
  type: "MessageMediaPhoto",
  category: "photos",
  size: 1000,
  mimeType: "image/jpeg",
  fileName: null,
  fileId,
  locator: "old locator",
  status: "downloaded",
  reason: null,
  storedName: `uuid-${messageId}.jpg`,
  ...more
})

describe("mediaRecordChange", () => {
  it("a message without a file, before and now, has no record", () => {
    expect(mediaRecordChange(message(1, 100), undefined)).toEqual({ _tag: "None" })
    expect(mediaRecordChange(message(1, 100, { media: webPage }), undefined)).toEqual({ _tag: "None" })
  })

  it("a message first stored with a file gets a pending record of what it says of the file", () => {
    expect(mediaRecordChange(message(2, 100, { media: document("a", { size: 5 }) }), undefined)).toEqual({
      _tag: "Add",
      record: {
        messageId: 2,
        type: "MessageMediaDocument",
        category: "files",
        size: 5,
        mimeType: "application/pdf",
        fileName: "a.pdf",
        fileId: "document:a",
        locator: JSON.stringify({ file: "a", size: 5 }),
        status: "pending",
        reason: null,
        storedName: null
      }
    })
  })

  it("the same file again keeps the uuid and the download, and takes the fresh file reference", () => {
    const before = stored(3, "photo:p")
    const change = mediaRecordChange(message(3, 100, { media: photo("p", 1200) }), before)
    expect(change).toEqual({
      _tag: "Refresh",
      record: { ...before, size: 1200, locator: JSON.stringify({ file: "p", size: 1200 }) }
    })
  })

  it("another file keeps the uuid, is to be downloaded again, and the old download is stale", () => {
    const before = stored(4, "photo:old")
    const change = mediaRecordChange(message(4, 100, { media: photo("new") }), before)
    expect(change).toMatchObject({
      _tag: "Replace",
      record: { uuid: "uuid-4", fileId: "photo:new", status: "pending", reason: null, storedName: null },
      stale: before
    })
    // Nothing was downloaded for the old file: nothing is stale.
    const skipped = stored(4, "photo:old", { status: "skipped", reason: "download_media is off", storedName: null })
    expect(mediaRecordChange(message(4, 100, { media: photo("new") }), skipped)).toMatchObject({
      _tag: "Replace",
      record: { uuid: "uuid-4", status: "pending", reason: null },
      stale: null
    })
  })

  it("a message that no longer carries a file loses its record, downloaded or not", () => {
    const before = stored(5, "photo:p", { status: "pending", storedName: null })
    expect(mediaRecordChange(message(5, 100), before)).toEqual({ _tag: "Forget", stale: before })
    expect(mediaRecordChange(message(5, 100, { media: webPage }), stored(5, "photo:p"))).toEqual({
      _tag: "Forget",
      stale: stored(5, "photo:p")
    })
  })
})

describe("messagesGone", () => {
  it("a refreshed range loses the cached messages the new page does not have", () => {
    expect(messagesGone([1, 2, 3, 4].map(MessageId), [message(2, 100), message(4, 100), message(9, 100)])).toEqual([1, 3])
    expect(messagesGone([], [message(2, 100)])).toEqual([])
  })
})
