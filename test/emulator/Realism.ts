/**
 * The emulator's "realistic" mode: Telegram's imperfections that the exact
 * emulator otherwise never shows, in one place. Each is a named flag (or a
 * number), switched on per scenario (`"options": {"realism": "all"}`, or an
 * object such as `{"realism": {"short_pages": true}}`) or at run time
 * through the control API (`POST /realism` with the same value as `realism`;
 * `GET /realism` reads what is in force). Off by default, so scenarios
 * written to the contract keep their exact answers; `"all"` turns every
 * flag on and sets the clock offset below.
 *
 * | flag | effect |
 * |---|---|
 * | `short_pages` | messages.getHistory pages come back short mid-history: some messages take their place in the offset window but come back as `MessageEmpty` (their id only), others take a place and are not returned at all (hidden or restricted for the account, or an id gap in a channel). Which ones is fixed by the message id (`slotKind`), so tests can compute what a complete history is (`shownInHistory`). |
 * | `short_search` | the same for messages.search and messages.searchGlobal: matches that take a place in the page and come back empty or not at all. |
 * | `timeouts` | every 25th call of messages.getHistory, messages.search, messages.searchGlobal and upload.getFile fails once with Telegram's `-503 Timeout` (lowercase, negative code), as the real Telegram does now and then. |
 * | `pinned_across_folders` | messages.getDialogs with a folder_id returns, on its first page, the pinned dialogs of both the main list and the archive (as Telegram does), and folder 0 lists the archive itself as a `dialogFolder` entry |
 * | `min_peers` | in messages of groups and channels, senders the account has not met (no private dialog, not a contact, not itself) and forward origins are sent as `min` users/channels (an access hash the account cannot use) unless the same answer also carries the full entity; `InputPeerUserFromMessage`, `InputPeerChannelFromMessage`, `InputUserFromMessage` and `InputChannelFromMessage` naming the message they were seen in are accepted, plain input peers built from a min hash are refused (PEER_ID_INVALID / USER_ID_INVALID / CHANNEL_INVALID) |
 * | `expiring_file_references` | file references change every `file_reference_window_seconds` (default 3600) of the emulator's clock; upload.getFile with an older one answers FILE_REFERENCE_EXPIRED (`POST /file-references/rotate` rotates them at once) |
 * | `clock_offset_seconds` | the emulator's clock runs this many seconds ahead of (or, negative, behind) the machine's: dates it sends (help.getConfig, QR login token expiry, appended messages' default date) and its own expiry checks use it; `"all"` sets `ALL_CLOCK_OFFSET_SECONDS` (Telegram behind the client by more than a minute, the direction in which a client trusting its own clock loses messages) |
 *
 * Faults (Faults.ts) are one-off failures; these are Telegram's standing ways.
 */
import { Either, ParseResult, Schema } from "effect"
import type { PeerRef } from "./Scenario.js"

/** The on/off imperfections, in the order `GET /realism` lists them. */
export const REALISM_FLAGS = [
  "short_pages",
  "short_search",
  "timeouts",
  "pinned_across_folders",
  "min_peers",
  "expiring_file_references"
] as const

export type RealismFlag = (typeof REALISM_FLAGS)[number]

export type Realism = Readonly<
  Record<RealismFlag, boolean> & {
    readonly file_reference_window_seconds: number
    readonly clock_offset_seconds: number
  }
>

/** The emulator's offset in realistic mode: 90 s behind the machine. */
export const ALL_CLOCK_OFFSET_SECONDS = -90

const flags = (on: boolean) => Object.fromEntries(REALISM_FLAGS.map((f) => [f, on])) as Record<RealismFlag, boolean>

export const EXACT: Realism = { ...flags(false), file_reference_window_seconds: 3600, clock_offset_seconds: 0 }

export const ALL: Realism = { ...flags(true), file_reference_window_seconds: 3600, clock_offset_seconds: ALL_CLOCK_OFFSET_SECONDS }

const Patch = Schema.Struct({
  ...Object.fromEntries(REALISM_FLAGS.map((f) => [f, Schema.optional(Schema.Boolean)])) as Record<
    RealismFlag,
    Schema.optional<typeof Schema.Boolean>
  >,
  file_reference_window_seconds: Schema.optional(Schema.Int.pipe(Schema.positive(), Schema.lessThanOrEqualTo(31_536_000))),
  clock_offset_seconds: Schema.optional(Schema.Int.pipe(Schema.between(-31_536_000, 31_536_000)))
})

/**
 * Reads a realism value: `"all"` (or true), `"none"` (or false, null,
 * absent), or an object of flags and numbers that changes those of `base`
 * and keeps the others (a scenario's base is EXACT; the control API's is
 * what is in force). A string is the reason the value is invalid.
 */
export const parseRealism = (input: unknown, base: Realism = EXACT): Realism | string => {
  if (input === undefined || input === null || input === false || input === "none") return EXACT
  if (input === "all" || input === true) return ALL
  if (typeof input !== "object" || Array.isArray(input)) {
    return `expected "all", "none" or an object of flags (${REALISM_FLAGS.join(", ")}, file_reference_window_seconds, clock_offset_seconds)`
  }
  const decoded = Schema.decodeUnknownEither(Patch, { onExcessProperty: "error" })(input)
  if (Either.isLeft(decoded)) return ParseResult.TreeFormatter.formatErrorSync(decoded.left)
  const patch = Object.fromEntries(Object.entries(decoded.right).filter(([, v]) => v !== undefined))
  return { ...base, ...patch }
}

/** How the short-page modes show one message: as itself, as a MessageEmpty, or not at all (it still takes a place). */
export type SlotKind = "message" | "empty" | "hidden"

/**
 * Fixed by the id: every 7th message (ids 3, 10, 17, ...) is a
 * MessageEmpty, and ids 20-25 of every 50 are hidden, so pages come back
 * short everywhere, by up to a fifth, with runs of hidden messages, yet
 * no window of 7 or more places is ever all hidden (a page that small
 * comes back with at least one entry).
 */
export const slotKind = (_peer: PeerRef, id: number): SlotKind =>
  id % 7 === 3 ? "empty" : id % 50 >= 20 && id % 50 < 26 ? "hidden" : "message"

/** Whether a message is part of the history the account can read in a mode that hides some (`slotKind`). */
export const shownInHistory = (peer: PeerRef, id: number): boolean => slotKind(peer, id) === "message"

/** The calls `timeouts` fails now and then. */
export const TIMEOUT_METHODS: ReadonlySet<string> = new Set([
  "messages.GetHistory",
  "messages.Search",
  "messages.SearchGlobal",
  "upload.GetFile"
])

/** Every how many calls of those methods one fails with -503 Timeout. */
export const TIMEOUT_EVERY = 25

/**
 * The realistic mode an end-to-end run asks for through the environment
 * (`TGSC_E2E_REALISM=all`, or a JSON object of flags), so a whole e2e file
 * can run again against an imperfect Telegram; undefined when unset.
 */
export const realismFromEnv = (env: Record<string, string | undefined> = process.env): Realism | undefined => {
  const text = env.TGSC_E2E_REALISM
  if (text === undefined || text === "") return undefined
  const parsed = parseRealism(text.trim().startsWith("{") ? JSON.parse(text) : text.trim())
  if (typeof parsed === "string") throw new Error(`TGSC_E2E_REALISM: ${parsed}`)
  return parsed
}
