/**
 * The emulator's scenario file (emulator contract, "Scenario file"): its
 * schema, cross-reference checks, and the normalised form the world is built
 * from (epoch-second dates, parsed peers, defaults filled in). Every error is
 * a ScenarioError whose message starts with the path of the bad field, e.g.
 * `messages[3].media.size: ...`. Unknown fields are errors too, so a typo
 * never silently does nothing.
 *
 * Extensions beyond the contract's example (all optional):
 * - top level `"options": {"login_token_ttl_seconds": 30}`: lifetime of QR
 *   login tokens (default 30, as Telegram); tests use a short one.
 *   `"options": {"realism": "all"}` (or an object of named flags such as
 *   `{"min_peers": true, "clock_offset_seconds": -600}`) turns on
 *   Telegram's imperfections: see Realism.ts.
 * - users mentioned anywhere (members, creators, accounts, peers, senders)
 *   but not listed exist with the name `User <id>`: the contract's own
 *   example relies on it. Chats and channels must be listed.
 * - top level `"options": {"phone_code_ttl_seconds": 300, "phone_codes_per_hour": 10}`:
 *   how long a login code sent by auth.sendCode can sign in, and how many
 *   codes one number is sent in an hour before FLOOD_WAIT (handlers/phoneCodes.ts).
 * - users: `"phone"` (the number auth.sendCode logs the account in by),
 *   `"phone_banned": true` (PHONE_NUMBER_BANNED); accounts: `"password_hint"`, `"contacts": [user ids]`
 *   (the contacts/non_contacts folder flags and `User.contact` use them).
 * - chats: `"creator"` is added to `"members"` when missing.
 * - channels: `"about"`; `"hide_participants_count": true` leaves the count
 *   out of the Channel entity (as Telegram often does), so only
 *   channels.getFullChannel reports it.
 * - dialogs: `"muted": true`. A dialog without any message is not listed by
 *   messages.getDialogs (as in Telegram), though its history can be read.
 *   folders: `"emoticon"`, `"chatlist": true`
 *   (a shared chat-list folder: DialogFilterChatlist, no flags or exclusions).
 * - messages: `"id"` may be left out (the next id of its dialog: private and
 *   basic-group ids are one sequence per account, as in Telegram); `"owner"`
 *   may be left out when exactly one account has that dialog; `"from"`
 *   defaults to the owner (private chats, basic groups) or the channel.
 *   `fwd_from`: `{"channel": id}`, `{"user": id}` or `{"name": "..."}`, plus
 *   optional `"date"`, `"channel_post"`, `"post_author"`. Photo and document
 *   media may name the `"dc"` holding the file (default: the owner's home DC
 *   for private chats and basic groups, DC 1 for channels); documents may
 *   give `"duration"`; webpages `"title"`/`"description"`; geo `"lat"`/
 *   `"long"`; polls `"answers"`.
 * - generate: `"owner"` (as for messages), `"from": [peers]` (the senders to
 *   draw from); `start` defaults to 2020-01-01 00:00:00, `end` to one minute
 *   per message after `start`, `media_every` to 0 (none), `seed` to 1.
 * - control API (see ControlApi.ts): an appended message whose `peer` and
 *   `id` (and `owner`) name a message that exists is an edit: the fields it
 *   gives replace that message's (`null` clears one), the others stay, and
 *   `edit_date` is now unless given. Within a scenario file a repeated id
 *   stays an error.
 *   A deletion names its message as `{"peer", "id", "owner"?}` (owner as for
 *   messages); ids of deleted messages are never reused.
 */
import { Either, ParseResult, Schema } from "effect"
import { parseRealism, type Realism } from "./Realism.js"
import { ScenarioError } from "./RpcContext.js"

// ---------------------------------------------------------------------------
// Normalised scenario

export type PeerKind = "user" | "chat" | "channel"

export interface PeerRef {
  readonly kind: PeerKind
  readonly id: number
}

export const peerKey = (peer: PeerRef): string => `${peer.kind}:${peer.id}`

export const samePeer = (a: PeerRef, b: PeerRef): boolean => a.kind === b.kind && a.id === b.id

export type DocumentKind = "file" | "video" | "audio" | "voice" | "video_note" | "sticker" | "gif"

export const DOCUMENT_KINDS: ReadonlyArray<DocumentKind> = ["file", "video", "audio", "voice", "video_note", "sticker", "gif"]

export type MediaSpec =
  | { readonly type: "photo"; readonly size: number; readonly dc: number | null }
  | {
    readonly type: "document"
    readonly kind: DocumentKind
    readonly fileName: string | null
    readonly mimeType: string | null
    readonly size: number
    readonly dc: number | null
    readonly duration: number | null
  }
  | { readonly type: "webpage"; readonly url: string; readonly title: string | null; readonly description: string | null }
  | { readonly type: "geo"; readonly lat: number; readonly long: number }
  | { readonly type: "poll"; readonly question: string; readonly answers: ReadonlyArray<string> }

