/**
 * What the API should answer for one account of a scenario, worked out from
 * the scenario JSON alone and the contract's rules (with the decisions the
 * behaviour notes and src/domain/DialogFilters.ts document), never from the
 * server's code: dialogs with their fields, folder membership, the whole
 * dialog search (filters, fuzzy score, sort, paging) and Telegram's message
 * search. Covers the scenario features the fixtures use; anything else
 * throws, so a fixture never silently goes unchecked. Message search is
 * also worked out for the emulator's realistic mode (Realism.ts).
 */
import { type Realism, shownInHistory, TIMEOUT_EVERY } from "../emulator/Realism.js"
import { parsePeer } from "../emulator/Scenario.js"

// ---------------------------------------------------------------------------
// The raw scenario

interface RawUser {
  readonly id: number
  readonly first_name?: string | null
  readonly last_name?: string | null
  readonly username?: string | null
  readonly bot?: boolean
  readonly verified?: boolean
}
interface RawChat {
  readonly id: number
  readonly title: string
  readonly creator?: number | null
  readonly members?: ReadonlyArray<number>
  readonly date?: string | null
}
interface RawChannel {
  readonly id: number
  readonly title: string
  readonly username?: string | null
  readonly megagroup?: boolean
  readonly verified?: boolean
  readonly creator?: number | null
  readonly participants_count?: number
  readonly date?: string | null
  readonly hide_participants_count?: boolean
  readonly forum?: boolean
}
interface RawDialog {
  readonly peer: string
  readonly unread_count?: number
  readonly archived?: boolean
  readonly pinned?: boolean
  readonly muted?: boolean
}
interface RawFolder {
  readonly id: number
  readonly title: string
  readonly chatlist?: boolean
  readonly include_peers?: ReadonlyArray<string>
  readonly exclude_peers?: ReadonlyArray<string>
  readonly pinned_peers?: ReadonlyArray<string>
  readonly contacts?: boolean
  readonly non_contacts?: boolean
  readonly groups?: boolean
  readonly broadcasts?: boolean
  readonly bots?: boolean
  readonly exclude_muted?: boolean
  readonly exclude_read?: boolean
  readonly exclude_archived?: boolean
}
interface RawAccount {
  readonly user: number
  readonly contacts?: ReadonlyArray<number>
  readonly dialogs?: ReadonlyArray<RawDialog>
  readonly folders?: ReadonlyArray<RawFolder>
}
interface RawMessage {
  readonly peer: string
  readonly owner?: number | null
  readonly id?: number | null
  readonly date: string
  readonly from?: string | null
  readonly text?: string | null
  readonly edit_date?: string | null
  readonly reply_to?: number | null
  readonly post_author?: string | null
  readonly fwd_from?: { readonly channel?: number | null; readonly user?: number | null; readonly name?: string | null } | null
}
export interface RawScenario {
  readonly users?: ReadonlyArray<RawUser>
  readonly chats?: ReadonlyArray<RawChat>
  readonly channels?: ReadonlyArray<RawChannel>
  readonly accounts?: ReadonlyArray<RawAccount>
  readonly messages?: ReadonlyArray<RawMessage>
  readonly generate?: ReadonlyArray<unknown>
}

// ---------------------------------------------------------------------------
// Ids and dates

export const SERVICE_CHAT = 777000

/** The contract's marked ids: user +id, basic group -id, channel -(10^12 + id). */
export const marked = (peer: string): number => {
  const [kind, id] = peer.split(":") as [string, string]
  const n = Number(id)
  if (kind === "user") return n
  if (kind === "chat") return -n
  if (kind === "channel") return -(1_000_000_000_000 + n)
  throw new Error(`not a peer: ${peer}`)
}

/** Scenario dates are `YYYY-MM-DD HH:MM:SS` UTC. */
export const epoch = (text: string): number => Date.parse(text.replace(" ", "T") + "Z") / 1000

/** `YYYY-MM-DDTHH:MM:SS+00:00`, the dialog date format. */
export const isoDate = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 19) + "+00:00"

/** `YYYY-MM-DD HH:MM:SS`, the message date format. */
export const messageDate = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ")

// ---------------------------------------------------------------------------
// The account's world

export type Kind = "user" | "bot" | "saved" | "group" | "supergroup" | "channel"

