/**
 * The emulator's "realistic" mode: Telegram's imperfections that the exact
 * emulator otherwise never shows, each a named flag, switched on per
 * scenario (`"options": {"realism": "all"}` or `{"realism": {"short_pages":
 * true}}`) or at run time through the control API (`POST /realism`, same
 * value as the body's `realism`; `GET /realism` reads the flags). Off by
 * default, so scenarios written to the contract keep their exact answers.
 *
 * | flag | effect |
 * |---|---|
 * | `short_pages` | messages.getHistory pages come back short mid-history: some messages take their place in the offset window but come back as `MessageEmpty` (their id only), others take a place and are not returned at all (hidden or restricted for the account, or an id gap in a channel). Which ones is fixed by the message id (`slotKind`), so tests can compute what a complete history is (`shownInHistory`). |
 * | `short_search` | the same for messages.search and messages.searchGlobal: matches that take a place in the page and come back empty or not at all. |
 * | `timeouts` | every 25th call of messages.getHistory, messages.search, messages.searchGlobal and upload.getFile fails once with Telegram's `-503 Timeout` (lowercase, negative code), as the real Telegram does now and then. |
 *
 * Other flags join this list as the emulator learns more imperfections.
 */
import type { PeerRef } from "./Scenario.js"

export const REALISM_FLAGS = ["short_pages", "short_search", "timeouts"] as const

export type RealismFlag = (typeof REALISM_FLAGS)[number]

export type Realism = Readonly<Record<RealismFlag, boolean>>

export const EXACT: Realism = Object.fromEntries(REALISM_FLAGS.map((f) => [f, false])) as Record<RealismFlag, boolean>

export const ALL: Realism = Object.fromEntries(REALISM_FLAGS.map((f) => [f, true])) as Record<RealismFlag, boolean>

/**
 * Reads a realism value: `"all"`, `"none"` (or false), true (all), or an
 * object of flags (missing ones off); a string is the reason it is invalid.
 */
export const parseRealism = (input: unknown): Realism | string => {
  if (input === undefined || input === null || input === false || input === "none") return EXACT
  if (input === "all" || input === true) return ALL
  if (typeof input !== "object" || Array.isArray(input)) {
    return `expected "all", "none" or an object of flags (${REALISM_FLAGS.join(", ")})`
  }
  const flags: Record<string, boolean> = { ...EXACT }
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    if (!(REALISM_FLAGS as ReadonlyArray<string>).includes(name)) return `${name}: unknown flag (known: ${REALISM_FLAGS.join(", ")})`
    if (typeof value !== "boolean") return `${name}: expected true or false`
    flags[name] = value
  }
  return flags as Realism
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
