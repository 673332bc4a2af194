/** The hand-written history chunk events are exactly the generic serialisation of the contract's view, in UTF-8. */
import { FastCheck as fc, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { MEDIA_CATEGORIES } from "../../src/domain/MediaCategory.js"
import { HistoryMessage, historyMessageView } from "../../src/contract/Messages.js"
import { HistoryFrameWriter } from "../../src/http/HistoryChunkEvent.js"
import { dataEvent } from "../../src/http/SseEvents.js"
import type { StoredMessage } from "../../src/ports/MessageStore.js"
import { MessageId } from "../../src/domain/Ids.js"
import { details } from "../support/DetailsArbitrary.js"

/** One chunk's event as bytes. */
const historyChunkEvent = (messages: ReadonlyArray<StoredMessage>): Uint8Array => {
  const writer = new HistoryFrameWriter()
  writer.chunk(messages)
  return writer.take()
}

const text = fc.option(fc.oneof(fc.string(), fc.fullUnicodeString(), fc.constantFrom("", "\"", "\\", "\n\u2028", "\u0000")), {
  nil: null
})
/** Mostly ids, but anything a number can be: the writer must fall back to what spacedJson does. */
const number = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, 9, 10, 99, 100, -1, -10, 2 ** 53, -(2 ** 53)) }
)
const id = fc.option(number, { nil: null })
/** Dates from 1970 to 2038 mostly, then any second to year 10000 and beyond, and some that are not whole. */
const seconds = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 2 ** 31 - 1 }) },
  { weight: 2, arbitrary: fc.integer({ min: -1e11, max: 3e11 }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 59, 60, 86399, 86400, 951782400, 253402300799, 253402300800, -1) },
  { weight: 1, arbitrary: fc.double({ min: -1e10, max: 1e10, noNaN: true }) }
)

const stored: fc.Arbitrary<StoredMessage> = fc.record({
  message: fc.record({
    id: fc.integer({ min: 1, max: 2 ** 31 - 1 }).map(MessageId),
    date: seconds,
    editDate: fc.option(seconds, { nil: null }),
    senderId: id,
    senderFirstName: text,
    senderLastName: text,
    senderUsername: text,
    text: fc.fullUnicodeString(),
    replyTo: id,
    postAuthor: text,
    isForwarded: fc.boolean(),
    forwardedFromChannelId: id,
    media: fc.option(
      fc.record({ type: fc.constantFrom("MessageMediaPhoto", "MessageMediaWebPage", "MessageMediaDocument"), file: fc.constant(null) }),
      { nil: null }
    ),
    details
  }),
  media: fc.option(
    fc.record({
      uuid: fc.uuid(),
      messageId: fc.nat().map(MessageId),
      type: fc.string(),
      category: fc.constantFrom(...MEDIA_CATEGORIES),
      size: number,
      mimeType: text,
      fileName: text,
      fileId: fc.string(),
      locator: fc.string(),
      status: fc.constantFrom("pending" as const, "downloaded" as const, "skipped" as const, "failed" as const),
      reason: text,
      storedName: text
    }),
    { nil: null }
  )
})

/** The same bytes as TextEncoder gives for the text (compared as text first, for a readable difference). */
const expectUtf8 = (bytes: Uint8Array, text: string) => {
  expect(Buffer.from(bytes).toString("utf8")).toBe(text)
  expect(Buffer.compare(bytes, new TextEncoder().encode(text))).toBe(0)
}

describe("historyChunkEvent", () => {
  it("writes each message as spacedJson(historyMessageView(message))", () => {
    fc.assert(
      fc.property(stored, (m) => {
        expectUtf8(historyChunkEvent([m]), dataEvent({ messages: [historyMessageView(m)] }))
      }),
      { numRuns: 3000 }
    )
  })

  it("the view is the contract's HistoryMessage: Schema.encode gives it back field for field, in the same order", () => {
    const encode = Schema.encodeSync(HistoryMessage)
    fc.assert(
      fc.property(stored, (m) => {
        const view = historyMessageView(m)
        const encoded = encode(view)
        expect(encoded).toEqual(view)
        expect(JSON.stringify(encoded)).toBe(JSON.stringify(view))
      }),
      { numRuns: 1000 }
    )
  })

  it("is dataEvent({ messages }) of the views, for any chunk (empty included)", () => {
    fc.assert(
      fc.property(fc.array(stored, { maxLength: 8 }), (ms) => {
        expectUtf8(historyChunkEvent(ms), dataEvent({ messages: ms.map(historyMessageView) }))
      }),
      { numRuns: 500 }
    )
  })

  it("writes consecutive chunks into one frame, and starts afresh after a take", () => {
    fc.assert(
      fc.property(fc.array(fc.array(stored, { maxLength: 12 }), { minLength: 1, maxLength: 4 }), (chunks) => {
        const writer = new HistoryFrameWriter()
        for (const ms of chunks) writer.chunk(ms)
        const expected = chunks.map((ms) => dataEvent({ messages: ms.map(historyMessageView) })).join("")
        expectUtf8(writer.take(), expected)
        expect(writer.isEmpty).toBe(true)
        writer.chunk(chunks[0]!)
        expectUtf8(writer.take(), dataEvent({ messages: chunks[0]!.map(historyMessageView) }))
      }),
      { numRuns: 100 }
    )
  })
})
