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
 * - top level `"options": {"rate": ["messages.GetHistory=30/s,burst=60"],
 *   "latency": "150ms±20ms", "takeout_delay_seconds": 86400}`: per-account
 *   rate budgets answering FLOOD_WAIT (RateLimits.ts), a delay on every
 *   answer (Latency.ts), and the confirmation a takeout session waits for
 *   (Takeouts.ts); the CLI's `--rate`/`--latency` replace the first two.
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
 * - messages, what Telegram's messages carry beyond the basics (issue 17;
 *   served as Telegram does by AccountView.ts, threads and topics in Threads.ts):
 *   `"views"`, `"forwards"` (ints; broadcast posts that give none get
 *   made-up counters, as before; elsewhere one given makes the other 0, they
 *   share a flag), `"pinned": true`, `"grouped_id"` (album: a 64-bit
 *   decimal string or a number), `"via_bot"` (a user id that is a bot),
 *   `"entities": [{"type", "offset", "length", "url"?, "user_id"?,
 *   "language"?, "custom_emoji_id"?}]` (UTF-16 offsets inside the text;
 *   types `url text_url mention mention_name hashtag cashtag bot_command
 *   email phone bold italic underline strike code pre spoiler blockquote
 *   custom_emoji bank_card unknown`; `url` only and always for text_url,
 *   `user_id` for mention_name, `language` for pre, `custom_emoji_id` for
 *   custom_emoji), `"reactions": [{"emoji": "👍" | "custom_emoji_id": "..." |
 *   "paid": true, "count": n, "chosen_by": [account ids]}]` (the copy served
 *   to an account in chosen_by has chosen_order 0, 1, ... in list order),
 *   `"reply_to_top_id"` (thread root; needs reply_to), `"quote"` (quoted
 *   text of the reply; needs reply_to), `"topic"` (forum topic id),
 *   `"action": {"type", ...}` (a service message: no text, media or
 *   fwd_from; `chat_create {title, users}`, `chat_add_user {users}`,
 *   `chat_delete_user {user_id}`, `chat_edit_title {title}`,
 *   `chat_joined_by_link {inviter_id}`, `channel_create {title}`,
 *   `pin_message {}` (the pinned message is reply_to, required),
 *   `topic_create {title, icon_color?, icon_emoji_id?}` (forums only; its id
 *   is the topic's id), `topic_edit {title?, icon_emoji_id?, closed?,
 *   hidden?}`, `chat_migrate_to {channel_id}`, `channel_migrate_from {title,
 *   chat_id}`, `history_clear {}`, `custom_action {message}`),
 *   `"discussion_of": <post id>` (in a discussion group: the automatic copy
 *   of that post of the linked channel, one per post; it is sent by the
 *   channel, takes the post's text, media and entities when it gives none,
 *   and is served with fwd_from {from_id, channel_post, saved_from_peer,
 *   saved_from_msg_id} naming the post).
 *   Computed, not written: `replies` (MessageReplies) of a broadcast post
 *   that has a copy, {comments, replies: messages of the group whose
 *   reply_to_top_id, else reply_to, is the copy, channel_id, max_id}, and of
 *   a supergroup message that has replies ({replies}); generated messages
 *   are not counted, nor are forums' messages (their threads are topics).
 * - channels: `"linked_chat": <megagroup id>` on a broadcast channel (its
 *   discussion group: ChannelFull.linked_chat_id and Channel.has_link at
 *   both ends; an account that reaches either end reaches the other);
 *   `"forum": true` on a megagroup, with optional `"topics": [{"id",
 *   "closed"?, "pinned"?, "hidden"?}]` (the state of a topic, which wins over
 *   its topic_edit messages). A forum's topics are General (id 1, always) and
 *   one per topic_create message; its messages carry `topic` (none: General)
 *   and are served with reply_to {forum_topic, reply_to_msg_id: reply_to ??
 *   topic, reply_to_top_id: topic when reply_to differs}; General's have no
 *   forum header. channels.getForumTopics orders topics pinned first, then
 *   by latest message, newest first (q: case-insensitive substring of the
 *   title; paging by offset_topic, else offset_date/offset_id of the last
 *   topic's top message); messages.getReplies and search's top_msg_id read a
 *   topic (or a thread, or a post's comments) through the getHistory paging.
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
import { type Latency, parseLatency } from "./Latency.js"
import { parseRateLimits, type RateLimit } from "./RateLimits.js"
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

export const ENTITY_TYPES = [
  "url", "text_url", "mention", "mention_name", "hashtag", "cashtag", "bot_command", "email", "phone", "bold", "italic",
  "underline", "strike", "code", "pre", "spoiler", "blockquote", "custom_emoji", "bank_card", "unknown"
] as const

export type EntityType = (typeof ENTITY_TYPES)[number]

/** A formatting entity; offsets and lengths in UTF-16 code units, as Telegram counts them. */
export interface EntitySpec {
  readonly type: EntityType
  readonly offset: number
  readonly length: number
  /** text_url only. */
  readonly url: string | null
  /** mention_name only. */
  readonly userId: number | null
  /** pre only ("" when not given). */
  readonly language: string | null
  /** custom_emoji only: a 64-bit document id as a decimal string. */
  readonly customEmojiId: string | null
}

/** One reaction of a message: exactly one of emoji, customEmojiId or paid. */
export interface ReactionSpec {
  readonly emoji: string | null
  readonly customEmojiId: string | null
  readonly paid: boolean
  readonly count: number
  /** The accounts that chose it (their copy of the message carries chosen_order). */
  readonly chosenBy: ReadonlyArray<number>
}

export const ACTION_TYPES = [
  "chat_create", "chat_add_user", "chat_delete_user", "chat_edit_title", "chat_joined_by_link", "channel_create",
  "pin_message", "topic_create", "topic_edit", "chat_migrate_to", "channel_migrate_from", "history_clear", "custom_action"
] as const

/** The action of a service message, with the fields of the wire contract (snake_case; user ids unmarked, which for users is the marked id too). */
export type ActionSpec =
  | { readonly type: "chat_create"; readonly title: string; readonly users: ReadonlyArray<number> }
  | { readonly type: "chat_add_user"; readonly users: ReadonlyArray<number> }
  | { readonly type: "chat_delete_user"; readonly user_id: number }
  | { readonly type: "chat_edit_title"; readonly title: string }
  | { readonly type: "chat_joined_by_link"; readonly inviter_id: number }
  | { readonly type: "channel_create"; readonly title: string }
  | { readonly type: "pin_message" }
  | { readonly type: "topic_create"; readonly title: string; readonly icon_color: number; readonly icon_emoji_id: string | null }
  | {
    readonly type: "topic_edit"
    readonly title: string | null
    readonly icon_emoji_id: string | null
    readonly closed: boolean | null
    readonly hidden: boolean | null
  }
  | { readonly type: "chat_migrate_to"; readonly channel_id: number }
  | { readonly type: "channel_migrate_from"; readonly title: string; readonly chat_id: number }
  | { readonly type: "history_clear" }
  | { readonly type: "custom_action"; readonly message: string }

/** Telegram's default topic icon colour (0x6FB9F0). */
export const DEFAULT_TOPIC_COLOR = 0x6fb9f0

/** The fields of a message beyond the contract's (issue 17); all empty on a plain message. */
export interface MessageDetails {
  readonly views: number | null
  readonly forwards: number | null
  readonly pinned: boolean
  /** Album id: a 64-bit integer as a decimal string. */
  readonly groupedId: string | null
  readonly viaBot: number | null
  readonly entities: ReadonlyArray<EntitySpec>
  readonly reactions: ReadonlyArray<ReactionSpec>
  /** Thread root of a reply (outside forum topics, where `topic` gives it). */
  readonly replyToTopId: number | null
  /** Quoted text of a reply. */
  readonly quote: string | null
  /** Forum topic id (1 is General); null outside forums and for General's messages when not given. */
  readonly topic: number | null
  /** A service message's action (its text is "" and it has no media). */
  readonly action: ActionSpec | null
  /** In a discussion group: the id of the linked channel's post this message is the automatic copy of. */
  readonly discussionOf: number | null
}

export const NO_DETAILS: MessageDetails = {
  views: null,
  forwards: null,
  pinned: false,
  groupedId: null,
  viaBot: null,
  entities: [],
  reactions: [],
  replyToTopId: null,
  quote: null,
  topic: null,
  action: null,
  discussionOf: null
}

/** One message as the world stores it; `owner` is null for channel messages. */
export interface MessageSpec extends MessageDetails {
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
  /** Broadcast channels: the discussion megagroup (ChannelFull.linked_chat_id at both ends). */
  readonly linkedChat: number | null
  /** Megagroups: a forum (topics). */
  readonly forum: boolean
  /** Forums: the state of topics (by topic id). */
  readonly topics: ReadonlyArray<TopicState>
}

export interface TopicState {
  readonly id: number
  readonly closed: boolean
  readonly pinned: boolean
  readonly hidden: boolean
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
  /** Per-account rate budgets (RateLimits.ts); none by default. */
  readonly rate: ReadonlyArray<RateLimit>
  /** The delay on every answer (Latency.ts); none by default. */
  readonly latency: Latency
  /** How long a first takeout session waits for the user's confirmation (Takeouts.ts); 0 by default. */
  readonly takeoutDelaySeconds: number
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

const LONG_MIN = -(2n ** 63n)
const LONG_MAX = 2n ** 63n - 1n

/** A non-zero signed 64-bit integer in decimal. */
const isLong = (text: string): boolean => {
  if (!/^-?[1-9]\d{0,18}$/.test(text)) return false
  const v = BigInt(text)
  return v >= LONG_MIN && v <= LONG_MAX
}

const longText = (value: string | number): string => String(value)

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
  hide_participants_count: flag,
  linked_chat: opt(Id),
  forum: flag,
  topics: Schema.optional(Schema.Array(Schema.Struct({ id: Id, closed: flag, pinned: flag, hidden: flag })))
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

/** A 64-bit id: a decimal string (as Telegram's longs exceed JS numbers) or a safe integer. */
const Long = Schema.Union(
  Schema.String.pipe(Schema.filter((t) => isLong(t), { message: (i) => `expected a 64-bit integer as a decimal string, got ${JSON.stringify(i.actual)}` })),
  Schema.Int
)

const EntityJson = Schema.Struct({
  type: Schema.Literal(...ENTITY_TYPES),
  offset: Count,
  length: Schema.Int.pipe(Schema.positive()),
  url: opt(Schema.String),
  user_id: opt(Id),
  language: opt(Schema.String),
  custom_emoji_id: opt(Long)
})

const ReactionJson = Schema.Struct({
  emoji: opt(Schema.String),
  custom_emoji_id: opt(Long),
  paid: flag,
  count: Schema.Int.pipe(Schema.positive()),
  chosen_by: Schema.optional(Schema.Array(Id))
})

const ActionJson = Schema.Struct({
  type: Schema.Literal(...ACTION_TYPES),
  title: opt(Schema.String),
  users: Schema.optional(Schema.Array(Id)),
  user_id: opt(Id),
  inviter_id: opt(Id),
  icon_color: opt(Schema.Int.pipe(Schema.between(0, 0xffffff))),
  icon_emoji_id: opt(Long),
  closed: opt(Schema.Boolean),
  hidden: opt(Schema.Boolean),
  channel_id: opt(Id),
  chat_id: opt(Id),
  message: opt(Schema.String)
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
  media: opt(MediaJson),
  views: opt(Count),
  forwards: opt(Count),
  pinned: flag,
  grouped_id: opt(Long),
  via_bot: opt(Id),
  entities: Schema.optional(Schema.Array(EntityJson)),
  reactions: Schema.optional(Schema.Array(ReactionJson)),
  reply_to_top_id: opt(Id),
  quote: opt(Schema.String),
  topic: opt(Id),
  action: opt(ActionJson),
  discussion_of: opt(Id)
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
  realism: Schema.optional(Schema.Unknown),
  rate: Schema.optional(Schema.Unknown),
  latency: Schema.optional(Schema.Unknown),
  takeout_delay_seconds: Schema.optional(Schema.Int.pipe(Schema.between(0, 31_536_000)))
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

/** UTF-16 code units, as Telegram counts entity offsets. */
const utf16Length = (text: string): number => text.length

const normaliseEntity = (dir: ScenarioDirectory, e: Schema.Schema.Type<typeof EntityJson>, text: string, path: string): EntitySpec => {
  const only = (field: "url" | "user_id" | "language" | "custom_emoji_id", type: EntityType) => {
    if (e[field] !== undefined && e[field] !== null && e.type !== type) fail(`${path}.${field}`, `only a ${type} entity has ${field}`)
  }
  only("url", "text_url")
  only("user_id", "mention_name")
  only("language", "pre")
  only("custom_emoji_id", "custom_emoji")
  const need = (field: "url" | "user_id" | "custom_emoji_id") => {
    if (e[field] === undefined || e[field] === null) fail(`${path}.${field}`, `required for a ${e.type} entity`)
  }
  if (e.type === "text_url") need("url")
  if (e.type === "mention_name") {
    need("user_id")
    if (!dir.users.has(e.user_id!)) fail(`${path}.user_id`, `user ${e.user_id} is not among the scenario's users`)
  }
  if (e.type === "custom_emoji") need("custom_emoji_id")
  if (e.offset + e.length > utf16Length(text)) {
    fail(path, `offset ${e.offset} + length ${e.length} is past the end of the text (${utf16Length(text)} UTF-16 code units)`)
  }
  return {
    type: e.type,
    offset: e.offset,
    length: e.length,
    url: e.url ?? null,
    userId: e.user_id ?? null,
    language: e.type === "pre" ? e.language ?? "" : null,
    customEmojiId: e.custom_emoji_id === undefined || e.custom_emoji_id === null ? null : longText(e.custom_emoji_id)
  }
}

