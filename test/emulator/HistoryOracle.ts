/**
 * A brute-force oracle of what Telegram answers for a scenario, written as
 * literally as possible (whole lists, filters, sorts; no indexes) so tests
 * can check the emulator's fast paths, and end-to-end tests can check what
 * the server returned, against it.
 */
import { generatedDate, generatedMedia, generatedMessage, generatedSender, generatedText } from "./Generate.js"
import { type Realism, shownInHistory } from "./Realism.js"
import { type ForwardSpec, type MediaSpec, parsePeer, type PeerRef, peerKey, type Scenario } from "./Scenario.js"

export interface OracleMessage {
  readonly id: number
  readonly date: number
  readonly text: string
  /** The sender as a scenario peer, e.g. `user:1002`. */
  readonly from: string
  readonly media: MediaSpec | null
  readonly editDate: number | null
  readonly replyTo: number | null
  readonly postAuthor: string | null
  readonly fwdFrom: ForwardSpec | null
}

/**
 * A message sent through the control API's `POST /messages` (media and
 * forwards are not modelled here: an edit keeps the old ones).
 */
export interface AppendedMessage {
  readonly peer: string
  readonly owner?: number
  readonly id?: number
  readonly date?: string
  readonly text?: string
  readonly from?: string
  readonly edit_date?: string
  readonly reply_to?: number
  readonly post_author?: string
}

/** A message deleted through the control API's `DELETE /messages`. */
export interface DeletedMessage {
  readonly peer: string
  readonly owner?: number
  readonly id: number
}

const epochOf = (text: string): number => Date.parse(`${text.replace(" ", "T")}Z`) / 1000

const scopeOf = (peer: PeerRef, owner: number | null): string => (owner === null ? peerKey(peer) : `owner:${owner}`)

/**
 * Every message of one dialog (of a scenario from `parseScenario`), oldest
 * first: the scenario's messages (left-out ids numbered as the scenario
 * module says), then its generate blocks, then messages appended later
 * through the control API (`appended`, in the order they were sent; one
 * naming an existing id is an edit, keeping the fields it does not give;
 * `nowSeconds` dates what gives no date), less the `deleted` ones.
 */
export const dialogMessages = (
  scenario: Scenario,
  peer: string,
  owner?: number,
  appended: ReadonlyArray<AppendedMessage> = [],
  deleted: ReadonlyArray<DeletedMessage> = [],
  nowSeconds = Math.floor(Date.now() / 1000)
): Array<OracleMessage> => {
  const wanted = (p: PeerRef, o: number | null) => peerKey(p) === peer && (p.kind === "channel" || o === (owner ?? o))
  const top = new Map<string, number>()
  const out: Array<OracleMessage> = []
  const note = (scope: string, id: number) => top.set(scope, Math.max(top.get(scope) ?? 0, id))
  for (const m of scenario.messages) {
    const scope = scopeOf(m.peer, m.owner)
    const id = m.id ?? (top.get(scope) ?? 0) + 1
    note(scope, id)
    if (wanted(m.peer, m.owner)) {
      out.push({
        id,
        date: m.date,
        text: m.text,
        from: peerKey(m.from),
        media: m.media,
        editDate: m.editDate,
        replyTo: m.replyTo,
        postAuthor: m.postAuthor,
        fwdFrom: m.fwdFrom
      })
    }
  }
  for (const g of scenario.generate) {
    const scope = scopeOf(g.peer, g.owner)
    const first = (top.get(scope) ?? 0) + 1
    if (g.count > 0) note(scope, first + g.count - 1)
    if (!wanted(g.peer, g.owner)) continue
    for (let i = 0; i < g.count; i++) {
      out.push({
        id: first + i,
        date: generatedDate(g, i),
        text: generatedText(g, i),
        from: peerKey(generatedSender(g, i)),
        media: generatedMedia(g, i),
        editDate: null,
        replyTo: generatedMessage(g, i, first).replyTo,
        postAuthor: null,
        fwdFrom: null
      })
    }
  }
  for (const a of appended) {
    const [kind, idText] = a.peer.split(":")
    const p = { kind: kind as PeerRef["kind"], id: Number(idText) }
    const o = p.kind === "channel" ? null : a.owner ?? owner ?? null
    const scope = scopeOf(p, o)
    const id = a.id ?? (top.get(scope) ?? 0) + 1
    note(scope, id)
    if (wanted(p, o)) {
      const at = out.findIndex((m) => m.id === id)
      const old = at < 0 ? undefined : out[at]
      const message: OracleMessage = old === undefined
        ? {
          id,
          date: a.date !== undefined ? epochOf(a.date) : nowSeconds,
          text: a.text ?? "",
          from: a.from ?? (o === null ? a.peer : `user:${o}`),
          media: null,
          editDate: a.edit_date !== undefined ? epochOf(a.edit_date) : null,
          replyTo: a.reply_to ?? null,
          postAuthor: a.post_author ?? null,
          fwdFrom: null
        }
        : {
          // An edit: what it gives replaces, the rest stays.
          ...old,
          date: a.date !== undefined ? epochOf(a.date) : old.date,
          text: a.text ?? old.text,
          from: a.from ?? old.from,
          editDate: a.edit_date !== undefined ? epochOf(a.edit_date) : nowSeconds,
          replyTo: a.reply_to ?? old.replyTo,
          postAuthor: a.post_author ?? old.postAuthor
        }
      if (at < 0) out.push(message)
      else out[at] = message
    }
  }
  const gone = new Set(
    deleted.filter((d) => d.peer === peer && (d.peer.startsWith("channel:") || (d.owner ?? owner) === owner)).map((d) => d.id)
  )
  return out.filter((m) => !gone.has(m.id)).sort((a, b) => a.id - b.id)
}

