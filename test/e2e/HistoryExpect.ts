/**
 * What GET /api/v3/history should stream for a scenario, worked out from the
 * scenario alone (the emulator's brute-force oracle plus the contract's
 * field rules), and small readers for SSE responses and the emulator's
 * call counts, shared by the history and files end-to-end tests.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { expect } from "vitest"
import { dialogMessages, type OracleMessage, readableMessages } from "../emulator/HistoryOracle.js"
import { type Realism, realismFromEnv } from "../emulator/Realism.js"
import { parseScenario, type Scenario } from "../emulator/Scenario.js"
import type { E2e } from "../support/E2e.js"
import { projectRoot } from "../support/ServerProcess.js"
import { DETAIL_KEYS, type ExpectedDetails, expectedDetails, expectedDetailsOfAppended } from "./DetailsOracle.js"
import { parseSse, type SseBody } from "../support/Sse.js"

export const HISTORY_FIXTURE = "test/fixtures/history.json"

export const loadFixture = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(projectRoot, name), "utf8"))

/** The contract's marked ids: user +id, basic group -id, channel -(10^12 + id). */
export const marked = (peer: string): number => {
  const [kind, id] = peer.split(":") as [string, string]
  const n = Number(id)
  return kind === "user" ? n : kind === "chat" ? -n : -(1_000_000_000_000 + n)
}

/** Scenario dates are `YYYY-MM-DD HH:MM:SS` UTC. */
export const epoch = (text: string): number => Date.parse(text.replace(" ", "T") + "Z") / 1000

/** The contract's message date format. */
export const messageDate = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ")

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Every key of the contract's flat message object, in its order, plus the optional media_category. */
export const MESSAGE_KEYS = [
  "message_id",
  "date",
  "edit_date",
  "sender_id",
  "first_name",
  "last_name",
  "username",
  "message",
  "reply_to",
  "post_author",
  "is_forwarded",
  "forwarded_from_channel_id",
  "media_type",
  "media_uuid",
  "media_original_filename",
  "media_size",
  "media_category",
  ...DETAIL_KEYS
] as const

export interface HistoryMessage {
  readonly message_id: number
  readonly date: string
  readonly edit_date: string | null
  readonly sender_id: number | null
  readonly first_name: string | null
  readonly last_name: string | null
  readonly username: string | null
  readonly message: string
  readonly reply_to: number | null
  readonly post_author: string | null
  readonly is_forwarded: number
  readonly forwarded_from_channel_id: number | null
  readonly media_type: string | null
  readonly media_uuid: string | null
  readonly media_original_filename: string | null
  readonly media_size: number | null
  readonly media_category?: string | null
}

const MEDIA_CLASS = {
  photo: "MessageMediaPhoto",
  document: "MessageMediaDocument",
  webpage: "MessageMediaWebPage",
  geo: "MessageMediaGeo",
  poll: "MessageMediaPoll"
} as const

const CATEGORY = {
  file: "files",
  video: "videos",
  audio: "files",
  voice: "voice_messages",
  video_note: "video_messages",
  sticker: "stickers",
  gif: "gifs"
} as const

export class ExpectedHistory {
  readonly scenario: Scenario
  /** The emulator's realistic mode the answers are worked out for (Realism.ts): as given, else as startE2e sets it. */
  readonly realism: Realism

  constructor(json: unknown, realism?: Realism) {
    this.scenario = parseScenario(json)
    this.realism = realism ?? realismFromEnv() ?? this.scenario.options.realism
  }

  /** The sender's contract fields: a user's names, or a channel's title as first_name. */
  private sender(peer: string) {
    const [kind, idText] = peer.split(":") as [string, string]
    const id = Number(idText)
    if (kind === "user") {
      const u = this.scenario.users.find((x) => x.id === id)!
      return { sender_id: id, first_name: u.firstName, last_name: u.lastName, username: u.username }
    }
    const c = this.scenario.channels.find((x) => x.id === id)!
    return { sender_id: marked(peer), first_name: c.title, last_name: null, username: c.username }
  }

  /**
   * One message as the contract shows it; the uuid is matched by shape (it
   * is the server's), everything else is exact.
   */
  view(m: OracleMessage, peer: string, account: number): Record<string, unknown> {
    const media = m.media
    const file = media !== null && (media.type === "photo" || media.type === "document") ? media : null
    const details = this.details(m, peer, account)
    return {
      message_id: m.id,
      date: messageDate(m.date),
      edit_date: m.editDate === null ? null : messageDate(m.editDate),
      ...this.sender(m.from),
      message: m.text,
      // A service message's reply header (a pin's message) shows in its action, not as a reply.
      reply_to: details.action === null ? m.replyTo : null,
      post_author: m.postAuthor,
      is_forwarded: m.fwdFrom === null ? 0 : 1,
      forwarded_from_channel_id: m.fwdFrom?.from?.kind === "channel" ? marked(`channel:${m.fwdFrom.from.id}`) : null,
      media_type: media === null ? null : MEDIA_CLASS[media.type],
      media_uuid: file === null ? null : expect.stringMatching(UUID),
      media_original_filename: file?.type === "document" ? file.fileName : null,
      media_size: file === null ? null : file.size,
      media_category: file === null ? null : file.type === "photo" ? "photos" : CATEGORY[file.kind],
      ...details
    }
  }

