/**
 * The tools' arguments: the REST API's parameter names (snake_case) and
 * rules, as JSON values (numbers, booleans, arrays) rather than query
 * strings. Defaults are the REST API's, from the same constants.
 */
import { Either, ParseResult, Schema } from "effect"
import { parseDateInput } from "../domain/Dates.js"
import { defaultDialogSearchParams as dialogDefaults } from "../domain/DialogFilters.js"
import { MESSAGE_SEARCH_DEFAULT_LIMIT } from "../app/MessageSearch.js"

const MEDIA_TYPES = ["photos", "videos", "voice_messages", "video_messages", "stickers", "gifs", "files"] as const

/** The longest search text, in code points (as `q`/`query` over HTTP). */
export const MAX_QUERY_LENGTH = 256

const codePoints = (text: string) => [...text].length

const SearchText = (what: string) =>
  Schema.String.pipe(
    Schema.filter((s) => s.length <= MAX_QUERY_LENGTH || codePoints(s) <= MAX_QUERY_LENGTH || `must be at most ${MAX_QUERY_LENGTH} characters`)
  ).annotations({ description: `${what}, at most ${MAX_QUERY_LENGTH} characters`, jsonSchema: { maxLength: MAX_QUERY_LENGTH } })

const integer = (min: number, max: number | undefined, description: string) =>
  Schema.Number.pipe(
    Schema.filter((n) =>
      (Number.isSafeInteger(n) && n >= min && (max === undefined || n <= max)) ||
      (max === undefined ? `must be an integer >= ${min}, got ${n}` : `must be an integer between ${min} and ${max}, got ${n}`)
    )
  ).annotations({
    description,
    jsonSchema: { type: "integer", minimum: min, ...(max === undefined ? {} : { maximum: max }) }
  })

/** `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` (UTC) or ISO 8601, to epoch seconds. */
export const DateArg = (description: string) =>
  Schema.transformOrFail(Schema.String, Schema.Number, {
    strict: true,
    decode: (s, _, ast) =>
      Either.match(parseDateInput(s), {
        onLeft: (error) => ParseResult.fail(new ParseResult.Type(ast, s, error.message)),
        onRight: ParseResult.succeed
      }),
    encode: (n) => ParseResult.succeed(String(n))
  }).annotations({ description: `${description}: YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (UTC), or ISO 8601` })

export const DialogIdArg = Schema.Number.pipe(
  Schema.filter((n) => (Number.isSafeInteger(n) && n !== 0) || `must be a non-zero integer dialog id, got ${n}`)
).annotations({
  description: "marked dialog id as search_dialogs gives it: users 123, basic groups -123, channels and supergroups -100...",
  jsonSchema: { type: "integer" }
})

const Enum = <const L extends ReadonlyArray<string>>(values: L, description: string) =>
  Schema.Literal(...values).annotations({
    description,
    message: (issue) => ({ message: `must be one of ${values.join(", ")}, got ${JSON.stringify(issue.actual)}`, override: true })
  })

const opt = Schema.optional

export const SearchDialogsArgs = Schema.Struct({
  query: opt(SearchText("fuzzy (or exact, see match) search on dialog titles; omit to list all dialogs")),
  match: opt(Enum(["fuzzy", "exact"], `fuzzy (scored 0-1) or exact (substring); default ${dialogDefaults.match}`)),
  min_score: opt(
    Schema.Number.pipe(Schema.between(0, 1)).annotations({
      description: `fuzzy score threshold 0.0-1.0; default ${dialogDefaults.minScore}`
    })
  ),
  type: opt(
    Schema.Array(Enum(["user", "group", "supergroup", "channel", "bot", "saved", "me", "forum"], "a dialog type")).annotations({
      description: "only these dialog types (any of them)"
    })
  ),
  folder: opt(
    Schema.Union(Schema.String, Schema.Number).annotations({
      description: "folder id or title (case-insensitive) from list_folders; 0 is All Chats"
    })
  ),
  is_archived: opt(Schema.Boolean.annotations({ description: "only archived (true) or non-archived (false) dialogs" })),
  min_messages: opt(integer(0, undefined, "at least this many messages")),
  max_messages: opt(integer(0, undefined, "at most this many messages")),
  min_participants: opt(integer(0, undefined, "at least this many participants")),
  max_participants: opt(integer(0, undefined, "at most this many participants")),
  last_message_after: opt(DateArg("last message after")),
  last_message_before: opt(DateArg("last message before")),
  created_after: opt(DateArg("created (or joined) after; groups and channels")),
  created_before: opt(DateArg("created (or joined) before; groups and channels")),
  is_creator: opt(Schema.Boolean.annotations({ description: "only dialogs you created" })),
  has_username: opt(Schema.Boolean.annotations({ description: "only dialogs with (or without) a public @username" })),
  is_verified: opt(Schema.Boolean.annotations({ description: "only verified (or unverified) entities" })),
  sort: opt(
    Enum(["last_message", "messages", "title", "participants", "unread"], `sort key; default ${dialogDefaults.sort}`)
  ),
  order: opt(Enum(["desc", "asc"], `desc or asc; default ${dialogDefaults.order}`)),
  limit: opt(integer(1, 500, `page size 1-500; default ${dialogDefaults.limit}`)),
  offset: opt(integer(0, undefined, "skip this many results (paging); default 0"))
})

