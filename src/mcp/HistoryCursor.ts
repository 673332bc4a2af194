/**
 * read_history's `next_cursor`: where the next page starts, and the read it
 * continues (dialog, range, order, page number). Opaque to the client
 * (base64url JSON), checked when it comes back: it only ever names a
 * position, so one altered by hand reads nothing the arguments alone would
 * not (the dialog is still checked against the caller's scope).
 *
 * Positions are (date, id) keys, the cache's own order: a page continues
 * strictly after the last message it showed (going back: strictly before),
 * so following the cursors shows every message of the range exactly once.
 */
import { Either, Schema } from "effect"
import type { HistoryScope } from "../domain/Thread.js"

export interface HistoryCursor {
  readonly dialogId: number
  /** The range as first asked for (epoch seconds; null: the dialog's beginning, now). */
  readonly start: number | null
  readonly end: number | null
  readonly reverse: boolean
  /** The page the cursor leads to (the first page is 1). */
  readonly page: number
  /** The last message shown: the next page starts after it (before it with reverse). */
  readonly after: { readonly date: number; readonly id: number }
  /** The forum topic or thread read, if any. */
  readonly scope: HistoryScope | null
}

const Int = Schema.Number.pipe(Schema.int())

const CursorJson = Schema.Struct({
  v: Schema.Literal(1),
  d: Int,
  s: Schema.NullOr(Int),
  e: Schema.NullOr(Int),
  r: Schema.Boolean,
  p: Int.pipe(Schema.positive()),
  a: Schema.Tuple(Int, Int),
  t: Schema.optional(Int),
  h: Schema.optional(Int)
})

const decodeJson = Schema.decodeUnknownEither(Schema.parseJson(CursorJson))

export const encodeCursor = (c: HistoryCursor): string =>
  Buffer.from(JSON.stringify({
    v: 1,
    d: c.dialogId,
    s: c.start,
    e: c.end,
    r: c.reverse,
    p: c.page,
    a: [c.after.date, c.after.id],
    ...(c.scope === null ? {} : c.scope._tag === "Topic" ? { t: c.scope.topicId } : { h: c.scope.messageId })
  }))
    .toString("base64url")

export const decodeCursor = (text: string): Either.Either<HistoryCursor, string> => {
  const json = /^[A-Za-z0-9_-]+$/.test(text) ? Buffer.from(text, "base64url").toString("utf8") : ""
  return Either.match(decodeJson(json), {
    onLeft: () => Either.left("Invalid argument 'cursor': not a cursor read_history gave (pass next_cursor as it came)"),
    onRight: (c) =>
      Either.right({
        dialogId: c.d,
        start: c.s,
        end: c.e,
        reverse: c.r,
        page: c.p,
        after: { date: c.a[0], id: c.a[1] },
        scope: c.t !== undefined ? { _tag: "Topic", topicId: c.t } : c.h !== undefined ? { _tag: "Thread", messageId: c.h } : null
      })
  })
}