export type ForwardSpec =
  | { readonly from: PeerRef; readonly name: null; readonly date: number | null; readonly channelPost: number | null; readonly postAuthor: string | null }
  | { readonly from: null; readonly name: string; readonly date: number | null; readonly channelPost: number | null; readonly postAuthor: string | null }

/** One message as the world stores it; `owner` is null for channel messages. */
export interface MessageSpec {
  readonly peer: PeerRef
  readonly owner: number | null
  readonly id: number
  readonly date: number
  readonly from: PeerRef
  readonly text: string
  readonly editDate: number | null
  readonly replyTo: number | null
  readonly postAuthor: string | null
  readonly fwdFrom: ForwardSpec | null
  readonly media: MediaSpec | null
}

/** A message as written in the scenario: its id may still be unassigned. */
export interface ScenarioMessage extends Omit<MessageSpec, "id"> {
  readonly id: number | null
  /** Where it came from, for errors found later (`messages[3]`). */
  readonly path: string
}

export interface ScenarioUser {
  readonly id: number
  readonly firstName: string | null
  readonly lastName: string | null
  readonly username: string | null
  readonly phone: string | null
  /** Telegram refuses logins to this number (PHONE_NUMBER_BANNED). */
  readonly phoneBanned: boolean
  readonly bot: boolean
  readonly verified: boolean
}

export interface ScenarioChat {
  readonly id: number
  readonly title: string
  readonly creator: number | null
  readonly members: ReadonlyArray<number>
  readonly date: number
}

export interface ScenarioChannel {
  readonly id: number
  readonly title: string
  readonly username: string | null
  readonly megagroup: boolean
  readonly verified: boolean
  readonly creator: number | null
  readonly participantsCount: number
  readonly date: number
  readonly about: string
  readonly hideParticipantsCount: boolean
}

export interface ScenarioDialog {
  readonly peer: PeerRef
  readonly unreadCount: number
  readonly archived: boolean
  readonly pinned: boolean
  readonly muted: boolean
}

export interface ScenarioFolder {
  readonly id: number
  readonly title: string
  readonly emoticon: string | null
  readonly chatlist: boolean
  readonly includePeers: ReadonlyArray<PeerRef>
  readonly excludePeers: ReadonlyArray<PeerRef>
  readonly pinnedPeers: ReadonlyArray<PeerRef>
  readonly contacts: boolean
  readonly nonContacts: boolean
  readonly groups: boolean
  readonly broadcasts: boolean
  readonly bots: boolean
  readonly excludeMuted: boolean
  readonly excludeRead: boolean
  readonly excludeArchived: boolean
}

export interface ScenarioAccount {
  readonly user: number
  readonly password: string | null
  readonly passwordHint: string | null
  readonly dc: number
  readonly contacts: ReadonlyArray<number>
  readonly dialogs: ReadonlyArray<ScenarioDialog>
  readonly folders: ReadonlyArray<ScenarioFolder>
}

export interface GenerateSpec {
  readonly peer: PeerRef
  readonly owner: number | null
  readonly count: number
  /** Epoch seconds; generated dates lie in [start, end). */
  readonly start: number
  readonly end: number
  readonly mediaEvery: number
  readonly seed: number
  /** The senders drawn from, never empty. */
  readonly senders: ReadonlyArray<PeerRef>
}

export interface ScenarioOptions {
  readonly loginTokenTtlSeconds: number
  /** How long a login code sent by auth.sendCode/resendCode can sign in. */
  readonly phoneCodeTtlSeconds: number
  /** Codes one number may be sent in an hour; more answer FLOOD_WAIT. */
  readonly phoneCodesPerHour: number
  /** Telegram's imperfections the emulator reproduces (Realism.ts); all off unless asked for. */
  readonly realism: Realism
}

export interface Scenario {
  readonly options: ScenarioOptions
  readonly users: ReadonlyArray<ScenarioUser>
  readonly chats: ReadonlyArray<ScenarioChat>
  readonly channels: ReadonlyArray<ScenarioChannel>
  readonly accounts: ReadonlyArray<ScenarioAccount>
  readonly messages: ReadonlyArray<ScenarioMessage>
  readonly generate: ReadonlyArray<GenerateSpec>
}

// ---------------------------------------------------------------------------
// Dates and peers

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/