export interface OracleMessage {
  readonly peer: string
  readonly dialogId: number
  readonly id: number
  readonly date: number
  readonly text: string
  /** The sender's scenario peer. */
  readonly from: string
  readonly editDate: number | null
  readonly replyTo: number | null
  readonly postAuthor: string | null
  readonly forwarded: boolean
  readonly forwardedFromChannel: number | null
}

export interface OracleDialog {
  readonly peer: string
  readonly id: number
  readonly type: Kind
  readonly title: string
  readonly username: string | null
  readonly isCreator: boolean
  readonly isVerified: boolean
  readonly isArchived: boolean
  readonly isPinned: boolean
  readonly isMuted: boolean
  readonly isContact: boolean
  /** A supergroup with forum topics. */
  readonly isForum: boolean
  readonly unreadCount: number
  /** The real count, also for channels whose entity hides it. */
  readonly participants: number | null
  readonly participantsHidden: boolean
  readonly createdDate: number | null
  /** Oldest first. */
  readonly messages: ReadonlyArray<OracleMessage>
  readonly lastMessageDate: number | null
  readonly lastMessagePreview: string | null
}

export interface OracleFolder {
  readonly id: number
  readonly title: string
  readonly chatlist: boolean
  readonly include: ReadonlyArray<number>
  readonly exclude: ReadonlyArray<number>
  readonly pinned: ReadonlyArray<number>
  readonly flags: {
    readonly contacts: boolean
    readonly nonContacts: boolean
    readonly groups: boolean
    readonly broadcasts: boolean
    readonly bots: boolean
    readonly excludeMuted: boolean
    readonly excludeRead: boolean
    readonly excludeArchived: boolean
  }
}

export interface SenderNames {
  readonly id: number
  readonly firstName: string | null
  readonly lastName: string | null
  readonly username: string | null
}

export interface Oracle {
  readonly me: number
  /** Every dialog of the account, listed or not. */
  readonly allDialogs: ReadonlyArray<OracleDialog>
  /** What /search/dialogs may ever show: dialogs with messages, without the service chat. */
  readonly listed: ReadonlyArray<OracleDialog>
  readonly folders: ReadonlyArray<OracleFolder>
  readonly dialog: (peerOrId: string | number) => OracleDialog
  readonly sender: (peer: string) => SenderNames
}

const userTitle = (u: RawUser) => [u.first_name, u.last_name].filter((s) => s != null && s !== "").join(" ")

