/**
 * The web app's pure parts, in Node: SSE framing as it arrives in pieces,
 * pages of history merged without duplicates, the page bounds, which links
 * are followed, the windowed list's search, the settings patch. (The app as
 * a whole runs in chromium: test/e2e/web-app.test.ts.)
 */
import { describe, expect, it } from "vitest"
import { mergeMessages, nextSecond } from "../src/history.js"
import { changes } from "../src/Settings.js"
import { parseSse } from "../src/sse.js"
import { safeHref } from "../src/text.js"
import type { Message, Settings } from "../src/types.js"
import { lowerBound } from "../src/VirtualList.js"

const msg = (id: number): Message => ({
  message_id: id, date: "2024-01-01 00:00:00", sender_id: null, first_name: null, last_name: null, username: null,
  message: `m${id}`, reply_to: null, post_author: null, is_forwarded: 0, forwarded_from_channel_id: null, media_type: null,
  media_uuid: null, media_original_filename: null, media_size: null, media_category: null
})

describe("parseSse", () => {
  it("gives complete events and keeps the tail, whatever the pieces", () => {
    const stream = ': keep-alive\n\ndata: {"messages": [1]}\n\nevent: progress\ndata: {"fetched": 2}\n\nevent: error\r\ndata: {"detail":\r\n\r\ndata: x'
    for (let cut = 0; cut <= stream.length; cut++) {
      const first = parseSse(stream.slice(0, cut))
      const second = parseSse(first.rest + stream.slice(cut))
      expect([...first.events, ...second.events]).toEqual([
        { event: "message", data: '{"messages": [1]}' },
        { event: "progress", data: '{"fetched": 2}' },
        { event: "error", data: '{"detail":' }
      ])
      expect(second.rest).toBe("data: x")
    }
  })

  it("joins multi-line data and reads fields without a space", () => {
    expect(parseSse("data:a\ndata: b\nid: 3\n\n").events).toEqual([{ event: "message", data: "a\nb" }])
  })
})

describe("history pages", () => {
  it("merges older, newer and overlapping pages in id order, once each", () => {
    const held = [msg(10), msg(11), msg(12)]
    expect(mergeMessages(held, [msg(7), msg(9)]).map((m) => m.message_id)).toEqual([7, 9, 10, 11, 12])
    expect(mergeMessages(held, [msg(13)]).map((m) => m.message_id)).toEqual([10, 11, 12, 13])
    expect(mergeMessages(held, [msg(8), msg(11), msg(14)]).map((m) => m.message_id)).toEqual([8, 10, 11, 12, 14])
    expect(mergeMessages([], held)).toBe(held)
    expect(mergeMessages(held, [])).toBe(held)
  })

  it("bounds an older page one second after its edge message, across days and years", () => {
    expect(nextSecond("2024-01-15 14:30:00")).toBe("2024-01-15 14:30:01")
    expect(nextSecond("2023-12-31 23:59:59")).toBe("2024-01-01 00:00:00")
  })
})

describe("safeHref", () => {
  it("follows web and mail links only", () => {
    expect(safeHref("https://example.com/a?b")).toBe("https://example.com/a?b")
    expect(safeHref("example.com")).toBe("https://example.com/")
    expect(safeHref("mailto:a@b.c")).toBe("mailto:a@b.c")
    expect(safeHref("javascript:alert(1)")).toBeNull()
    expect(safeHref("JaVaScRiPt:alert(1)")).toBeNull()
    expect(safeHref("data:text/html,<script>")).toBeNull()
    expect(safeHref("http://")).toBeNull()
  })
})

describe("lowerBound", () => {
  it("finds the first key at or after the one asked", () => {
    const keys = [2, 4, 4, 8]
    expect([0, 2, 3, 4, 5, 8, 9].map((k) => lowerBound(keys, k))).toEqual([0, 0, 1, 1, 3, 3, 4])
    expect(lowerBound([], 1)).toBe(0)
  })
})

describe("the settings patch", () => {
  it("holds only what changed", () => {
    const saved: Settings = {
      download_media: true, max_media_size_mb: 20, telegram_batch_size: 100, repair_media: true,
      download_file_types: { photos: true, videos: false }
    }
    expect(changes(saved, saved)).toEqual({})
    expect(changes(saved, { ...saved, max_media_size_mb: null, download_file_types: { photos: true, videos: true } })).toEqual({
      max_media_size_mb: null,
      download_file_types: { videos: true }
    })
  })
})