/** `YYYY-MM-DD HH:MM:SS` (UTC, 1970 to January 2038) to epoch seconds; undefined when not such a date. */
export const parseScenarioDate = (text: string): number | undefined => {
  const m = DATE_PATTERN.exec(text)
  if (m === null) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59 || y < 1970) return undefined
  const ms = Date.UTC(y, mo - 1, d, h, mi, s)
  const check = new Date(ms)
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined
  // TL dates are signed 32-bit seconds.
  return ms / 1000 <= 0x7fffffff ? ms / 1000 : undefined
}

export const formatScenarioDate = (epochSeconds: number): string =>
  new Date(epochSeconds * 1000).toISOString().replace("T", " ").slice(0, 19)

const PEER_PATTERN = /^(user|chat|channel):([1-9]\d{0,15})$/

export const parsePeer = (text: string): PeerRef | undefined => {
  const m = PEER_PATTERN.exec(text)
  return m === null ? undefined : { kind: m[1] as PeerKind, id: Number(m[2]) }
}

// ---------------------------------------------------------------------------
// Schema (the JSON shape); cross-references are checked afterwards

const Id = Schema.Int.pipe(
  Schema.between(1, Number.MAX_SAFE_INTEGER, { message: () => "expected a positive integer id" })
)
const Count = Schema.NonNegativeInt
const DateText = Schema.String.pipe(
  Schema.filter((s) => parseScenarioDate(s) !== undefined, {
    message: (issue) => `expected a date "YYYY-MM-DD HH:MM:SS" (UTC, 1970 to 2038), got ${JSON.stringify(issue.actual)}`
  })
)
const PeerText = Schema.String.pipe(
  Schema.filter((s) => parsePeer(s) !== undefined, {
    message: (issue) => `expected a peer "user:<id>", "chat:<id>" or "channel:<id>", got ${JSON.stringify(issue.actual)}`
  })
)
const DcId = Schema.Int.pipe(Schema.between(1, 5, { message: () => "expected a DC id from 1 to 5" }))
const opt = <S extends Schema.Schema.Any>(s: S) => Schema.optional(Schema.NullOr(s))
const flag = Schema.optional(Schema.Boolean)

const UserJson = Schema.Struct({
  id: Id,
  first_name: opt(Schema.String),
  last_name: opt(Schema.String),
  username: opt(Schema.String),
  phone: opt(Schema.String),
  phone_banned: flag,
  bot: flag,
  verified: flag
})

const ChatJson = Schema.Struct({
  id: Id,
  title: Schema.String,
  creator: opt(Id),
  members: Schema.optional(Schema.Array(Id)),
  date: opt(DateText)
})

const ChannelJson = Schema.Struct({
  id: Id,
  title: Schema.String,
  username: opt(Schema.String),
  megagroup: flag,
  verified: flag,
  creator: opt(Id),
  participants_count: Schema.optional(Count),
  date: opt(DateText),
  about: opt(Schema.String),
  hide_participants_count: flag
})

const DialogJson = Schema.Struct({
  peer: PeerText,
  unread_count: Schema.optional(Count),
  archived: flag,
  pinned: flag,
  muted: flag
})

const FolderJson = Schema.Struct({
  id: Schema.Int.pipe(Schema.between(2, 255, { message: () => "expected a folder id from 2 to 255" })),
  title: Schema.String,
  emoticon: opt(Schema.String),
  chatlist: flag,
  include_peers: Schema.optional(Schema.Array(PeerText)),
  exclude_peers: Schema.optional(Schema.Array(PeerText)),
  pinned_peers: Schema.optional(Schema.Array(PeerText)),
  contacts: flag,
  non_contacts: flag,
  groups: flag,
  broadcasts: flag,
  bots: flag,
  exclude_muted: flag,
  exclude_read: flag,
  exclude_archived: flag
})

const AccountJson = Schema.Struct({
  user: Id,
  password: opt(Schema.String),
  password_hint: opt(Schema.String),
  dc: opt(DcId),
  contacts: Schema.optional(Schema.Array(Id)),
  dialogs: Schema.optional(Schema.Array(DialogJson)),
  folders: Schema.optional(Schema.Array(FolderJson))
})

const Size = Schema.Int.pipe(Schema.between(1, 4 * 1024 * 1024 * 1024, { message: () => "expected a size in bytes from 1 to 4 GiB" }))

const MediaJson = Schema.Union(
  Schema.Struct({ type: Schema.Literal("photo"), size: Size, dc: opt(DcId) }),
  Schema.Struct({
    type: Schema.Literal("document"),
    kind: Schema.optional(Schema.Literal(...DOCUMENT_KINDS)),
    file_name: opt(Schema.String),
    mime_type: opt(Schema.String),
    size: Size,
    dc: opt(DcId),
    duration: opt(Count)
  }),
  Schema.Struct({ type: Schema.Literal("webpage"), url: Schema.String, title: opt(Schema.String), description: opt(Schema.String) }),
  Schema.Struct({ type: Schema.Literal("geo"), lat: opt(Schema.Number.pipe(Schema.between(-90, 90))), long: opt(Schema.Number.pipe(Schema.between(-180, 180))) }),
  Schema.Struct({ type: Schema.Literal("poll"), question: Schema.String, answers: Schema.optional(Schema.Array(Schema.String)) })
)

