/**
 * The oracle of issue 17's message fields (/work/spec17.md, "the new message
 * fields"): from a parsed scenario (test/emulator/Scenario.ts), an account
 * and a message, the values tgsc must return for that message, keyed and
 * ordered as on the wire. Written from the scenario model and Telegram's
 * rules, literally (whole lists, no indexes), without the product's code
 * and without the emulator's rendering, so it can judge both.
 *
 * What Telegram's objects carry, as the emulator's scenario extensions say
 * (Scenario.ts header): broadcast posts always have view and forward
 * counters (the scenario's, else 100 + id % 900 and id % 7); elsewhere
 * one given makes the other 0. A discussion copy is forwarded from its post.
 * A channel post with a copy counts as replies the group's messages whose
 * reply_to_top_id (else reply_to) is the copy; a supergroup message (not in
 * a forum) counts those whose root it is, and has none (null) when none;
 * generated messages are never counted. Service messages (`action`) are
 * MessageService objects, which have no views, forwards, replies, grouped_id,
 * via_bot or forward header: those are null; they are never pinned (false)
 * and have no entities or reactions when none ([]), as for any message.
 */
import { generatedMessage } from "../emulator/Generate.js"
import { type MessageSpec, NO_DETAILS, type PeerRef, parsePeer, peerKey, type Scenario, type ScenarioMessage } from "../emulator/Scenario.js"

export type WireReaction =
  | { readonly emoji: string; readonly count: number; readonly chosen: boolean }
  | { readonly custom_emoji_id: string; readonly count: number; readonly chosen: boolean }
  | { readonly paid: true; readonly count: number; readonly chosen: boolean }

export interface WireEntity {
  readonly type: string
  readonly offset: number
  readonly length: number
  readonly url?: string
  readonly user_id?: number
  readonly language?: string
  readonly custom_emoji_id?: string
}

/** The issue-17 fields of one message, in wire order. */
export interface ExpectedDetails {
  readonly topic_id: number | null
  readonly reply_to_top_id: number | null
  readonly reply_quote: string | null
  readonly forward_from_id: number | null
  readonly forward_from_name: string | null
  readonly forward_date: string | null
  readonly forwarded_from_message_id: number | null
  readonly views: number | null
  readonly forwards: number | null
  readonly replies: number | null
  readonly discussion_id: number | null
  readonly reactions: ReadonlyArray<WireReaction> | null
  readonly pinned: boolean | null
  readonly grouped_id: string | null
  readonly via_bot_id: number | null
  readonly entities: ReadonlyArray<WireEntity> | null
  readonly action: Readonly<Record<string, unknown>> | null
}

export const DETAIL_KEYS: ReadonlyArray<keyof ExpectedDetails> = [
  "topic_id", "reply_to_top_id", "reply_quote", "forward_from_id", "forward_from_name", "forward_date",
  "forwarded_from_message_id", "views", "forwards", "replies", "discussion_id", "reactions", "pinned", "grouped_id",
  "via_bot_id", "entities", "action"
]

/** Telegram's marked ids: users +id, basic groups -id, channels -(10^12 + id). */
export const markedId = (peer: PeerRef): number =>
  peer.kind === "user" ? peer.id : peer.kind === "chat" ? -peer.id : -(1_000_000_000_000 + peer.id)

const dateText = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString().replace("T", " ").slice(0, 19)

interface Located {
  readonly message: MessageSpec
  /** The other explicit messages of the same dialog copy (for counting threads). */
  readonly explicit: ReadonlyArray<MessageSpec>
}

/** Every explicit message of the scenario with the id the world gives it (left-out ids numbered per id scope). */
const numberedOf = new WeakMap<Scenario, ReadonlyArray<MessageSpec>>()
const numbered = (scenario: Scenario): ReadonlyArray<MessageSpec> => {
  let known = numberedOf.get(scenario)
  if (known === undefined) numberedOf.set(scenario, known = numberAll(scenario))
  return known
}
const numberAll = (scenario: Scenario): Array<MessageSpec> => {
  const top = new Map<string, number>()
  return scenario.messages.map((m: ScenarioMessage): MessageSpec => {
    const scope = m.owner === null ? peerKey(m.peer) : `owner:${m.owner}`
    const id = m.id ?? (top.get(scope) ?? 0) + 1
    top.set(scope, Math.max(top.get(scope) ?? 0, id))
    const { path: _path, ...rest } = m
    return { ...rest, id }
  })
}

const sameCopy = (m: MessageSpec, peer: PeerRef, owner: number | null) =>
  peerKey(m.peer) === peerKey(peer) && (peer.kind === "channel" || m.owner === owner)