  /** The fields beyond the contract's (DetailsOracle.ts), for a scenario message or one appended since. */
  private details(m: OracleMessage, peer: string, account: number): ExpectedDetails {
    try {
      return expectedDetails(this.scenario, account, peer, m.id)
    } catch {
      return expectedDetailsOfAppended(this.scenario, account, peer, m)
    }
  }

  /** The dialog's messages (as `owner` sees them) dated in [start, end), oldest first. */
  messages(
    peer: string,
    options: {
      readonly owner?: number
      readonly start?: string
      readonly end?: string
      readonly appended?: Parameters<typeof dialogMessages>[3]
      readonly deleted?: Parameters<typeof dialogMessages>[4]
    } = {}
  ): Array<OracleMessage> {
    const start = options.start === undefined ? -Infinity : epoch(options.start)
    const end = options.end === undefined ? Infinity : epoch(options.end)
    const all = dialogMessages(this.scenario, peer, options.owner, options.appended ?? [], options.deleted ?? [])
    // Messages Telegram hides from the account in realistic mode are not part of a complete history.
    return readableMessages(all, peer, this.realism)
      .filter((m) => m.date >= start && m.date < end)
      .sort((a, b) => a.date - b.date || a.id - b.id)
  }

  /** The contract's views of `messages(peer, options)`, as `viewer` (default: the owner, else the scenario's first account) reads them. */
  views(
    peer: string,
    options: Parameters<ExpectedHistory["messages"]>[1] & { readonly viewer?: number } = {}
  ): Array<Record<string, unknown>> {
    const account = options.viewer ?? options.owner ?? this.scenario.accounts[0]!.user
    return this.messages(peer, options).map((m) => this.view(m, peer, account))
  }
}

// ---------------------------------------------------------------------------
// SSE

export { parseSse, type SseBody, type SseEvent } from "../support/Sse.js"

export const messagesOf = (body: SseBody): Array<HistoryMessage> =>
  body.events.filter((e) => e.event === "message").flatMap((e) => (e.data as { messages: Array<HistoryMessage> }).messages)

/** The sizes of the chunks (`data:` events). */
export const chunkSizes = (body: SseBody): Array<number> =>
  body.events.filter((e) => e.event === "message").map((e) => (e.data as { messages: Array<unknown> }).messages.length)

export interface ProgressEvent {
  readonly fetched: number
  readonly range: { readonly start_date: string; readonly end_date: string } | null
  readonly rate_limit_wait: number
}

export const progressOf = (body: SseBody): Array<ProgressEvent> =>
  body.events.filter((e) => e.event === "progress").map((e) => e.data as ProgressEvent)

/** GET the history of a dialog and read the whole stream; fails unless the answer is a 200 event stream. */
export const history = async (e2e: E2e, session: string, dialogId: number, query = ""): Promise<SseBody> => {
  const res = await e2e.api(`/api/v3/history/${dialogId}${query === "" ? "" : `?${query}`}`, { session })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`history ${dialogId}?${query}: ${res.status} ${text}`)
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/)
  return parseSse(text)
}

/** Asserts that a stream ended without an error event. */
export const expectNoError = (body: SseBody): void => {
  expect(body.events.filter((e) => e.event === "error")).toEqual([])
}

// ---------------------------------------------------------------------------
// The emulator's RPC call counts, through its control API (GET /calls, POST /calls/reset)

export const calls = async (e2e: E2e): Promise<Record<string, number>> => {
  const res = await e2e.control("/calls")
  expect(res.status).toBe(200)
  return await res.json() as Record<string, number>
}

export const callCount = async (e2e: E2e, method: string): Promise<number> => (await calls(e2e))[method] ?? 0

export const resetCalls = async (e2e: E2e): Promise<void> => {
  expect((await e2e.control("/calls/reset", { method: "POST" })).status).toBe(200)
}

/** Counts calls of `method` made while `run` runs (calls are reset first: one test at a time). */
export const countCalls = async <A>(e2e: E2e, method: string, run: () => Promise<A>): Promise<{ value: A; count: number }> => {
  await resetCalls(e2e)
  const value = await run()
  return { value, count: await callCount(e2e, method) }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until the count of `method` stops growing (two readings `quietMs` apart agree) and returns it. */
export const settledCount = async (e2e: E2e, method: string, quietMs = 300): Promise<number> => {
  let previous = await callCount(e2e, method)
  for (let i = 0; i < 100; i++) {
    await sleep(quietMs)
    const now = await callCount(e2e, method)
    if (now === previous) return now
    previous = now
  }
  throw new Error(`${method} calls never stopped growing`)
}