const ForwardJson = Schema.Struct({
  channel: opt(Id),
  user: opt(Id),
  name: opt(Schema.String),
  date: opt(DateText),
  channel_post: opt(Id),
  post_author: opt(Schema.String)
})

const MessageJson = Schema.Struct({
  peer: PeerText,
  owner: opt(Id),
  id: opt(Id),
  date: DateText,
  from: opt(PeerText),
  text: opt(Schema.String),
  edit_date: opt(DateText),
  reply_to: opt(Id),
  post_author: opt(Schema.String),
  fwd_from: opt(ForwardJson),
  media: opt(MediaJson)
})

/** Appended messages may leave out the date: they arrive now. */
const AppendedMessageJson = Schema.Struct({ ...MessageJson.fields, date: opt(DateText) })

const GenerateJson = Schema.Struct({
  peer: PeerText,
  owner: opt(Id),
  count: Count.pipe(Schema.lessThanOrEqualTo(20_000_000)),
  start: opt(DateText),
  end: opt(DateText),
  media_every: Schema.optional(Count),
  seed: Schema.optional(Schema.Int),
  from: Schema.optional(Schema.Array(PeerText))
})

const OptionsJson = Schema.Struct({
  login_token_ttl_seconds: Schema.optional(Schema.Number.pipe(Schema.positive(), Schema.lessThanOrEqualTo(86_400))),
  phone_code_ttl_seconds: Schema.optional(Schema.Number.pipe(Schema.positive(), Schema.lessThanOrEqualTo(86_400))),
  phone_codes_per_hour: Schema.optional(Schema.Int.pipe(Schema.positive())),
  realism: Schema.optional(Schema.Unknown)
})

const ScenarioJson = Schema.Struct({
  options: Schema.optional(OptionsJson),
  users: Schema.optional(Schema.Array(UserJson)),
  chats: Schema.optional(Schema.Array(ChatJson)),
  channels: Schema.optional(Schema.Array(ChannelJson)),
  accounts: Schema.optional(Schema.Array(AccountJson)),
  messages: Schema.optional(Schema.Array(MessageJson)),
  generate: Schema.optional(Schema.Array(GenerateJson))
})

type MessageJsonType = Schema.Schema.Type<typeof AppendedMessageJson>

const formatPath = (path: ReadonlyArray<PropertyKey>, prefix: string): string => {
  let out = prefix
  for (const key of path) out += typeof key === "number" ? `[${key}]` : out === "" ? String(key) : `.${String(key)}`
  return out === "" ? "(scenario)" : out
}

const decodeOrThrow = <A, I>(schema: Schema.Schema<A, I>, json: unknown, prefix: string): A => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(json)
  if (Either.isRight(result)) return result.right
  const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left)
  // A union reports one issue per member; the member whose `type` matched says the most.
  const relevant = issues.filter((i) => !/^Expected "(photo|document|webpage|geo|poll)"/.test(i.message))
  const shown = (relevant.length > 0 ? relevant : issues).slice(0, 3)
  throw new ScenarioError(shown.map((i) => `${formatPath(i.path, prefix)}: ${i.message}`).join("; "))
}

// ---------------------------------------------------------------------------
// Cross-references

const fail = (path: string, message: string): never => {
  throw new ScenarioError(`${path}: ${message}`)
}

const peerOf = (text: string): PeerRef => parsePeer(text)!
const dateOf = (text: string): number => parseScenarioDate(text)!

/** What message checks need to know about the rest of the scenario. */
export interface ScenarioDirectory {
  readonly users: ReadonlyMap<number, ScenarioUser>
  readonly chats: ReadonlyMap<number, ScenarioChat>
  readonly channels: ReadonlyMap<number, ScenarioChannel>
  readonly accounts: ReadonlyMap<number, ScenarioAccount>
}

export const directoryOf = (s: Pick<Scenario, "users" | "chats" | "channels" | "accounts">): ScenarioDirectory => ({
  users: new Map(s.users.map((u) => [u.id, u])),
  chats: new Map(s.chats.map((c) => [c.id, c])),
  channels: new Map(s.channels.map((c) => [c.id, c])),
  accounts: new Map(s.accounts.map((a) => [a.user, a]))
})