const normaliseReaction = (dir: ScenarioDirectory, r: Schema.Schema.Type<typeof ReactionJson>, path: string): ReactionSpec => {
  const kinds = [r.emoji, r.custom_emoji_id, r.paid === true ? true : undefined].filter((v) => v !== undefined && v !== null)
  if (kinds.length !== 1) fail(path, `give exactly one of "emoji", "custom_emoji_id" or "paid": true`)
  const chosenBy = [...new Set(r.chosen_by ?? [])]
  chosenBy.forEach((id, i) => {
    if (!dir.accounts.has(id)) fail(`${path}.chosen_by[${i}]`, `${id} is not an account of the scenario`)
  })
  if (chosenBy.length > r.count) fail(`${path}.count`, `${r.count} is less than the ${chosenBy.length} accounts in chosen_by`)
  return {
    emoji: r.emoji ?? null,
    customEmojiId: r.custom_emoji_id === undefined || r.custom_emoji_id === null ? null : longText(r.custom_emoji_id),
    paid: r.paid ?? false,
    count: r.count,
    chosenBy
  }
}

const reactionKey = (r: ReactionSpec): string => r.paid ? "paid" : r.emoji !== null ? `emoji:${r.emoji}` : `custom:${r.customEmojiId}`

const ACTION_FIELDS: Readonly<Record<ActionSpec["type"], { readonly required: ReadonlyArray<string>; readonly optional: ReadonlyArray<string> }>> = {
  chat_create: { required: ["title", "users"], optional: [] },
  chat_add_user: { required: ["users"], optional: [] },
  chat_delete_user: { required: ["user_id"], optional: [] },
  chat_edit_title: { required: ["title"], optional: [] },
  chat_joined_by_link: { required: ["inviter_id"], optional: [] },
  channel_create: { required: ["title"], optional: [] },
  pin_message: { required: [], optional: [] },
  topic_create: { required: ["title"], optional: ["icon_color", "icon_emoji_id"] },
  topic_edit: { required: [], optional: ["title", "icon_emoji_id", "closed", "hidden"] },
  chat_migrate_to: { required: ["channel_id"], optional: [] },
  channel_migrate_from: { required: ["title", "chat_id"], optional: [] },
  history_clear: { required: [], optional: [] },
  custom_action: { required: ["message"], optional: [] }
}