export const oracleOf = (scenario: RawScenario, me: number): Oracle => {
  if (scenario.generate !== undefined && scenario.generate.length > 0) throw new Error("the oracle does not model generate blocks")
  const users = new Map((scenario.users ?? []).map((u) => [u.id, u]))
  const chats = new Map((scenario.chats ?? []).map((c) => [c.id, c]))
  const channels = new Map((scenario.channels ?? []).map((c) => [c.id, c]))
  const account = (scenario.accounts ?? []).find((a) => a.user === me)
  if (account === undefined) throw new Error(`no account ${me}`)
  const contacts = new Set(account.contacts ?? [])
  const dialogPeers = new Set((account.dialogs ?? []).map((d) => d.peer))
  const userOf = (id: number): RawUser => users.get(id) ?? { id, first_name: `User ${id}` }

  // Message ids as Telegram gives them: one sequence per account for private
  // chats and basic groups, one per channel; a missing id is the next one.
  const tops = new Map<string, number>()
  const byPeer = new Map<string, Array<OracleMessage>>()
  for (const m of scenario.messages ?? []) {
    const channel = m.peer.startsWith("channel:")
    if (!channel) {
      const owner = m.owner ?? me
      if (owner !== me) {
        const scope = `account:${owner}`
        tops.set(scope, Math.max(tops.get(scope) ?? 0, m.id ?? (tops.get(scope) ?? 0) + 1))
        continue
      }
    }
    if (!dialogPeers.has(m.peer)) {
      if (!channel) throw new Error(`message in ${m.peer}, which account ${me} has no dialog with`)
    }
    const scope = channel ? m.peer : `account:${me}`
    const id = m.id ?? (tops.get(scope) ?? 0) + 1
    tops.set(scope, Math.max(tops.get(scope) ?? 0, id))
    const broadcast = channel && channels.get(Number(m.peer.slice(8)))!.megagroup !== true
    const from = m.from ?? (channel ? m.peer : `user:${me}`)
    if (broadcast && from !== m.peer) throw new Error("broadcast posts come from their channel")
    if (m.fwd_from?.user != null) throw new Error("the oracle models forwards from channels and names only")
    const list = byPeer.get(m.peer) ?? []
    byPeer.set(m.peer, list)
    list.push({
      peer: m.peer,
      dialogId: marked(m.peer),
      id,
      date: epoch(m.date),
      text: m.text ?? "",
      from,
      editDate: m.edit_date == null ? null : epoch(m.edit_date),
      replyTo: m.reply_to ?? null,
      postAuthor: m.post_author ?? null,
      forwarded: m.fwd_from != null,
      forwardedFromChannel: m.fwd_from?.channel == null ? null : marked(`channel:${m.fwd_from.channel}`)
    })
  }

  const allDialogs = (account.dialogs ?? []).map((d): OracleDialog => {
    const [kind, idText] = d.peer.split(":") as [string, string]
    const n = Number(idText)
    const messages = [...(byPeer.get(d.peer) ?? [])].sort((a, b) => a.id - b.id)
    const top = messages.at(-1)
    const common = {
      peer: d.peer,
      id: marked(d.peer),
      isArchived: d.archived === true,
      isPinned: d.pinned === true,
      isMuted: d.muted === true,
      isForum: kind === "channel" && channels.get(n)?.forum === true,
      unreadCount: d.unread_count ?? 0,
      messages,
      lastMessageDate: top?.date ?? null,
      lastMessagePreview: top === undefined ? null : top.text.slice(0, 200)
    }
    if (kind === "user") {
      const u = userOf(n)
      return {
        ...common,
        type: n === me ? "saved" : u.bot === true ? "bot" : "user",
        title: n === me ? "Saved Messages" : userTitle(u),
        username: u.username ?? null,
        isCreator: false,
        isVerified: u.verified === true,
        isContact: contacts.has(n),
        participants: null,
        participantsHidden: false,
        createdDate: null
      }
    }
    if (kind === "chat") {
      const c = chats.get(n)!
      if (c.date == null) throw new Error(`chat ${n} without a date`)
      const members = new Set([...(c.creator == null ? [] : [c.creator]), ...(c.members ?? [])])
      return {
        ...common,
        type: "group",
        title: c.title,
        username: null,
        isCreator: c.creator === me,
        isVerified: false,
        isContact: false,
        participants: members.size,
        participantsHidden: false,
        createdDate: epoch(c.date)
      }
    }
    const c = channels.get(n)!
    if (c.date == null) throw new Error(`channel ${n} without a date`)
    return {
      ...common,
      type: c.megagroup === true ? "supergroup" : "channel",
      title: c.title,
      username: c.username ?? null,
      isCreator: c.creator === me,
      isVerified: c.verified === true,
      isContact: false,
      participants: c.participants_count ?? 0,
      participantsHidden: c.hide_participants_count === true,
      createdDate: epoch(c.date)
    }
  })

  const folders = (account.folders ?? []).map((f): OracleFolder => ({
    id: f.id,
    title: f.title,
    chatlist: f.chatlist === true,
    include: (f.include_peers ?? []).map(marked),
    exclude: f.chatlist === true ? [] : (f.exclude_peers ?? []).map(marked),
    pinned: (f.pinned_peers ?? []).map(marked),
    flags: {
      contacts: f.chatlist !== true && f.contacts === true,
      nonContacts: f.chatlist !== true && f.non_contacts === true,
      groups: f.chatlist !== true && f.groups === true,
      broadcasts: f.chatlist !== true && f.broadcasts === true,
      bots: f.chatlist !== true && f.bots === true,
      excludeMuted: f.chatlist !== true && f.exclude_muted === true,
      excludeRead: f.chatlist !== true && f.exclude_read === true,
      excludeArchived: f.chatlist !== true && f.exclude_archived === true
    }
  }))

  const byKey = new Map<string | number, OracleDialog>()
  for (const d of allDialogs) {
    byKey.set(d.peer, d)
    byKey.set(d.id, d)
  }
  const sender = (peer: string): SenderNames => {
    const [kind, idText] = peer.split(":") as [string, string]
    const n = Number(idText)
    if (kind === "user") {
      const u = userOf(n)
      return { id: n, firstName: u.first_name ?? null, lastName: u.last_name ?? null, username: u.username ?? null }
    }
    const c = channels.get(n)!
    return { id: marked(peer), firstName: c.title, lastName: null, username: c.username ?? null }
  }
  return {
    me,
    allDialogs,
    listed: allDialogs.filter((d) => d.messages.length > 0 && d.id !== SERVICE_CHAT),
    folders,
    dialog: (key) => {
      const d = byKey.get(key)
      if (d === undefined) throw new Error(`no dialog ${key}`)
      return d
    },
    sender
  }
}