const peerExists = (dir: ScenarioDirectory, peer: PeerRef): boolean =>
  peer.kind === "user" ? dir.users.has(peer.id) : peer.kind === "chat" ? dir.chats.has(peer.id) : dir.channels.has(peer.id)

const requirePeer = (dir: ScenarioDirectory, text: string, path: string): PeerRef => {
  const peer = peerOf(text)
  if (!peerExists(dir, peer)) fail(path, `${text} is not among the scenario's ${peer.kind}s`)
  return peer
}

const hasDialog = (account: ScenarioAccount, peer: PeerRef): boolean => account.dialogs.some((d) => samePeer(d.peer, peer))

/** The account whose copy a private-chat or basic-group message is. */
const resolveOwner = (dir: ScenarioDirectory, peer: PeerRef, owner: number | null | undefined, path: string): number | null => {
  if (peer.kind === "channel") {
    if (owner !== undefined && owner !== null) fail(`${path}.owner`, "channel messages are shared: leave owner out")
    return null
  }
  if (owner === undefined || owner === null) {
    const candidates = [...dir.accounts.values()].filter((a) => hasDialog(a, peer))
    if (candidates.length !== 1) {
      fail(
        `${path}.owner`,
        `required for ${peerKey(peer)}: private and basic-group messages are per account (${
          candidates.length === 0 ? "no account has this dialog" : `accounts ${candidates.map((a) => a.user).join(", ")} have it`
        })`
      )
    }
    return candidates[0]!.user
  }
  const account = dir.accounts.get(owner)
  if (account === undefined) return fail(`${path}.owner`, `${owner} is not an account of the scenario`)
  if (!hasDialog(account, peer)) fail(`${path}.owner`, `account ${owner} has no dialog with ${peerKey(peer)}`)
  return owner
}

const defaultSender = (peer: PeerRef, owner: number | null): PeerRef =>
  owner !== null ? { kind: "user", id: owner } : peer

const checkSender = (dir: ScenarioDirectory, peer: PeerRef, owner: number | null, from: PeerRef, path: string): void => {
  if (from.kind === "chat") fail(path, "a message is sent by a user or a channel, not a basic group")
  if (!peerExists(dir, from)) fail(path, `${peerKey(from)} is not among the scenario's ${from.kind}s`)
  if (peer.kind === "user" && owner !== null) {
    const allowed = [owner, peer.id]
    if (from.kind !== "user" || !allowed.includes(from.id)) {
      fail(path, `in a private chat the sender is user:${owner} or user:${peer.id}`)
    }
  }
  if (peer.kind === "channel" && from.kind === "channel" && from.id !== peer.id) {
    fail(path, `a channel message comes from a user or from channel:${peer.id} itself`)
  }
  if (peer.kind === "channel" && !dir.channels.get(peer.id)!.megagroup && from.kind === "user") {
    // Broadcast posts are sent as the channel; the author goes to post_author.
    fail(path, `posts in broadcast channel ${peer.id} come from channel:${peer.id} (name the author in post_author)`)
  }
}

const normaliseMedia = (m: NonNullable<MessageJsonType["media"]>): MediaSpec => {
  switch (m.type) {
    case "photo":
      return { type: "photo", size: m.size, dc: m.dc ?? null }
    case "document":
      return {
        type: "document",
        kind: m.kind ?? "file",
        fileName: m.file_name ?? null,
        mimeType: m.mime_type ?? null,
        size: m.size,
        dc: m.dc ?? null,
        duration: m.duration ?? null
      }
    case "webpage":
      return { type: "webpage", url: m.url, title: m.title ?? null, description: m.description ?? null }
    case "geo":
      return { type: "geo", lat: m.lat ?? 52.3676, long: m.long ?? 4.9041 }
    case "poll":
      return { type: "poll", question: m.question, answers: m.answers && m.answers.length > 0 ? m.answers : ["Yes", "No"] }
  }
}

const normaliseForward = (dir: ScenarioDirectory, f: NonNullable<MessageJsonType["fwd_from"]>, path: string): ForwardSpec => {
  const sources = [f.channel, f.user, f.name].filter((v) => v !== undefined && v !== null)
  if (sources.length !== 1) fail(path, `give exactly one of "channel", "user" or "name"`)
  const common = {
    date: f.date === undefined || f.date === null ? null : dateOf(f.date),
    channelPost: f.channel_post ?? null,
    postAuthor: f.post_author ?? null
  }
  if (f.channel !== undefined && f.channel !== null) {
    if (!dir.channels.has(f.channel)) fail(`${path}.channel`, `channel ${f.channel} is not among the scenario's channels`)
    return { from: { kind: "channel", id: f.channel }, name: null, ...common }
  }
  if (f.user !== undefined && f.user !== null) {
    if (!dir.users.has(f.user)) fail(`${path}.user`, `user ${f.user} is not among the scenario's users`)
    return { from: { kind: "user", id: f.user }, name: null, ...common }
  }
  return { from: null, name: f.name!, ...common }
}