const normaliseAction = (dir: ScenarioDirectory, a: Schema.Schema.Type<typeof ActionJson>, path: string): ActionSpec => {
  const fields = ACTION_FIELDS[a.type]
  const raw = a as Record<string, unknown>
  for (const [key, value] of Object.entries(raw)) {
    if (key === "type" || value === undefined || value === null) continue
    if (!fields.required.includes(key) && !fields.optional.includes(key)) fail(`${path}.${key}`, `a ${a.type} action has no ${key}`)
  }
  for (const key of fields.required) {
    if (raw[key] === undefined || raw[key] === null) fail(`${path}.${key}`, `required for a ${a.type} action`)
  }
  const user = (id: number, p: string) => {
    if (!dir.users.has(id)) fail(p, `user ${id} is not among the scenario's users`)
    return id
  }
  const emoji = a.icon_emoji_id === undefined || a.icon_emoji_id === null ? null : longText(a.icon_emoji_id)
  switch (a.type) {
    case "chat_create":
      return { type: a.type, title: a.title!, users: a.users!.map((u, i) => user(u, `${path}.users[${i}]`)) }
    case "chat_add_user":
      return { type: a.type, users: a.users!.map((u, i) => user(u, `${path}.users[${i}]`)) }
    case "chat_delete_user":
      return { type: a.type, user_id: user(a.user_id!, `${path}.user_id`) }
    case "chat_edit_title":
      return { type: a.type, title: a.title! }
    case "chat_joined_by_link":
      return { type: a.type, inviter_id: user(a.inviter_id!, `${path}.inviter_id`) }
    case "channel_create":
      return { type: a.type, title: a.title! }
    case "pin_message":
      return { type: a.type }
    case "topic_create":
      return { type: a.type, title: a.title!, icon_color: a.icon_color ?? DEFAULT_TOPIC_COLOR, icon_emoji_id: emoji }
    case "topic_edit":
      return { type: a.type, title: a.title ?? null, icon_emoji_id: emoji, closed: a.closed ?? null, hidden: a.hidden ?? null }
    case "chat_migrate_to":
      if (!dir.channels.has(a.channel_id!)) fail(`${path}.channel_id`, `channel ${a.channel_id} is not among the scenario's channels`)
      return { type: a.type, channel_id: a.channel_id! }
    case "channel_migrate_from":
      if (!dir.chats.has(a.chat_id!)) fail(`${path}.chat_id`, `chat ${a.chat_id} is not among the scenario's chats`)
      return { type: a.type, title: a.title!, chat_id: a.chat_id! }
    case "history_clear":
      return { type: a.type }
    case "custom_action":
      return { type: a.type, message: a.message! }
  }
}

