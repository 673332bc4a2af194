/**
 * The issue-17 details oracle on the sample scenario, for messages whose
 * expected values were worked out by hand from test/fixtures/sample.json;
 * then against the emulator's TL objects, read the way the spec says.
 */
import * as fs from "node:fs"
import { describe, expect, it } from "@effect/vitest"
import { Api } from "telegram"
import { EntityRefs } from "../emulator/AccountView.js"
import { parseScenario } from "../emulator/Scenario.js"
import { World } from "../emulator/World.js"
import { DETAIL_KEYS, expectedDetails } from "./DetailsOracle.js"
import { NO_DETAILS } from "../support/MessageDetailsView.js"

const scenario = parseScenario(JSON.parse(fs.readFileSync(new URL("../fixtures/sample.json", import.meta.url), "utf8")))
const CUSTOM = "5368324170671202286"
const NEWS = -1000000003001
const NEWS_CHAT = -1000000003005

const none = NO_DETAILS

describe("DetailsOracle on the sample scenario", () => {
  it("keys in wire order", () => {
    expect(Object.keys(expectedDetails(scenario, 1001, "user:1002", 1))).toEqual(DETAIL_KEYS)
    expect(expectedDetails(scenario, 1001, "user:1002", 1)).toEqual(none)
  })

  it("a channel post with comments, views, forwards and reactions, chosen per account", () => {
    const post = expectedDetails(scenario, 1001, "channel:3001", 1)
    expect(post).toEqual({
      ...none,
      views: 45012,
      forwards: 318,
      replies: 3,
      discussion_id: NEWS_CHAT,
      reactions: [
        { emoji: "🔥", count: 12, chosen: true },
        { custom_emoji_id: CUSTOM, count: 3, chosen: false },
        { emoji: "👍", count: 7, chosen: false }
      ]
    })
    expect(expectedDetails(scenario, 1002, "channel:3001", 1).reactions).toEqual([
      { emoji: "🔥", count: 12, chosen: false },
      { custom_emoji_id: CUSTOM, count: 3, chosen: false },
      { emoji: "👍", count: 7, chosen: false }
    ])
    // Post 2 has its copy but no comments; post 4 has no copy, Telegram's counters and a paid reaction.
    expect(expectedDetails(scenario, 1001, "channel:3001", 2)).toMatchObject({
      replies: 0, discussion_id: NEWS_CHAT, views: 30120, forwards: 95,
      entities: [{ type: "text_url", offset: 14, length: 8, url: "https://example.com/btc-ath" }]
    })
    expect(expectedDetails(scenario, 1001, "channel:3001", 4)).toMatchObject({
      replies: null, discussion_id: null, views: 104, forwards: 4, reactions: [{ paid: true, count: 5, chosen: false }]
    })
  })

  it("the discussion group: the post's copy and a quoted comment", () => {
    expect(expectedDetails(scenario, 1001, "channel:3005", 1)).toEqual({
      ...none,
      forward_from_id: NEWS,
      forward_from_name: "Crypto News",
      forward_date: "2024-01-15 14:30:00",
      forwarded_from_message_id: 1,
      replies: 3
    })
    expect(expectedDetails(scenario, 1001, "channel:3005", 5)).toEqual({ ...none, reply_to_top_id: 1, reply_quote: "Source?" })
    // A comment that others reply to within the thread counts nothing itself: replies count per thread root.
    expect(expectedDetails(scenario, 1001, "channel:3005", 4)).toEqual(none)
  })

  it("forum topics, entities, albums, bots and service messages", () => {
    expect(expectedDetails(scenario, 1001, "channel:3006", 2)).toEqual({
      ...none,
      topic_id: 1,
      entities: [
        { type: "bold", offset: 9, length: 11 },
        { type: "url", offset: 22, length: 25, url: "https://example.com/rules" },
        { type: "mention", offset: 56, length: 6 },
        { type: "hashtag", offset: 89, length: 7 },
        { type: "code", offset: 114, length: 4 }
      ]
    })
    expect(expectedDetails(scenario, 1001, "channel:3006", 3)).toEqual({
      ...none,
      topic_id: 3,
      reactions: [],
      pinned: false,
      entities: [],
      action: { type: "topic_create", title: "Trips", icon_color: 0x6fb9f0, icon_emoji_id: CUSTOM }
    })
    expect(expectedDetails(scenario, 1001, "channel:3006", 4)).toMatchObject({
      topic_id: 3, reply_to_top_id: null, reactions: [{ emoji: "👍", count: 2, chosen: true }, { emoji: "❤", count: 1, chosen: false }]
    })
    expect(expectedDetails(scenario, 1001, "channel:3006", 5)).toMatchObject({ topic_id: 3, reply_to_top_id: 3, reply_quote: "#alps in July" })
    expect(expectedDetails(scenario, 1001, "channel:3006", 8).entities).toEqual([
      { type: "bold", offset: 0, length: 12 },
      { type: "pre", offset: 21, length: 22, language: "bash" }
    ])
    expect(expectedDetails(scenario, 1001, "channel:3006", 9).action).toEqual({ type: "topic_edit", closed: true })
    expect(expectedDetails(scenario, 1001, "channel:3006", 9).topic_id).toBe(6)
    expect([10, 11].map((id) => expectedDetails(scenario, 1001, "channel:3006", id).grouped_id)).toEqual(["13800000000000001", "13800000000000001"])
    expect(expectedDetails(scenario, 1001, "channel:3006", 12)).toEqual({ ...none, topic_id: 1, pinned: true })
    expect(expectedDetails(scenario, 1001, "channel:3006", 13).action).toEqual({ type: "pin_message", message_id: 12 })
    expect(expectedDetails(scenario, 1001, "channel:3006", 15)).toEqual({ ...none, topic_id: 1, via_bot_id: 1005 })
    expect(expectedDetails(scenario, 1001, "chat:2001", 4).action).toEqual({ type: "chat_create", title: "Family", users: [1001, 1002, 1003] })
  })

  it("forwards from a channel post, a user and a hidden sender; generated messages", () => {
    expect(expectedDetails(scenario, 1001, "user:1002", 3)).toMatchObject({
      forward_from_id: NEWS, forward_from_name: "Crypto News", forward_date: "2024-01-15 14:30:00", forwarded_from_message_id: 1
    })
    expect(expectedDetails(scenario, 1001, "user:1001", 13)).toMatchObject({
      forward_from_id: 1002, forward_from_name: "Bob Builder", forward_date: "2024-01-20 08:00:00", forwarded_from_message_id: null
    })
    expect(expectedDetails(scenario, 1001, "user:1001", 12)).toMatchObject({
      forward_from_id: null, forward_from_name: "Radio Caroline", forward_date: "2024-03-01 07:05:00"
    })
    // A generated post of Old stuff archive (channel:3004, ids 1..2000): counters only.
    expect(expectedDetails(scenario, 1001, "channel:3004", 1000)).toEqual({ ...none, views: 100 + 1000 % 900, forwards: 1000 % 7 })
    expect(() => expectedDetails(scenario, 1001, "channel:3004", 2001)).toThrow("has no message 2001")
  })
})