const normaliseMessage = (dir: ScenarioDirectory, m: MessageJsonType, path: string, now: number): ScenarioMessage => {
  const peer = requirePeer(dir, m.peer, `${path}.peer`)
  const owner = resolveOwner(dir, peer, m.owner, path)
  const from = m.from === undefined || m.from === null ? defaultSender(peer, owner) : peerOf(m.from)
  checkSender(dir, peer, owner, from, `${path}.from`)
  return {
    path,
    peer,
    owner,
    id: m.id ?? null,
    date: m.date === undefined || m.date === null ? now : dateOf(m.date),
    from,
    text: m.text ?? "",
    editDate: m.edit_date === undefined || m.edit_date === null ? null : dateOf(m.edit_date),
    replyTo: m.reply_to ?? null,
    postAuthor: m.post_author ?? null,
    fwdFrom: m.fwd_from === undefined || m.fwd_from === null ? null : normaliseForward(dir, m.fwd_from, `${path}.fwd_from`),
    media: m.media === undefined || m.media === null ? null : normaliseMedia(m.media)
  }
}

/** The senders a generate block draws from when it names none. */
const defaultSenders = (dir: ScenarioDirectory, peer: PeerRef, owner: number | null): Array<PeerRef> => {
  if (peer.kind === "user") {
    return owner === peer.id ? [{ kind: "user", id: owner }] : [{ kind: "user", id: owner! }, peer]
  }
  if (peer.kind === "chat") return dir.chats.get(peer.id)!.members.map((id) => ({ kind: "user" as const, id }))
  const channel = dir.channels.get(peer.id)!
  if (!channel.megagroup) return [peer]
  const people = [...dir.users.values()].filter((u) => !u.bot).map((u) => ({ kind: "user" as const, id: u.id }))
  return people.length > 0 ? people.slice(0, 50) : [peer]
}

const normaliseGenerate = (dir: ScenarioDirectory, g: Schema.Schema.Type<typeof GenerateJson>, path: string): GenerateSpec => {
  const peer = requirePeer(dir, g.peer, `${path}.peer`)
  const owner = resolveOwner(dir, peer, g.owner, path)
  const start = g.start === undefined || g.start === null ? dateOf("2020-01-01 00:00:00") : dateOf(g.start)
  const end = g.end === undefined || g.end === null ? start + Math.max(1, g.count) * 60 : dateOf(g.end)
  if (end <= start) fail(`${path}.end`, "must be after start")
  if (end > 0x80000000) fail(`${path}.end`, "generated dates must stay before 2038 (TL dates are 32-bit): give an earlier end")
  const senders = g.from === undefined ? defaultSenders(dir, peer, owner) : g.from.map((f, i) => {
    const sender = peerOf(f)
    checkSender(dir, peer, owner, sender, `${path}.from[${i}]`)
    return sender
  })
  if (senders.length === 0) fail(`${path}.from`, "needs at least one sender")
  return { peer, owner, count: g.count, start, end, mediaEvery: g.media_every ?? 0, seed: g.seed ?? 1, senders }
}

const uniqueIds = (ids: ReadonlyArray<number>, path: string, what: string): void => {
  const seen = new Set<number>()
  ids.forEach((id, i) => {
    if (seen.has(id)) fail(`${path}[${i}].id`, `duplicate ${what} id ${id}`)
    seen.add(id)
  })
}

const peers = (dir: ScenarioDirectory, list: ReadonlyArray<string> | undefined, path: string): Array<PeerRef> =>
  (list ?? []).map((p, i) => requirePeer(dir, p, `${path}[${i}]`))

/** Every user id the scenario mentions anywhere (members, creators, accounts, peers, senders, forwards). */
const referencedUserIds = (raw: Schema.Schema.Type<typeof ScenarioJson>): Array<number> => {
  const ids = new Set<number>()
  const peer = (text: string | null | undefined) => {
    const p = text === null || text === undefined ? undefined : parsePeer(text)
    if (p?.kind === "user") ids.add(p.id)
  }
  const id = (value: number | null | undefined) => {
    if (value !== null && value !== undefined) ids.add(value)
  }
  for (const c of raw.chats ?? []) [c.creator, ...(c.members ?? [])].forEach(id)
  for (const c of raw.channels ?? []) id(c.creator)
  for (const a of raw.accounts ?? []) {
    for (const user of [a.user, ...(a.contacts ?? [])]) id(user)
    for (const d of a.dialogs ?? []) peer(d.peer)
    for (const f of a.folders ?? []) [...(f.include_peers ?? []), ...(f.exclude_peers ?? []), ...(f.pinned_peers ?? [])].forEach(peer)
  }
  for (const m of raw.messages ?? []) {
    peer(m.peer)
    peer(m.from)
    id(m.owner)
    id(m.fwd_from?.user)
  }
  for (const g of raw.generate ?? []) {
    peer(g.peer)
    id(g.owner)
    for (const sender of g.from ?? []) peer(sender)
  }
  return [...ids].sort((a, b) => a - b)
}