export type SearchDialogsArgs = typeof SearchDialogsArgs.Type

export const ListFoldersArgs = Schema.Struct({
  include_dialogs: opt(Schema.Boolean.annotations({
    description: "each folder with its dialogs, as search_dialogs with that folder answers them; default false"
  }))
})

const cacheOnly = (description: string) => `${description} (source cache or auto only)`

/** The arguments only a cache search (source cache or auto) takes. */
export const CACHE_ONLY_ARGS = ["sender_id", "has_media", "media_type", "has_link", "folder", "dialog_ids", "offset", "sort", "ensure"] as const

export const SearchMessagesArgs = Schema.Struct({
  query: SearchText("the words to find (Telegram's own search, or with source cache/auto the cache's query language)"),
  source: opt(
    Enum(
      ["telegram", "cache", "auto"],
      "telegram (default): Telegram's own search; cache: the local cache's full-text index (only what was read before); " +
        "auto: the cache, and Telegram for the parts of the range the cache lacks"
    )
  ),
  dialog_id: opt(DialogIdArg.annotations({ description: "search in this dialog only; omit to search every dialog" })),
  start_date: opt(DateArg("upper bound, as in the REST API: only messages sent before this")),
  end_date: opt(DateArg("lower bound, as in the REST API: only messages sent after this")),
  limit: opt(integer(1, 500, `maximum results 1-500; default ${MESSAGE_SEARCH_DEFAULT_LIMIT}`)),
  sender_id: opt(
    Schema.Number.pipe(Schema.filter((n) => (Number.isSafeInteger(n) && n !== 0) || `must be a non-zero integer id, got ${n}`))
      .annotations({ description: cacheOnly("only messages from this sender (user id, or a channel's marked id)"), jsonSchema: { type: "integer" } })
  ),
  has_media: opt(Schema.Boolean.annotations({ description: cacheOnly("only messages with (true) or without (false) media") })),
  media_type: opt(Enum(MEDIA_TYPES, cacheOnly("only messages with media of this category"))),
  has_link: opt(Schema.Boolean.annotations({ description: cacheOnly("only messages with (true) or without (false) a link") })),
  folder: opt(
    Schema.Union(Schema.String, Schema.Number).annotations({ description: cacheOnly("only dialogs of this folder: id or title from list_folders") })
  ),
  dialog_ids: opt(Schema.Array(DialogIdArg).annotations({ description: cacheOnly("only these dialogs") })),
  offset: opt(integer(0, 10_000, cacheOnly("skip this many results (paging), 0-10000; default 0"))),
  sort: opt(Enum(["relevance", "date"], cacheOnly("date (default): newest first; relevance: best match first"))),
  ensure: opt(
    Schema.Boolean.annotations({
      description: cacheOnly("first fetch from Telegram what the cache lacks of the range (as read_history would), then answer; " +
        "at most 20 dialogs")
    })
  )
})

export type SearchMessagesArgs = typeof SearchMessagesArgs.Type

export const READ_HISTORY_DEFAULT_TOKENS = 4000
export const READ_HISTORY_MAX_TOKENS = 50_000
export const READ_HISTORY_MIN_TOKENS = 200

export const ReadHistoryArgs = Schema.Struct({
  dialog_id: DialogIdArg,
  start_date: opt(DateArg("from this instant (inclusive); default: the dialog's beginning")),
  end_date: opt(DateArg("up to this instant (exclusive); default: now")),
  reverse: opt(Schema.Boolean.annotations({ description: "newest first; default false (oldest first)" })),
  topic_id: opt(integer(1, undefined, "only this forum topic's messages (General is 1); not with thread")),
  thread: opt(
    integer(1, undefined, "only the thread rooted at this message: a channel post's comments, or a supergroup message's replies; not with topic_id")
  ),
  format: opt(Enum(["markdown", "json"], "markdown (default): a transcript; json: the message objects as JSON text")),
  max_tokens: opt(
    integer(
      READ_HISTORY_MIN_TOKENS,
      READ_HISTORY_MAX_TOKENS,
      `the page's size budget in estimated tokens, ${READ_HISTORY_MIN_TOKENS}-${READ_HISTORY_MAX_TOKENS}; default ${READ_HISTORY_DEFAULT_TOKENS}`
    )
  ),
  cursor: opt(
    Schema.String.pipe(Schema.maxLength(1024)).annotations({
      description: "next_cursor of the previous page: continues the same read (its range, order and page count)"
    })
  )
})

export type ReadHistoryArgs = typeof ReadHistoryArgs.Type

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const GetFileInfoArgs = Schema.Struct({
  file_uuid: Schema.String.pipe(
    Schema.filter((s) => UUID.test(s) || `must be a media_uuid from a history message, got ${JSON.stringify(s)}`)
  ).annotations({ description: "media_uuid of a history message (read_history with format json shows it)" })
})

export const CacheStatusArgs = Schema.Struct({ dialog_id: DialogIdArg })