// ---------------------------------------------------------------------------
// Folders

/** Telegram's folder rules: pinned and included peers in, excluded out, else a kind flag and the exclusions. */
export const inFolder = (folder: OracleFolder | "all", d: OracleDialog): boolean => {
  if (folder === "all") return !d.isArchived
  if (folder.pinned.includes(d.id) || folder.include.includes(d.id)) return true
  if (folder.exclude.includes(d.id)) return false
  const f = folder.flags
  const admitted = d.type === "saved"
    ? f.contacts
    : d.type === "user"
    ? (d.isContact ? f.contacts : f.nonContacts)
    : d.type === "bot"
    ? f.bots
    : d.type === "channel"
    ? f.broadcasts
    : f.groups
  if (!admitted) return false
  if (f.excludeMuted && d.isMuted) return false
  if (f.excludeRead && d.unreadCount === 0) return false
  if (f.excludeArchived && d.isArchived) return false
  return true
}

// ---------------------------------------------------------------------------
// Fuzzy score (behaviour notes): NFKD without marks, case-folded; a
// substring scores 0.8 + 0.2 * len(q) / len(title), anything else the
// Ratcliff-Obershelp ratio of Python's difflib.

export const fold = (s: string): string =>
  s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/ß/g, "ss").replace(/ς/g, "σ").normalize("NFKD")
    .replace(/\p{M}/gu, "")

/** difflib's matched-character count: longest block (earliest in a, then in b), recursively left and right. */
const matchedCount = (a: ReadonlyArray<string>, b: ReadonlyArray<string>, alo: number, ahi: number, blo: number, bhi: number): number => {
  let best = { i: alo, j: blo, size: 0 }
  for (let i = alo; i < ahi; i++) {
    for (let j = blo; j < bhi; j++) {
      let k = 0
      while (i + k < ahi && j + k < bhi && a[i + k] === b[j + k]) k++
      if (k > best.size) best = { i, j, size: k }
    }
  }
  if (best.size === 0) return 0
  return best.size +
    matchedCount(a, b, alo, best.i, blo, best.j) +
    matchedCount(a, b, best.i + best.size, ahi, best.j + best.size, bhi)
}

export const fuzzyScore = (query: string, title: string): number => {
  const q = fold(query)
  const t = fold(title)
  const qp = [...q]
  const tp = [...t]
  if (t.includes(q)) return tp.length === 0 ? 1 : 0.8 + (0.2 * qp.length) / tp.length
  const total = qp.length + tp.length
  return total === 0 ? 1 : (2 * matchedCount(qp, tp, 0, qp.length, 0, tp.length)) / total
}

// ---------------------------------------------------------------------------
// Dialog search

export interface DialogQuery {
  readonly q?: string
  readonly match?: "fuzzy" | "exact"
  readonly minScore?: number
  readonly types?: ReadonlyArray<string>
  /** A folder id or title. */
  readonly folder?: string
  readonly isArchived?: boolean
  readonly minMessages?: number
  readonly maxMessages?: number
  readonly minParticipants?: number
  readonly maxParticipants?: number
  /** Epoch seconds; `_after` inclusive, `_before` exclusive. */
  readonly lastMessageAfter?: number
  readonly lastMessageBefore?: number
  readonly createdAfter?: number
  readonly createdBefore?: number
  readonly isCreator?: boolean
  readonly hasUsername?: boolean
  readonly isVerified?: boolean
  readonly sort?: "last_message" | "messages" | "title" | "participants" | "unread"
  readonly order?: "asc" | "desc"
}

export interface ExpectedHit {
  readonly dialog: OracleDialog
  readonly score: number | null
}

const between = (v: number | null, low: number | undefined, high: number | undefined, highExclusive: boolean) => {
  if (low === undefined && high === undefined) return true
  if (v === null) return false
  if (low !== undefined && v < low) return false
  if (high !== undefined && (highExclusive ? v >= high : v > high)) return false
  return true
}

/** The folder a `folder` parameter names; undefined when none (the API answers 404). */
export const folderNamed = (oracle: Oracle, name: string): OracleFolder | "all" | undefined => {
  const t = name.trim()
  if (/^0+$/.test(t) || t.toLowerCase() === "all chats") return "all"
  if (/^\d+$/.test(t)) {
    const byId = oracle.folders.find((f) => f.id === Number(t))
    if (byId !== undefined) return byId
  }
  return oracle.folders.find((f) => f.title.toLowerCase() === t.toLowerCase())
}