/** Parses and checks a whole scenario; throws ScenarioError naming the first bad field. */
export const parseScenario = (json: unknown): Scenario => {
  const raw = decodeOrThrow(ScenarioJson, json, "")
  const users: Array<ScenarioUser> = (raw.users ?? []).map((u) => ({
    id: u.id,
    firstName: u.first_name ?? null,
    lastName: u.last_name ?? null,
    username: u.username ?? null,
    phone: u.phone ?? null,
    phoneBanned: u.phone_banned ?? false,
    bot: u.bot ?? false,
    verified: u.verified ?? false
  }))
  uniqueIds(users.map((u) => u.id), "users", "user")
  for (const id of referencedUserIds(raw)) {
    if (!users.some((u) => u.id === id)) {
      users.push({ id, firstName: `User ${id}`, lastName: null, username: null, phone: null, phoneBanned: false, bot: false, verified: false })
    }
  }
  const userIds = new Set(users.map((u) => u.id))
  const needUser = (id: number, path: string) => {
    if (!userIds.has(id)) fail(path, `user ${id} is not among the scenario's users`)
  }

  const chats: Array<ScenarioChat> = (raw.chats ?? []).map((c, i) => {
    const members = [...new Set(c.members ?? [])]
    members.forEach((m, j) => needUser(m, `chats[${i}].members[${j}]`))
    if (c.creator !== undefined && c.creator !== null) {
      needUser(c.creator, `chats[${i}].creator`)
      if (!members.includes(c.creator)) members.unshift(c.creator)
    }
    return {
      id: c.id,
      title: c.title,
      creator: c.creator ?? null,
      members,
      date: c.date === undefined || c.date === null ? dateOf("2020-01-01 00:00:00") : dateOf(c.date)
    }
  })
  uniqueIds(chats.map((c) => c.id), "chats", "chat")

  const channels: Array<ScenarioChannel> = (raw.channels ?? []).map((c, i) => {
    if (c.creator !== undefined && c.creator !== null) needUser(c.creator, `channels[${i}].creator`)
    return {
      id: c.id,
      title: c.title,
      username: c.username ?? null,
      megagroup: c.megagroup ?? false,
      verified: c.verified ?? false,
      creator: c.creator ?? null,
      participantsCount: c.participants_count ?? 1,
      date: c.date === undefined || c.date === null ? dateOf("2020-01-01 00:00:00") : dateOf(c.date),
      about: c.about ?? "",
      hideParticipantsCount: c.hide_participants_count ?? false
    }
  })
  uniqueIds(channels.map((c) => c.id), "channels", "channel")

  const usernames = new Map<string, string>()
  const claim = (name: string | null, path: string) => {
    if (name === null) return
    if (!/^[A-Za-z][A-Za-z0-9_]{3,31}$/.test(name)) fail(path, `${JSON.stringify(name)} is not a Telegram username`)
    const known = usernames.get(name.toLowerCase())
    if (known !== undefined) fail(path, `username ${name} is already used by ${known}`)
    usernames.set(name.toLowerCase(), path)
  }
  users.forEach((u, i) => claim(u.username, `users[${i}].username`))
  channels.forEach((c, i) => claim(c.username, `channels[${i}].username`))

  const partial = directoryOf({ users, chats, channels, accounts: [] })
  const accounts: Array<ScenarioAccount> = (raw.accounts ?? []).map((a, i) => {
    const path = `accounts[${i}]`
    needUser(a.user, `${path}.user`)
    const dialogs = (a.dialogs ?? []).map((d, j): ScenarioDialog => {
      const peer = requirePeer(partial, d.peer, `${path}.dialogs[${j}].peer`)
      if (peer.kind === "chat" && !partial.chats.get(peer.id)!.members.includes(a.user)) {
        fail(`${path}.dialogs[${j}].peer`, `account ${a.user} is not a member of chat ${peer.id}`)
      }
      return {
        peer,
        unreadCount: d.unread_count ?? 0,
        archived: d.archived ?? false,
        pinned: d.pinned ?? false,
        muted: d.muted ?? false
      }
    })
    dialogs.forEach((d, j) => {
      if (dialogs.findIndex((e) => samePeer(e.peer, d.peer)) !== j) {
        fail(`${path}.dialogs[${j}].peer`, `duplicate dialog ${peerKey(d.peer)}`)
      }
    })
    const folders = (a.folders ?? []).map((f, j): ScenarioFolder => {
      const fp = `${path}.folders[${j}]`
      const chatlist = f.chatlist ?? false
      if (chatlist) {
        const flags = [f.contacts, f.non_contacts, f.groups, f.broadcasts, f.bots, f.exclude_muted, f.exclude_read, f.exclude_archived]
        if (flags.some((v) => v === true) || (f.exclude_peers ?? []).length > 0) {
          fail(fp, "a chat-list folder (chatlist: true) has only included and pinned peers")
        }
      }
      if (f.title.trim() === "") fail(`${fp}.title`, "must not be empty")
      return {
        id: f.id,
        title: f.title,
        emoticon: f.emoticon ?? null,
        chatlist,
        includePeers: peers(partial, f.include_peers, `${fp}.include_peers`),
        excludePeers: peers(partial, f.exclude_peers, `${fp}.exclude_peers`),
        pinnedPeers: peers(partial, f.pinned_peers, `${fp}.pinned_peers`),
        contacts: f.contacts ?? false,
        nonContacts: f.non_contacts ?? false,
        groups: f.groups ?? false,
        broadcasts: f.broadcasts ?? false,
        bots: f.bots ?? false,
        excludeMuted: f.exclude_muted ?? false,
        excludeRead: f.exclude_read ?? false,
        excludeArchived: f.exclude_archived ?? false
      }
    })
    folders.forEach((f, j) => {
      if (folders.findIndex((g) => g.id === f.id) !== j) fail(`${path}.folders[${j}].id`, `duplicate folder id ${f.id}`)
    })
    const contacts = a.contacts ?? []
    contacts.forEach((c, j) => needUser(c, `${path}.contacts[${j}]`))
    return {
      user: a.user,
      password: a.password ?? null,
      passwordHint: a.password_hint ?? null,
      dc: a.dc ?? 1,
      contacts,
      dialogs,
      folders
    }
  })
  accounts.forEach((a, i) => {
    if (accounts.findIndex((b) => b.user === a.user) !== i) fail(`accounts[${i}].user`, `duplicate account ${a.user}`)
  })

  const dir = directoryOf({ users, chats, channels, accounts })
  const messages = (raw.messages ?? []).map((m, i) => normaliseMessage(dir, m, `messages[${i}]`, 0))
  const generate = (raw.generate ?? []).map((g, i) => normaliseGenerate(dir, g, `generate[${i}]`))
  const realism = parseRealism(raw.options?.realism)
  if (typeof realism === "string") fail("options.realism", realism)
  return {
    options: {
      loginTokenTtlSeconds: raw.options?.login_token_ttl_seconds ?? 30,
      phoneCodeTtlSeconds: raw.options?.phone_code_ttl_seconds ?? 300,
      phoneCodesPerHour: raw.options?.phone_codes_per_hour ?? 10,
      realism: realism as Realism
    },
    users,
    chats,
    channels,
    accounts,
    messages,
    generate
  }
}

