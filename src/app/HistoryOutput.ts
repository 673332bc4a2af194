/**
 * The output side of one history request: what has gone out (the cursor,
 * the last message streamed), the messages waiting to fill a chunk, events
 * waiting for the next batch, and the cache reads that serve what is
 * complete. The walk side (HistorySync) fetches and commits pages; after
 * each step it asks this side to serve up to where the cache now reaches.
 */
import { Effect } from "effect"
import type { SessionName } from "../domain/SessionName.js"
import type { DialogKey, MessageCursor, MessageStore, MessageStoreError, StoredMessage } from "../ports/MessageStore.js"
import type { HistoryMedia } from "./HistoryMedia.js"
import type { HistoryEvent } from "./HistoryRequest.js"

/** Rows read from the cache at a time: large enough to be fast, small enough to keep memory flat. */
const READ_PAGE = 500

export interface HistoryOutputOptions {
  readonly session: SessionName
  readonly key: DialogKey
  readonly chunkSize: number
  readonly reverse: boolean
  /** Where the stream starts: the range's start going forward, its end going back. */
  readonly from: number
  /** Whether the dialog has a cache yet (checked once, then known). */
  readonly hasCache: Effect.Effect<boolean, MessageStoreError>
  readonly store: MessageStore["Type"]
  /** A topic's or thread's history: only its messages (MessageStore.read). */
  readonly thread: number | null
  readonly media: HistoryMedia
  /** Hands a batch of events to the consumer (waits until it pulls the one before). */
  readonly emitNow: (events: ReadonlyArray<HistoryEvent>) => Effect.Effect<void>
}

export const makeHistoryOutput = (o: HistoryOutputOptions) => {
  let cursor: MessageCursor = { date: o.from, id: 0 }
  /**
   * The first read is a chunk's worth, each next one twice the last, up to
   * READ_PAGE: a consumer that stops after a few chunks (a page of an MCP
   * read_history) has not had hundreds of rows read for nothing, and a long
   * stream reads READ_PAGE at a time after a few reads.
   */
  let readSize = Math.min(READ_PAGE, Math.max(1, o.chunkSize))
  const buffer: Array<StoredMessage> = []
  /** Events ready to go out with the next batch (progress after a page goes out with that page's chunks). */
  let pending: Array<HistoryEvent> = []
  /** The messages the last commit found between the cursor and the bound the serve after it reads up to. */
  let answered: { readonly after: MessageCursor; readonly bound: number; readonly rows: ReadonlyArray<StoredMessage> } | null =
    null

  const emit = (events: ReadonlyArray<HistoryEvent>) => {
    if (pending.length === 0) return o.emitNow(events)
    const all = [...pending, ...events]
    pending = []
    return o.emitNow(all)
  }

  const flush = (all: boolean) =>
    Effect.gen(function*() {
      // Chunks without media go out together (a read page's worth); a chunk with media goes alone, its
      // media fetched right before it goes out, never for a whole Telegram batch.
      let ready: Array<HistoryEvent> = []
      while (buffer.length >= o.chunkSize || (all && buffer.length > 0)) {
        const chunk = buffer.splice(0, o.chunkSize)
        if (chunk.every((m) => m.media === null)) {
          ready.push({ _tag: "Chunk", messages: chunk })
          continue
        }
        const prepared: HistoryEvent = { _tag: "Chunk", messages: yield* o.media.prepare(o.session, o.key, chunk) }
        yield* emit(ready.length > 0 ? [...ready, prepared] : [prepared])
        ready = []
      }
      if (ready.length > 0) yield* emit(ready)
    })

  const take = (rows: ReadonlyArray<StoredMessage>) => {
    buffer.push(...rows)
    const last = rows[rows.length - 1]!.message
    cursor = { date: last.date, id: last.id }
  }

  return {
    /** The last message that went out (or the range's edge): where the next read starts. */
    cursor: () => cursor,
    /** Sends `events` now, with whatever was waiting for the next batch. */
    emit,
    /** Keeps `event` for the next batch. */
    later: (event: HistoryEvent) => void pending.push(event),
    /** Sends what waits for the next batch, if anything, without waiting for more. */
    emitPending: Effect.suspend(() => pending.length > 0 ? emit([]) : Effect.void),
    /** Sends what is buffered: whole chunks, or with `all` the last short one too. */
    flush,
    /** What a commit read back between `after` and `bound` (null: nothing), so the serve after it need not read it again. */
    answer: (after: MessageCursor, bound: number, rows: ReadonlyArray<StoredMessage> | null) => {
      answered = rows === null ? null : { after, bound, rows }
    },
    /** Emits cached messages from the cursor up to `bound` (exclusive going forward, inclusive going back). */
    serve: (bound: number) =>
      Effect.gen(function*() {
        if (!(yield* o.hasCache)) return
        const known = answered
        answered = null
        if (known !== null && known.after === cursor && known.bound === bound) {
          // What the page just committed is all there is up to the bound: no need to read it back.
          if (known.rows.length === 0) return
          take(known.rows)
          return yield* flush(false)
        }
        for (;;) {
          const limit = readSize
          readSize = Math.min(READ_PAGE, readSize * 2)
          const rows = yield* o.store.read(o.key, {
            after: cursor,
            bound,
            order: o.reverse ? "desc" : "asc",
            limit,
            thread: o.thread
          })
          if (rows.length === 0) return
          take(rows)
          yield* flush(false)
          if (rows.length < limit) return
        }
      })
  }
}

export type HistoryOutput = ReturnType<typeof makeHistoryOutput>