/** Every match, in the order the API pages them. */
export const expectDialogs = (oracle: Oracle, p: DialogQuery): ReadonlyArray<ExpectedHit> => {
  const types = p.types === undefined || p.types.length === 0 ? null : new Set<string>(p.types.map((t) => (t === "me" ? "saved" : t)))
  const folder = p.folder === undefined ? null : folderNamed(oracle, p.folder)
  if (folder === undefined) throw new Error(`no folder ${p.folder}`)
  const hasCreation = (d: OracleDialog) => d.type === "group" || d.type === "supergroup" || d.type === "channel"
  const hits: Array<ExpectedHit> = []
  for (const d of oracle.listed) {
    // `forum` admits forum supergroups (whose type stays supergroup).
    if (types !== null && !types.has(d.type) && !(d.isForum && types.has("forum"))) continue
    if (folder !== null && !inFolder(folder, d)) continue
    if (p.isArchived !== undefined && d.isArchived !== p.isArchived) continue
    if (p.isCreator !== undefined && d.isCreator !== p.isCreator) continue
    if (p.isVerified !== undefined && d.isVerified !== p.isVerified) continue
    if (p.hasUsername !== undefined && (d.username !== null) !== p.hasUsername) continue
    if (!between(d.lastMessageDate, p.lastMessageAfter, p.lastMessageBefore, true)) continue
    if ((p.createdAfter !== undefined || p.createdBefore !== undefined) &&
      !(hasCreation(d) && between(d.createdDate, p.createdAfter, p.createdBefore, true))) continue
    if (!between(d.messages.length, p.minMessages, p.maxMessages, false)) continue
    if (!between(d.participants, p.minParticipants, p.maxParticipants, false)) continue
    let score: number | null = null
    if (p.q !== undefined && p.q !== "") {
      score = fuzzyScore(p.q, d.title)
      if (p.match === "exact" ? !fold(d.title).includes(fold(p.q)) : score < (p.minScore ?? 0.8)) continue
    }
    hits.push({ dialog: d, score })
  }
  const sort = p.sort ?? "last_message"
  const desc = (p.order ?? "desc") === "desc"
  const key = (d: OracleDialog): number | string | null => {
    switch (sort) {
      case "last_message":
        return d.lastMessageDate
      case "messages":
        return d.messages.length
      case "title":
        return fold(d.title)
      case "participants":
        return d.participants
      case "unread":
        return d.unreadCount
    }
  }
  const cmp = (a: number | string | null, b: number | string | null): number => {
    if (a === b) return 0
    if (a === null) return 1
    if (b === null) return -1
    return (a < b ? -1 : 1) * (desc ? -1 : 1)
  }
  return hits.sort((a, b) =>
    (a.score !== null && b.score !== null ? b.score - a.score : 0) ||
    cmp(key(a.dialog), key(b.dialog)) ||
    (sort === "title" ? cmp(a.dialog.title, b.dialog.title) : 0) ||
    a.dialog.id - b.dialog.id
  )
}

// ---------------------------------------------------------------------------
// Message search (Telegram's: case-insensitive substring, exclusive dates, newest first)

export interface MessageQuery {
  readonly q: string
  /** Exclusive bounds, epoch seconds. */
  readonly after?: number
  readonly before?: number
  /** A scenario peer (`user:5003`). */
  readonly from?: string
}

const matches = (m: OracleMessage, q: MessageQuery) =>
  m.text.toLowerCase().includes(q.q.toLowerCase()) &&
  (q.after === undefined || m.date > q.after) &&
  (q.before === undefined || m.date < q.before) &&
  (q.from === undefined || m.from === q.from)

export const expectInDialog = (dialog: OracleDialog, q: MessageQuery): ReadonlyArray<OracleMessage> =>
  dialog.messages.filter((m) => matches(m, q)).sort((a, b) => b.id - a.id)

/** Newest first across every dialog of the account (archived too), never the service chat. */
export const expectGlobal = (oracle: Oracle, q: MessageQuery): ReadonlyArray<OracleMessage> =>
  oracle.allDialogs
    .filter((d) => d.id !== SERVICE_CHAT)
    .flatMap((d) => d.messages.filter((m) => matches(m, q)))
    .sort((a, b) => b.date - a.date || b.dialogId - a.dialogId || b.id - a.id)