/** A message named by the control API's `DELETE /messages`: `{"peer", "id", "owner"?}`. */
export interface MessageRef {
  readonly peer: PeerRef
  readonly owner: number | null
  readonly id: number
}

const MessageRefJson = Schema.Struct({ peer: PeerText, owner: opt(Id), id: Id })

/** Checks a message reference against the scenario's peers and accounts (the id is checked by the world). */
export const parseMessageRef = (dir: ScenarioDirectory, json: unknown): MessageRef => {
  const raw = decodeOrThrow(MessageRefJson, json, "")
  const peer = requirePeer(dir, raw.peer, "peer")
  try {
    return { peer, owner: resolveOwner(dir, peer, raw.owner, ""), id: raw.id }
  } catch (error) {
    // resolveOwner names `<path>.owner`; here the reference is the whole body.
    if (error instanceof ScenarioError) throw new ScenarioError(error.message.replace(/^\./, ""))
    throw error
  }
}

/**
 * Messages for the control API's `POST /messages`: checked like scenario
 * messages against the same users, chats, channels and accounts; a missing
 * date means now.
 */
export const parseAppendedMessages = (
  dir: ScenarioDirectory,
  json: unknown,
  nowSeconds: number
): Array<ScenarioMessage> => {
  const raw = decodeOrThrow(Schema.Array(AppendedMessageJson), json, "messages")
  return raw.map((m, i) => normaliseMessage(dir, m, `messages[${i}]`, nowSeconds))
}
