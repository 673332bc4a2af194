/**
 * The SSE events of history chunks, `data: {"messages": [...]}`, written
 * straight from the cached messages into UTF-8 bytes: byte for byte the
 * encoding of `dataEvent({ messages: messages.map(historyMessageView) })`.
 *
 * Every streamed message goes through here, and what it allocates decides
 * how a long stream uses memory (bench/RESULTS.md, cached history
 * streaming): no view objects, no strings per field or per chunk (a large
 * string goes straight to V8's old generation; many small ones make
 * young-generation collections frequent enough to promote whatever is in
 * flight). Keys are copied from bytes prepared once, numbers and dates are
 * written as digits, and a text goes in as it is unless JSON needs it
 * escaped.
 */
import { formatMessageDate } from "../domain/Dates.js"
import { detailsView, entityView, reactionView } from "../contract/MessageDetails.js"
import { EMPTY_DETAILS, type MessageDetails } from "../domain/MessageDetails.js"
import type { StoredMessage } from "../ports/MessageStore.js"
import { spacedJson } from "../contract/SseFraming.js"

const latin1 = (s: string) => Buffer.from(s, "latin1")

const OPEN_EVENT = latin1("data: {\"messages\": [")
const CLOSE_EVENT = latin1("]}\n\n")
const COMMA = latin1(", ")
const NULL = latin1("null")
const QUOTE = 0x22
const key = (name: string, first = false) => latin1(`${first ? "{" : ", "}"${name}": `)
const MESSAGE_ID = key("message_id", true)
const DATE = key("date")
const EDIT_DATE = key("edit_date")
const SENDER_ID = key("sender_id")
const FIRST_NAME = key("first_name")
const LAST_NAME = key("last_name")
const USERNAME = key("username")
const MESSAGE = key("message")
const REPLY_TO = key("reply_to")
const POST_AUTHOR = key("post_author")
const IS_FORWARDED = key("is_forwarded")
const FORWARDED_FROM = key("forwarded_from_channel_id")
const MEDIA_TYPE = key("media_type")
const MEDIA_UUID = key("media_uuid")
const MEDIA_FILENAME = key("media_original_filename")
const MEDIA_SIZE = key("media_size")
const MEDIA_CATEGORY = key("media_category")
const CLOSE_MESSAGE = latin1("}")
const TOPIC_ID = key("topic_id")
const REPLY_TO_TOP_ID = key("reply_to_top_id")
const REPLY_QUOTE = key("reply_quote")
const FORWARD_FROM_ID = key("forward_from_id")
const FORWARD_FROM_NAME = key("forward_from_name")
const FORWARD_DATE = key("forward_date")
const FORWARDED_FROM_MESSAGE_ID = key("forwarded_from_message_id")
const VIEWS = key("views")
const FORWARDS = key("forwards")
const REPLIES = key("replies")
const DISCUSSION_ID = key("discussion_id")
const REACTIONS = key("reactions")
const PINNED = key("pinned")
const GROUPED_ID = key("grouped_id")
const VIA_BOT_ID = key("via_bot_id")
const ENTITIES = key("entities")
const ACTION = key("action")
const EMPTY_ARRAY = latin1("[]")
const TRUE = latin1("true")
const FALSE = latin1("false")
/** The details of a message without any, and of one cached before they were known: written whole. */
const detailsBytes = (d: MessageDetails | null) => Buffer.from(spacedJson(detailsView(d)).replace(/^\{/, ", ").slice(0, -1), "utf8")
const EMPTY_DETAILS_BYTES = detailsBytes(EMPTY_DETAILS)
const UNKNOWN_DETAILS_BYTES = detailsBytes(null)

/** What JSON.stringify would escape: quotes, backslashes, control characters, and (to be safe) any surrogate. */
const NEEDS_ESCAPING = /["\\\u0000-\u001f\ud800-\udfff]/

/** Dates written digit by digit: 1970-01-01 00:00:00 to 9999-12-31 23:59:59 (the rest through formatMessageDate). */
const LAST_FOUR_DIGIT_SECOND = 253402300799

/** Bytes a message takes beyond its strings: keys, numbers and dates. */
const MESSAGE_FIXED = 1024

/**
 * Collects the events of consecutive chunks into one buffer; `take` hands
 * them out as one frame (the bytes written so far) and starts a new buffer.
 */
export class HistoryFrameWriter {
  private buffer: Buffer = Buffer.alloc(0)
  private length = 0

  /** Makes room for `messages` more messages at once, so that writing them rarely grows the buffer. */
  reserve(messages: number): void {
    this.ensure(32 + messages * MESSAGE_FIXED)
  }

  /** Appends the chunk's event. */
  chunk(messages: ReadonlyArray<StoredMessage>): void {
    this.bytes(OPEN_EVENT)
    for (let i = 0; i < messages.length; i++) {
      if (i > 0) this.bytes(COMMA)
      this.message(messages[i]!)
    }
    this.bytes(CLOSE_EVENT)
  }

  get isEmpty(): boolean {
    return this.length === 0
  }

  /**
   * The events appended since the last take, as UTF-8 bytes. A frame much
   * smaller than its buffer (the room `reserve` made is for the longest
   * messages) is copied out, so the frames waiting for the socket hold
   * their bytes only, not the slack.
   */
  take(): Uint8Array {
    const bytes = this.length < this.buffer.length * 0.75
      ? Buffer.from(this.buffer.subarray(0, this.length))
      : this.buffer.subarray(0, this.length)
    this.buffer = Buffer.alloc(0)
    this.length = 0
    return bytes
  }

  /** `spacedJson(historyMessageView(stored))`, fields in the view's order. */
  private message({ media, message: m }: StoredMessage): void {
    this.ensure(MESSAGE_FIXED)
    this.bytes(MESSAGE_ID)
    this.int(m.id)
    this.bytes(DATE)
    this.date(m.date)
    this.bytes(EDIT_DATE)
    this.date(m.editDate)
    this.bytes(SENDER_ID)
    this.int(m.senderId)
    this.bytes(FIRST_NAME)
    this.string(m.senderFirstName)
    this.bytes(LAST_NAME)
    this.string(m.senderLastName)
    this.bytes(USERNAME)
    this.string(m.senderUsername)
    this.bytes(MESSAGE)
    this.string(m.text)
    this.bytes(REPLY_TO)
    this.int(m.replyTo)
    this.bytes(POST_AUTHOR)
    this.string(m.postAuthor)
    this.bytes(IS_FORWARDED)
    this.int(m.isForwarded ? 1 : 0)
    this.bytes(FORWARDED_FROM)
    this.int(m.forwardedFromChannelId)
    this.bytes(MEDIA_TYPE)
    this.string(m.media?.type ?? null)
    this.bytes(MEDIA_UUID)
    this.string(media?.uuid ?? null)
    this.bytes(MEDIA_FILENAME)
    this.string(media?.fileName ?? null)
    this.bytes(MEDIA_SIZE)
    this.int(media?.size ?? null)
    this.bytes(MEDIA_CATEGORY)
    this.string(media?.category ?? null)
    this.details(m.details)
    this.bytes(CLOSE_MESSAGE)
  }

  /** The fields of `detailsView(d)`, in its order. */
  private details(d: MessageDetails | null): void {
    if (d === null) return this.bytes(UNKNOWN_DETAILS_BYTES)
    if (d === EMPTY_DETAILS) return this.bytes(EMPTY_DETAILS_BYTES)
    this.bytes(TOPIC_ID)
    this.int(d.topicId)
    this.bytes(REPLY_TO_TOP_ID)
    this.int(d.replyToTopId)
    this.bytes(REPLY_QUOTE)
    this.string(d.replyQuote)
    this.bytes(FORWARD_FROM_ID)
    this.int(d.forwardFromId)
    this.bytes(FORWARD_FROM_NAME)
    this.string(d.forwardFromName)
    this.bytes(FORWARD_DATE)
    this.date(d.forwardDate)
    this.bytes(FORWARDED_FROM_MESSAGE_ID)
    this.int(d.forwardedFromMessageId)
    this.bytes(VIEWS)
    this.int(d.views)
    this.bytes(FORWARDS)
    this.int(d.forwards)
    this.bytes(REPLIES)
    this.int(d.replies)
    this.bytes(DISCUSSION_ID)
    this.int(d.discussionId)
    this.bytes(REACTIONS)
    if (d.reactions.length === 0) this.bytes(EMPTY_ARRAY)
    else this.utf8(spacedJson(d.reactions.map(reactionView)))
    this.bytes(PINNED)
    this.bytes(d.pinned ? TRUE : FALSE)
    this.bytes(GROUPED_ID)
    this.string(d.groupedId)
    this.bytes(VIA_BOT_ID)
    this.int(d.viaBotId)
    this.bytes(ENTITIES)
    if (d.entities.length === 0) this.bytes(EMPTY_ARRAY)
    else this.utf8(spacedJson(d.entities.map(entityView)))
    this.bytes(ACTION)
    if (d.action === null) this.bytes(NULL)
    else this.utf8(spacedJson(d.action))
  }

  private bytes(b: Buffer): void {
    this.ensure(b.length)
    this.buffer.set(b, this.length)
    this.length += b.length
  }

  /** As spacedJson writes a number: digits, or `null` when not finite. */
  private int(n: number | null): void {
    if (n === null || !Number.isFinite(n)) return this.bytes(NULL)
    if (!Number.isSafeInteger(n)) return this.latin1(String(n))
    this.ensure(17)
    const buffer = this.buffer
    let at = this.length
    if (n < 0) {
      buffer[at++] = 0x2d
      n = -n
    }
    let digits = 1
    for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++
    for (let i = at + digits - 1; i >= at; i--) {
      buffer[i] = 0x30 + (n % 10)
      n = Math.floor(n / 10)
    }
    this.length = at + digits
  }

  /** `"YYYY-MM-DD HH:MM:SS"` (UTC), as formatMessageDate writes it. */
  private date(seconds: number | null): void {
    if (seconds === null) return this.bytes(NULL)
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > LAST_FOUR_DIGIT_SECOND) {
      return this.latin1(`"${formatMessageDate(seconds)}"`)
    }
    // Days since the epoch to a civil date (H. Hinnant's algorithm, proleptic Gregorian).
    const days = Math.floor(seconds / 86400)
    const time = seconds - days * 86400
    const z = days + 719468
    const era = Math.floor(z / 146097)
    const doe = z - era * 146097
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365)
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
    const mp = Math.floor((5 * doy + 2) / 153)
    const day = doy - Math.floor((153 * mp + 2) / 5) + 1
    const month = mp < 10 ? mp + 3 : mp - 9
    const year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    this.ensure(21)
    const b = this.buffer
    const at = this.length
    b[at] = QUOTE
    b[at + 1] = 0x30 + Math.floor(year / 1000)
    b[at + 2] = 0x30 + (Math.floor(year / 100) % 10)
    b[at + 3] = 0x30 + (Math.floor(year / 10) % 10)
    b[at + 4] = 0x30 + (year % 10)
    b[at + 5] = 0x2d
    two(b, at + 6, month)
    b[at + 8] = 0x2d
    two(b, at + 9, day)
    b[at + 11] = 0x20
    two(b, at + 12, Math.floor(time / 3600))
    b[at + 14] = 0x3a
    two(b, at + 15, Math.floor(time / 60) % 60)
    b[at + 17] = 0x3a
    two(b, at + 18, time % 60)
    b[at + 20] = QUOTE
    this.length = at + 21
  }

  /** As JSON.stringify writes a string (or `null`), in UTF-8. */
  private string(s: string | null): void {
    if (s === null) return this.bytes(NULL)
    if (NEEDS_ESCAPING.test(s)) return this.utf8(JSON.stringify(s))
    // A UTF-16 code unit never takes more than three UTF-8 bytes.
    this.ensure(s.length * 3 + 2)
    this.buffer[this.length++] = QUOTE
    this.length += this.buffer.write(s, this.length, "utf8")
    this.buffer[this.length++] = QUOTE
  }

  private latin1(s: string): void {
    this.ensure(s.length)
    this.length += this.buffer.write(s, this.length, "latin1")
  }

  private utf8(s: string): void {
    this.ensure(s.length * 3)
    this.length += this.buffer.write(s, this.length, "utf8")
  }

  private ensure(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length + (this.buffer.length >> 1), this.length + bytes, 16 * 1024))
    this.buffer.copy(next, 0, 0, this.length)
    this.buffer = next
  }
}

const two = (b: Buffer, at: number, n: number) => {
  b[at] = 0x30 + Math.floor(n / 10)
  b[at + 1] = 0x30 + (n % 10)
}