/** The broadcast channel whose discussion group `groupId` is, if any. */
const linkedBroadcastOf = (dir: ScenarioDirectory, groupId: number): ScenarioChannel | undefined =>
  [...dir.channels.values()].find((c) => c.linkedChat === groupId)

/** The issue-17 fields of a message, checked on their own (what needs other messages is checked by checkThreads). */
const normaliseDetails = (dir: ScenarioDirectory, m: MessageJsonType, peer: PeerRef, text: string, path: string): MessageDetails => {
  const channel = peer.kind === "channel" ? dir.channels.get(peer.id)! : undefined
  if (m.via_bot !== undefined && m.via_bot !== null) {
    const bot = dir.users.get(m.via_bot)
    if (bot === undefined) fail(`${path}.via_bot`, `user ${m.via_bot} is not among the scenario's users`)
    if (!bot!.bot) fail(`${path}.via_bot`, `user ${m.via_bot} is not a bot`)
  }
  const entities = (m.entities ?? []).map((e, i) => normaliseEntity(dir, e, text, `${path}.entities[${i}]`))
  const reactions = (m.reactions ?? []).map((r, i) => normaliseReaction(dir, r, `${path}.reactions[${i}]`))
  reactions.forEach((r, i) => {
    if (reactions.findIndex((o) => reactionKey(o) === reactionKey(r)) !== i) fail(`${path}.reactions[${i}]`, `duplicate reaction ${reactionKey(r)}`)
  })
  const replyTo = m.reply_to ?? null
  if (m.reply_to_top_id != null && replyTo === null) fail(`${path}.reply_to_top_id`, "needs reply_to (the message replied to inside the thread)")
  if (m.quote != null && replyTo === null) fail(`${path}.quote`, "needs reply_to (the message quoted)")
  if (m.topic != null) {
    if (channel === undefined || !channel.forum) fail(`${path}.topic`, `${peerKey(peer)} is not a forum (\"forum\": true on a megagroup)`)
    if (m.reply_to_top_id != null) fail(`${path}.reply_to_top_id`, "a forum message's thread is its topic: leave reply_to_top_id out")
  }
  const action = m.action === undefined || m.action === null ? null : normaliseAction(dir, m.action, `${path}.action`)
  if (action !== null) {
    if (text !== "") fail(`${path}.text`, "a service message (action) has no text")
    if (m.media != null) fail(`${path}.media`, "a service message (action) has no media")
    if (m.fwd_from != null) fail(`${path}.fwd_from`, "a service message (action) is not forwarded")
    if (action.type === "pin_message" && replyTo === null) fail(`${path}.reply_to`, "a pin_message action names the pinned message in reply_to")
    if (action.type === "topic_create" || action.type === "topic_edit") {
      if (channel === undefined || !channel.forum) fail(`${path}.action`, `${action.type} is only in a forum (${peerKey(peer)} is not one)`)
    }
    if (action.type === "topic_create" && m.topic != null) fail(`${path}.topic`, "a topic_create message is its own topic: leave topic out")
  }
  if (m.discussion_of != null) {
    const broadcast = peer.kind === "channel" ? linkedBroadcastOf(dir, peer.id) : undefined
    if (broadcast === undefined) fail(`${path}.discussion_of`, `${peerKey(peer)} is not the linked_chat of a broadcast channel`)
    if (m.fwd_from != null) fail(`${path}.fwd_from`, "a discussion copy is forwarded from its post: leave fwd_from out")
    if (m.reply_to != null) fail(`${path}.reply_to`, "a discussion copy is the root of its thread: leave reply_to out")
  }
  return {
    views: m.views ?? null,
    forwards: m.forwards ?? null,
    pinned: m.pinned ?? false,
    groupedId: m.grouped_id === undefined || m.grouped_id === null ? null : longText(m.grouped_id),
    viaBot: m.via_bot ?? null,
    entities,
    reactions,
    replyToTopId: m.reply_to_top_id ?? null,
    quote: m.quote ?? null,
    topic: m.topic ?? null,
    action,
    discussionOf: m.discussion_of ?? null
  }
}