/** The explicit messages of one dialog copy, looked up once per scenario (tests ask for thousands of messages). */
const copiesOf = new WeakMap<Scenario, Map<string, ReadonlyArray<MessageSpec>>>()
const copyOf = (scenario: Scenario, peer: PeerRef, owner: number | null): ReadonlyArray<MessageSpec> => {
  let copies = copiesOf.get(scenario)
  if (copies === undefined) copiesOf.set(scenario, copies = new Map())
  const key = `${peerKey(peer)}|${peer.kind === "channel" ? "" : owner}`
  let copy = copies.get(key)
  if (copy === undefined) copies.set(key, copy = numbered(scenario).filter((m) => sameCopy(m, peer, owner)))
  return copy
}

/** The message `id` of `peer` as account `account` has it (explicit or generated); undefined when there is none. */
const locate = (scenario: Scenario, account: number, peer: PeerRef, id: number): Located | undefined => {
  const owner = peer.kind === "channel" ? null : account
  const explicit = copyOf(scenario, peer, owner)
  const found = explicit.find((m) => m.id === id)
  if (found !== undefined) return { message: found, explicit }
  for (const { first, g } of generatedBlocks(scenario)) {
    if (peerKey(g.peer) === peerKey(peer) && (peer.kind === "channel" || g.owner === owner) && id >= first && id < first + g.count) {
      return { message: generatedMessage(g, id - first, first), explicit }
    }
  }
  return undefined
}

/** Each generate block with its first id: blocks follow the highest explicit id of their id scope, in order. */
const blocksOf = new WeakMap<Scenario, ReadonlyArray<{ readonly g: Scenario["generate"][number]; readonly first: number }>>()
const generatedBlocks = (scenario: Scenario) => {
  let blocks = blocksOf.get(scenario)
  if (blocks !== undefined) return blocks
  const scopeOf = (p: PeerRef, o: number | null) => (p.kind === "channel" ? peerKey(p) : `owner:${o}`)
  const top = new Map<string, number>()
  for (const m of numbered(scenario)) {
    const s = scopeOf(m.peer, m.owner)
    top.set(s, Math.max(top.get(s) ?? 0, m.id))
  }
  blocks = scenario.generate.map((g) => {
    const s = scopeOf(g.peer, g.owner)
    const first = (top.get(s) ?? 0) + 1
    if (g.count > 0) top.set(s, first + g.count - 1)
    return { g, first }
  })
  blocksOf.set(scenario, blocks)
  return blocks
}

const nameOf = (scenario: Scenario, peer: PeerRef): string | null => {
  if (peer.kind === "user") {
    const u = scenario.users.find((x) => x.id === peer.id)
    if (u === undefined) return null
    const full = `${u.firstName ?? ""} ${u.lastName ?? ""}`.trim()
    return full !== "" ? full : u.username
  }
  if (peer.kind === "chat") return scenario.chats.find((c) => c.id === peer.id)?.title ?? null
  return scenario.channels.find((c) => c.id === peer.id)?.title ?? null
}

const threadRoot = (m: MessageSpec): number | null => m.replyToTopId ?? m.replyTo

/**
 * The expected issue-17 fields of message `id` of `peer` (a scenario peer
 * such as `channel:3001`, or a PeerRef) as account `account` reads it.
 * Throws when the account has no such message.
 */
export const expectedDetails = (scenario: Scenario, account: number, peer: string | PeerRef, id: number): ExpectedDetails => {
  const ref = typeof peer === "string" ? parsePeer(peer) : peer
  if (ref === undefined) throw new Error(`not a scenario peer: ${String(peer)}`)
  const located = locate(scenario, account, ref, id)
  if (located === undefined) throw new Error(`account ${account} has no message ${id} in ${peerKey(ref)}`)
  return detailsOfLocated(scenario, account, ref, located)
}

/**
 * The same for a message added through the emulator's control API after the
 * scenario was loaded (`POST /messages`: the contract's fields only, so no
 * details of its own).
 */
export const expectedDetailsOfAppended = (
  scenario: Scenario,
  account: number,
  peer: string,
  message: { readonly id: number; readonly date: number; readonly from: string; readonly text: string }
): ExpectedDetails => {
  const ref = parsePeer(peer)
  const from = parsePeer(message.from)
  if (ref === undefined || from === undefined) throw new Error(`not scenario peers: ${peer}, ${message.from}`)
  const owner = ref.kind === "channel" ? null : account
  const spec: MessageSpec = {
    ...NO_DETAILS,
    peer: ref,
    owner,
    id: message.id,
    date: message.date,
    from,
    text: message.text,
    editDate: null,
    replyTo: null,
    postAuthor: null,
    fwdFrom: null,
    media: null
  }
  const explicit = copyOf(scenario, ref, owner)
  return detailsOfLocated(scenario, account, ref, { message: spec, explicit })
}