/** The spec's reading of a TL message (what the product is to do), for checking the oracle against the emulator. */
const wireOf = (m: Api.Message | Api.MessageService, forum: boolean, names: Map<string, string>) => {
  const r = m.replyTo as Api.MessageReplyHeader | undefined
  const topic = !forum ? null : m.className === "MessageService" && m.action.className === "MessageActionTopicCreate"
    ? m.id
    : r?.forumTopic ? r.replyToTopId ?? r.replyToMsgId ?? null : 1
  const peerKeyOf = (p: Api.TypePeer) =>
    p.className === "PeerUser" ? `user:${p.userId}` : p.className === "PeerChat" ? `chat:${p.chatId}` : `channel:${p.channelId}`
  const marked = (p: Api.TypePeer) =>
    p.className === "PeerUser" ? p.userId.toJSNumber() : p.className === "PeerChat" ? -p.chatId.toJSNumber() : -(1e12 + p.channelId.toJSNumber())
  const service = m.className === "MessageService"
  const f = service ? undefined : m.fwdFrom
  const date = (s: number) => new Date(s * 1000).toISOString().replace("T", " ").slice(0, 19)
  return {
    topic_id: topic,
    reply_to_top_id: r?.replyToTopId ?? null,
    reply_quote: r?.quote ? r.quoteText ?? null : null,
    forward_from_id: f?.fromId ? marked(f.fromId) : null,
    forward_from_name: f ? (f.fromId ? names.get(peerKeyOf(f.fromId)) ?? f.fromName ?? null : f.fromName ?? null) : null,
    forward_date: f ? date(f.date) : null,
    forwarded_from_message_id: f?.channelPost ?? null,
    views: service ? null : m.views ?? null,
    forwards: service ? null : m.forwards ?? null,
    replies: service ? null : m.replies?.replies ?? null,
    discussion_id: !service && m.replies?.comments && m.replies.channelId ? -(1e12 + m.replies.channelId.toJSNumber()) : null,
    reactions: (m.reactions?.results ?? []).map((x) => {
      const chosen = x.chosenOrder !== undefined && x.chosenOrder !== null
      const re = x.reaction
      return re.className === "ReactionEmoji"
        ? { emoji: re.emoticon, count: x.count, chosen }
        : re.className === "ReactionCustomEmoji"
        ? { custom_emoji_id: re.documentId.toString(), count: x.count, chosen }
        : { paid: true, count: x.count, chosen }
    }),
    pinned: m.pinned ?? false,
    grouped_id: service ? null : m.groupedId?.toString() ?? null,
    via_bot_id: service ? null : m.viaBotId?.toJSNumber() ?? null,
    entities: (m.entities ?? []).map((e) => {
      const base = { type: e.className.replace("MessageEntity", "").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase(), offset: e.offset, length: e.length }
      const type = base.type === "text_url" ? "text_url" : base.type === "mention_name" ? "mention_name" : base.type
      if (e instanceof Api.MessageEntityTextUrl) return { ...base, type, url: e.url }
      if (e instanceof Api.MessageEntityUrl) return { ...base, type, url: m.message.slice(e.offset, e.offset + e.length) }
      if (e instanceof Api.MessageEntityMentionName) return { ...base, type, user_id: e.userId.toJSNumber() }
      if (e instanceof Api.MessageEntityPre) return { ...base, type, language: e.language }
      if (e instanceof Api.MessageEntityCustomEmoji) return { ...base, type, custom_emoji_id: e.documentId.toString() }
      return { ...base, type }
    })
  }
}