const normaliseMessage = (dir: ScenarioDirectory, m: MessageJsonType, path: string, now: number): ScenarioMessage => {
  const peer = requirePeer(dir, m.peer, `${path}.peer`)
  const owner = resolveOwner(dir, peer, m.owner, path)
  const copyOf = m.discussion_of != null && peer.kind === "channel" ? linkedBroadcastOf(dir, peer.id) : undefined
  const from = m.from === undefined || m.from === null
    ? copyOf !== undefined ? { kind: "channel" as const, id: copyOf.id } : defaultSender(peer, owner)
    : peerOf(m.from)
  if (copyOf !== undefined) {
    // Telegram's automatic copy of a post is sent by the channel itself.
    if (from.kind !== "channel" || from.id !== copyOf.id) fail(`${path}.from`, `a discussion copy comes from channel:${copyOf.id}`)
  } else {
    checkSender(dir, peer, owner, from, `${path}.from`)
  }
  const text = m.text ?? ""
  return {
    ...normaliseDetails(dir, m, peer, text, path),
    path,
    peer,
    owner,
    id: m.id ?? null,
    date: m.date === undefined || m.date === null ? now : dateOf(m.date),
    from,
    text,
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
    for (const e of m.entities ?? []) id(e.user_id)
    ;[...(m.action?.users ?? []), m.action?.user_id, m.action?.inviter_id].forEach(id)
  }
  for (const g of raw.generate ?? []) {
    peer(g.peer)
    id(g.owner)
    for (const sender of g.from ?? []) peer(sender)
  }
  return [...ids].sort((a, b) => a - b)
}