/**
 * What a complete history of `peer` holds when Telegram hides some messages
 * from the account (realistic mode's `short_pages`, Realism.ts): those
 * messages left out; all of them otherwise. `short_search` likewise for
 * search results (`flag`).
 */
export const readableMessages = <M extends { readonly id: number }>(
  messages: ReadonlyArray<M>,
  peer: string,
  realism: Realism,
  flag: "short_pages" | "short_search" = "short_pages"
): Array<M> => {
  if (!realism[flag]) return [...messages]
  const ref = parsePeer(peer)!
  return messages.filter((m) => shownInHistory(ref, m.id))
}

export interface HistoryQuery {
  readonly offsetId: number
  readonly offsetDate: number
  readonly addOffset: number
  readonly limit: number
  readonly minId: number
  readonly maxId: number
}

/**
 * messages.getHistory by the book (core.telegram.org/api/offsets): newest
 * first; the position is the number of messages with id >= offset_id, or
 * (offset_id 0) the first dated before offset_date; the slice
 * [position + add_offset, position + add_offset + limit); then the
 * exclusive id bounds. `count` is the whole dialog.
 */
export const expectedHistory = (
  messages: ReadonlyArray<Pick<OracleMessage, "id" | "date">>,
  q: HistoryQuery
): { readonly ids: Array<number>; readonly count: number } => {
  const newest = [...messages].sort((a, b) => b.id - a.id)
  let position = 0
  if (q.offsetId > 0) {
    position = newest.filter((m) => m.id >= q.offsetId).length
  } else if (q.offsetDate > 0) {
    position = newest.findIndex((m) => m.date < q.offsetDate)
    if (position < 0) position = newest.length
  }
  const limit = q.limit <= 0 ? 20 : Math.min(q.limit, 100)
  const from = position + q.addOffset
  const ids = newest
    .filter((_, k) => k >= from && k < from + limit)
    .map((m) => m.id)
    .filter((id) => id > q.minId && (q.maxId <= 0 || id < q.maxId))
  return { ids, count: newest.length }
}

export interface SearchQuery {
  readonly q: string
  /** Exclusive bounds, 0 for none. */
  readonly minDate: number
  readonly maxDate: number
  /** A scenario peer (`user:1002`) or null. */
  readonly from: string | null
  readonly offsetId: number
  readonly addOffset: number
  readonly limit: number
}

/** messages.search: the history paging above over the messages that match (case-insensitive text, dates, sender). */
export const expectedSearch = (
  messages: ReadonlyArray<OracleMessage>,
  q: SearchQuery
): { readonly ids: Array<number>; readonly count: number } => {
  const needle = q.q.trim().toLowerCase()
  const matching = messages.filter((m) =>
    m.text.toLowerCase().includes(needle) &&
    (q.minDate <= 0 || m.date > q.minDate) &&
    (q.maxDate <= 0 || m.date < q.maxDate) &&
    (q.from === null || m.from === q.from)
  )
  const page = expectedHistory(matching, { offsetId: q.offsetId, offsetDate: 0, addOffset: q.addOffset, limit: q.limit, minId: 0, maxId: 0 })
  return { ids: page.ids, count: matching.length }
}