describe("DetailsOracle agrees with what the emulator serves", () => {
  it("for every scenario message of account 1001's dialogs and the discussion group (all but action, checked above)", () => {
    const world = World.fromScenario(JSON.parse(fs.readFileSync(new URL("../fixtures/sample.json", import.meta.url), "utf8")))
    const view = world.viewOfAccount(1001)
    const names = new Map<string, string>([
      ...scenario.users.map((u) => [`user:${u.id}`, `${u.firstName ?? ""} ${u.lastName ?? ""}`.trim() || u.username!] as [string, string]),
      ...scenario.channels.map((c) => [`channel:${c.id}`, c.title] as [string, string])
    ])
    let checked = 0
    const peers = [...view.account.dialogs.map((d) => d.peer), { kind: "channel" as const, id: 3005 }]
    for (const peer of peers) {
      const timeline = world.timelineOf(peer, peer.kind === "channel" ? null : 1001)!
      for (const m of timeline.explicitMessages()) {
        const rendered = view.message(timeline, m, new EntityRefs())
        const forum = peer.kind === "channel" && world.channels.get(peer.id)!.forum
        const { action: _a, ...expected } = expectedDetails(scenario, 1001, peer, m.id)
        expect({ peer, id: m.id, ...wireOf(rendered, forum, names) }).toEqual({ peer, id: m.id, ...expected })
        checked++
      }
    }
    expect(checked).toBeGreaterThan(40)
  })
})