/**
 * Checks what needs a channel's other messages (scenario files only: the ids
 * left out are numbered as the world will): topics name a topic_create
 * message of their forum (or 1, General), discussion copies name a post of
 * the linked channel (one copy each), forum `topics` name topics. A copy
 * without text or media takes its post's.
 */
const checkThreads = (dir: ScenarioDirectory, messages: Array<ScenarioMessage>): Array<ScenarioMessage> => {
  const top = new Map<number, number>()
  const ids = messages.map((m) => {
    if (m.peer.kind !== "channel") return m.id
    const id = m.id ?? (top.get(m.peer.id) ?? 0) + 1
    top.set(m.peer.id, Math.max(top.get(m.peer.id) ?? 0, id))
    return id
  })
  const find = (channel: number, id: number) => messages.findIndex((m, i) => m.peer.kind === "channel" && m.peer.id === channel && ids[i] === id)
  const topicIds = (channel: number) =>
    new Set([1, ...messages.flatMap((m, i) => m.peer.kind === "channel" && m.peer.id === channel && m.action?.type === "topic_create" ? [ids[i]!] : [])])
  const copies = new Map<string, string>()
  const out = messages.map((m) => {
    if (m.topic !== null && !topicIds(m.peer.id).has(m.topic)) {
      fail(`${m.path}.topic`, `${peerKey(m.peer)} has no topic ${m.topic} (a topic is the id of a topic_create message, or 1 for General)`)
    }
    if (m.discussionOf === null) return m
    const broadcast = linkedBroadcastOf(dir, m.peer.id)!
    const at = find(broadcast.id, m.discussionOf)
    if (at < 0) fail(`${m.path}.discussion_of`, `channel:${broadcast.id} has no post ${m.discussionOf} in the scenario's messages`)
    const key = `${broadcast.id}:${m.discussionOf}`
    const earlier = copies.get(key)
    if (earlier !== undefined) fail(`${m.path}.discussion_of`, `post ${m.discussionOf} already has its copy (${earlier})`)
    copies.set(key, m.path)
    const post = messages[at]!
    return m.text === "" && m.media === null ? { ...m, text: post.text, media: post.media, entities: post.entities } : m
  })
  for (const [i, c] of [...dir.channels.values()].entries()) {
    const known = topicIds(c.id)
    c.topics.forEach((t, j) => {
      if (!known.has(t.id)) fail(`channels[${i}].topics[${j}].id`, `channel:${c.id} has no topic ${t.id} (no topic_create message with that id)`)
    })
  }
  return out
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
      hideParticipantsCount: c.hide_participants_count ?? false,
      linkedChat: c.linked_chat ?? null,
      forum: c.forum ?? false,
      topics: (c.topics ?? []).map((t) => ({ id: t.id, closed: t.closed ?? false, pinned: t.pinned ?? false, hidden: t.hidden ?? false }))
    }
  })
  uniqueIds(channels.map((c) => c.id), "channels", "channel")
  channels.forEach((c, i) => {
    const path = `channels[${i}]`
    if (c.forum && !c.megagroup) fail(`${path}.forum`, "only a megagroup can be a forum")
    if (!c.forum && c.topics.length > 0) fail(`${path}.topics`, "only a forum (\"forum\": true) has topics")
    uniqueIds(c.topics.map((t) => t.id), `${path}.topics`, "topic")
    if (c.linkedChat === null) return
    if (c.megagroup) fail(`${path}.linked_chat`, "give linked_chat on the broadcast channel, naming its discussion megagroup")
    const group = channels.find((g) => g.id === c.linkedChat)
    if (group === undefined) fail(`${path}.linked_chat`, `channel ${c.linkedChat} is not among the scenario's channels`)
    if (!group!.megagroup || group!.forum) fail(`${path}.linked_chat`, `channel ${c.linkedChat} is not a megagroup (a discussion group is one, and not a forum)`)
    const other = channels.findIndex((o) => o !== c && o.linkedChat === c.linkedChat)
    if (other >= 0) fail(`${path}.linked_chat`, `channel ${c.linkedChat} is already the discussion group of channels[${other}]`)
  })

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
  const messages = checkThreads(dir, (raw.messages ?? []).map((m, i) => normaliseMessage(dir, m, `messages[${i}]`, 0)))
  const generate = (raw.generate ?? []).map((g, i) => normaliseGenerate(dir, g, `generate[${i}]`))
  const realism = parseRealism(raw.options?.realism)
  if (typeof realism === "string") fail("options.realism", realism)
  const rate = parseRateLimits(raw.options?.rate)
  if (typeof rate === "string") fail("options.rate", rate)
  const latency = parseLatency(raw.options?.latency)
  if (typeof latency === "string") fail("options.latency", latency)
  return {
    options: {
      loginTokenTtlSeconds: raw.options?.login_token_ttl_seconds ?? 30,
      phoneCodeTtlSeconds: raw.options?.phone_code_ttl_seconds ?? 300,
      phoneCodesPerHour: raw.options?.phone_codes_per_hour ?? 10,
      realism: realism as Realism,
      rate: rate as ReadonlyArray<RateLimit>,
      latency: latency as Latency,
      takeoutDelaySeconds: raw.options?.takeout_delay_seconds ?? 0
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