// ---------------------------------------------------------------------------
// Message search against the emulator's realistic mode (test/emulator/Realism.ts)

/** What a search answers: the messages (newest first, up to the limit) and its `total`. */
export interface ExpectedSearch {
  readonly results: ReadonlyArray<OracleMessage>
  readonly total: number
}

/** Telegram's page size, which the server always asks for (src/app/MessageSearch.ts). */
export const SEARCH_PAGE = 100

/**
 * Whether a match comes back readable: with `short_search` some matches take
 * their place in a page but come back as MessageEmpty or not at all.
 */
export const readableMatch = (realism: Realism | undefined, m: OracleMessage): boolean =>
  realism?.short_search !== true || shownInHistory(parsePeer(m.peer)!, m.id)

/** Whether a global search shows a match: readable, and not the service chat's. */
export const globalResult = (realism: Realism | undefined) => (m: OracleMessage): boolean =>
  m.dialogId !== SERVICE_CHAT && readableMatch(realism, m)

/** Every match across the account's dialogs, the service chat's too, in Telegram's order: what its count counts. */
export const globalMatches = (oracle: Oracle, q: MessageQuery): ReadonlyArray<OracleMessage> =>
  oracle.allDialogs
    .flatMap((d) => d.messages.filter((m) => matches(m, q)))
    .sort((a, b) => b.date - a.date || b.dialogId - a.dialogId || b.id - a.id)

/** A search in one dialog: the readable matches; `total` is Telegram's count, every match, hidden ones too. */
export const expectDialogSearch = (dialog: OracleDialog, q: MessageQuery, limit: number, realism?: Realism): ExpectedSearch => {
  const all = expectInDialog(dialog, q)
  return { results: all.filter((m) => readableMatch(realism, m)).slice(0, limit), total: all.length }
}

/**
 * A global search. Exactly: every match outside the service chat. In
 * realistic mode the server can only drop the service-chat hits it reads
 * (empty or hidden ones it never reads, so they stay counted): its `total`
 * is Telegram's count (every match, hidden ones and the service chat's
 * included) less the readable service-chat hits on the pages it read,
 * whole pages of SEARCH_PAGE in Telegram's order until it holds `limit`
 * results (or all of them).
 */
export const expectGlobalSearch = (oracle: Oracle, q: MessageQuery, limit: number, realism?: Realism): ExpectedSearch => {
  const outside = expectGlobal(oracle, q)
  if (realism?.short_search !== true) return { results: outside.slice(0, limit), total: outside.length }
  const hits = globalMatches(oracle, q)
  const wanted = globalResult(realism)
  // Whole pages up to the one holding the limit-th result; all of them when there are fewer.
  const wantedAt = hits.flatMap((m, k) => (wanted(m) ? [k] : []))
  const pages = wantedAt.length >= limit ? Math.floor(wantedAt[limit - 1]! / SEARCH_PAGE) + 1 : Infinity
  const read = hits.slice(0, pages * SEARCH_PAGE)
  const seen = read.filter((m) => m.dialogId === SERVICE_CHAT && readableMatch(realism, m)).length
  return { results: hits.filter(wanted).slice(0, limit), total: hits.length - seen }
}

/**
 * The most messages.search / searchGlobal calls a search can make in
 * realistic mode: pages of SEARCH_PAGE over `hits` (every match, Telegram's
 * order) up to the `limit`-th result (`wanted`), or over all of them and
 * one empty page that ends them; each page starts at worst just after the
 * previous one's last readable hit (its unreadable tail is asked again);
 * plus, with `timeouts`, a retry for each -503 (one in TIMEOUT_EVERY calls).
 */
export const searchCallsAtMost = (
  hits: ReadonlyArray<OracleMessage>,
  limit: number,
  realism: Realism,
  wanted = (m: OracleMessage) => readableMatch(realism, m)
): number => {
  let held = 0
  let walked = 0
  let run = 0
  let longestRun = 0
  for (const m of hits) {
    if (held === limit) break
    walked++
    run = readableMatch(realism, m) ? 0 : run + 1
    longestRun = Math.max(longestRun, run)
    if (wanted(m)) held++
  }
  const pages = Math.ceil(walked / (SEARCH_PAGE - longestRun)) + (held < limit ? 1 : 0)
  return pages + (realism.timeouts ? Math.floor(pages / (TIMEOUT_EVERY - 1)) + 1 : 0)
}