const detailsOfLocated = (scenario: Scenario, account: number, ref: PeerRef, located: Located): ExpectedDetails => {
  const { explicit, message: m } = located
  const channel = ref.kind === "channel" ? scenario.channels.find((c) => c.id === ref.id) : undefined
  const broadcast = channel !== undefined && !channel.megagroup
  const forum = channel?.forum === true
  const isService = m.action !== null

  // Topic and thread.
  const topic = !forum ? null : m.action?.type === "topic_create" ? m.id : m.topic ?? 1
  const inTopic = forum && topic !== 1 && topic !== m.id
  const replyToTopId = inTopic ? (m.replyTo !== null && m.replyTo !== topic ? topic : null) : m.replyTo === null ? null : m.replyToTopId
  const quote = inTopic || m.replyTo !== null ? m.quote : null

  // Forward origin: the scenario's, or for a discussion copy its post.
  let forward: Pick<ExpectedDetails, "forward_from_id" | "forward_from_name" | "forward_date" | "forwarded_from_message_id"> = {
    forward_from_id: null,
    forward_from_name: null,
    forward_date: null,
    forwarded_from_message_id: null
  }
  if (!isService && m.discussionOf !== null) {
    const post = numbered(scenario).find((p) => p.peer.kind === "channel" && p.peer.id === m.from.id && p.id === m.discussionOf)
    forward = {
      forward_from_id: markedId(m.from),
      forward_from_name: nameOf(scenario, m.from),
      forward_date: dateText(post?.date ?? m.date),
      forwarded_from_message_id: m.discussionOf
    }
  } else if (!isService && m.fwdFrom !== null) {
    const f = m.fwdFrom
    forward = {
      forward_from_id: f.from === null ? null : markedId(f.from),
      forward_from_name: f.from === null ? f.name : nameOf(scenario, f.from) ?? f.name,
      forward_date: dateText(f.date ?? m.date),
      forwarded_from_message_id: f.channelPost
    }
  }

  // Counters.
  const views = isService ? null : m.views ?? (broadcast ? 100 + (m.id % 900) : m.forwards !== null ? 0 : null)
  const forwards = isService ? null : m.forwards ?? (broadcast ? m.id % 7 : views !== null ? 0 : null)

  // Replies: a post's comments in the linked group, or a supergroup thread.
  let replies: number | null = null
  let discussion: number | null = null
  if (!isService && channel !== undefined && !forum) {
    if (broadcast && channel.linkedChat !== null) {
      const group: PeerRef = { kind: "channel", id: channel.linkedChat }
      const groupMessages = copyOf(scenario, group, null)
      const copy = groupMessages.find((g) => g.discussionOf === m.id)
      if (copy !== undefined) {
        replies = groupMessages.filter((g) => g.id !== copy.id && threadRoot(g) === copy.id).length
        discussion = markedId(group)
      }
    } else if (!broadcast) {
      const n = explicit.filter((g) => g.id !== m.id && threadRoot(g) === m.id).length
      replies = n === 0 ? null : n
    }
  }

  const reactions = m.reactions.map((r): WireReaction => {
    const chosen = r.chosenBy.includes(account)
    if (r.paid) return { paid: true, count: r.count, chosen }
    if (r.emoji !== null) return { emoji: r.emoji, count: r.count, chosen }
    return { custom_emoji_id: r.customEmojiId!, count: r.count, chosen }
  })

  const entities = isService ? [] : m.entities.map((e): WireEntity => {
    const base = { type: e.type, offset: e.offset, length: e.length }
    switch (e.type) {
      case "text_url":
        return { ...base, url: e.url! }
      case "url":
        return { ...base, url: m.text.slice(e.offset, e.offset + e.length) }
      case "mention_name":
        return { ...base, user_id: e.userId! }
      case "pre":
        return { ...base, language: e.language ?? "" }
      case "custom_emoji":
        return { ...base, custom_emoji_id: e.customEmojiId! }
      default:
        return base
    }
  })

  let action: Record<string, unknown> | null = null
  if (m.action !== null) {
    const { type, ...fields } = m.action as { type: string } & Record<string, unknown>
    // topic_edit names only what it changes.
    const given = Object.entries(fields).filter(([, v]) => !(m.action!.type === "topic_edit" && v === null))
    const entries = given.map(([k, v]): [string, unknown] => [k, Array.isArray(v) ? [...v] : v])
    // Ids of chats and channels are marked, as everywhere in the API; a pin names the pinned message (the
    // service message's reply header), and the two the issue names short keep their short names.
    const marks: Record<string, (id: number) => number> = {
      channel_id: (id) => -(1_000_000_000_000 + id),
      chat_id: (id) => -id
    }
    const wire = entries.map(([k, v]): [string, unknown] => [k, typeof v === "number" && marks[k] !== undefined ? marks[k]!(v) : v])
    const names: Record<string, string> = { chat_add_user: "add_user", chat_delete_user: "delete_user" }
    action = { type: names[type] ?? type, ...Object.fromEntries(wire) }
    if (type === "pin_message") action["message_id"] = m.replyTo
  }

  return {
    topic_id: topic,
    reply_to_top_id: replyToTopId,
    reply_quote: quote,
    ...forward,
    views,
    forwards,
    replies,
    discussion_id: discussion,
    reactions,
    pinned: isService ? false : m.pinned,
    grouped_id: isService ? null : m.groupedId,
    via_bot_id: isService ? null : m.viaBot,
    entities,
    action
  }
}
