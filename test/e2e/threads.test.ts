/**
 * Forum topics and comment threads end to end (issue 17): the sample
 * scenario's forum (Hiking Club, channel:3006) and Crypto News' discussion
 * group, through GET /api/v3/history's topic_id and thread, against the
 * emulator. Expected messages come from the scenario (its topic rule: a
 * topic_create is its own topic, else `topic`, else General).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { countCalls, expectNoError, history, loadFixture, marked, messagesOf } from "./HistoryExpect.js"

const SAMPLE = "test/fixtures/sample.json"
const ALICE = "alice"
const FORUM = marked("channel:3006")
const NEWS = marked("channel:3001")
const GROUP = marked("channel:3005")

interface Spec {
  readonly peer: string
  readonly id: number
  readonly topic?: number
  readonly reply_to?: number
  readonly reply_to_top_id?: number
  readonly action?: { readonly type: string }
}
const specs = (loadFixture(SAMPLE) as { messages: Array<Spec> }).messages
const topicOf = (m: Spec) => (m.action?.type === "topic_create" ? m.id : m.topic ?? 1)
const topicIds = (topic: number) =>
  specs.filter((m) => m.peer === "channel:3006" && topicOf(m) === topic).map((m) => m.id).sort((a, b) => a - b)
/** Comments of Crypto News post 1: replies in the group to the post's copy. */
const copyOfPost1 = (specs as Array<Spec & { discussion_of?: number }>).find((m) => m.peer === "channel:3005" && m.discussion_of === 1)!.id
const comments = specs.filter((m) => m.peer === "channel:3005" && (m.reply_to_top_id ?? m.reply_to) === copyOfPost1).map((m) => m.id)

const ids = (messages: ReadonlyArray<object>) => messages.map((m) => (m as { readonly message_id: number }).message_id)

let e2e: E2e

beforeAll(async () => {
  e2e = await startE2e({ scenario: SAMPLE })
  await e2e.login(ALICE, 1001)
})

afterAll(async () => {
  await e2e?.stop()
})

describe("history of a topic or thread", () => {
  it("streams each topic's messages exactly, both directions; again from the cache without Telegram", async () => {
    for (const topic of [1, 3, 6]) {
      const expected = topicIds(topic)
      expect(expected.length).toBeGreaterThan(0)
      const first = await history(e2e, ALICE, FORUM, `topic_id=${topic}&chunk_size=2`)
      expectNoError(first)
      expect(ids(messagesOf(first))).toEqual(expected)
      const back = await countCalls(e2e, "messages.GetReplies", () => history(e2e, ALICE, FORUM, `topic_id=${topic}&reverse=true&end_date=2025-01-01`))
      expect(ids(messagesOf(back.value))).toEqual([...expected].reverse())
      const again = await countCalls(e2e, "messages.GetReplies", () => history(e2e, ALICE, FORUM, `topic_id=${topic}&end_date=2025-01-01`))
      expect(ids(messagesOf(again.value))).toEqual(expected)
      expect(again.count).toBe(0)
    }
  })

  it("thread= on a channel post streams its comments from the discussion group", async () => {
    expect(comments.length).toBeGreaterThan(0)
    const body = await history(e2e, ALICE, NEWS, "thread=1")
    expectNoError(body)
    expect(ids(messagesOf(body))).toEqual(comments)
    // Cached in the discussion group: the same thread read there, and both again, ask Telegram nothing.
    const inGroup = await history(e2e, ALICE, GROUP, `thread=${copyOfPost1}`)
    expect(ids(messagesOf(inGroup))).toEqual(comments)
    for (const [dialog, root] of [[NEWS, 1], [GROUP, copyOfPost1]] as const) {
      const again = await countCalls(e2e, "messages.GetReplies", () => history(e2e, ALICE, dialog, `thread=${root}&end_date=2025-01-01`))
      expect(ids(messagesOf(again.value))).toEqual(comments)
      expect(again.count).toBe(0)
    }
    expect(await countCalls(e2e, "messages.GetDiscussionMessage", () => history(e2e, ALICE, NEWS, "thread=1&end_date=2025-01-01")))
      .toMatchObject({ count: 0 })
  })

  it("thread= on a supergroup message streams the replies whose thread it roots", async () => {
    // In the discussion group (a supergroup), each message's thread root is its reply_to_top_id, else its reply_to.
    const group = specs.filter((m) => m.peer === "channel:3005")
    for (const root of group.map((m) => m.id)) {
      const expected = group.filter((m) => (m.reply_to_top_id ?? m.reply_to) === root && m.id !== root).map((m) => m.id)
      const body = await history(e2e, ALICE, GROUP, `thread=${root}`)
      expectNoError(body)
      expect(ids(messagesOf(body)), `thread ${root}`).toEqual(expected)
    }
  })

  it("answers 400 and 404 with the reason", async () => {
    const status = async (dialog: number, query: string) => {
      const res = await e2e.api(`/api/v3/history/${dialog}?${query}`, { session: ALICE })
      const text = await res.text()
      if (!text.startsWith("{")) throw new Error(`${query}: ${res.status} ${text.slice(0, 300)}`)
      return { status: res.status, detail: (JSON.parse(text) as { detail: string }).detail }
    }
    expect((await status(FORUM, "topic_id=3&thread=4")).status).toBe(400)
    const noForum = await status(NEWS, "topic_id=1")
    expect(noForum.status).toBe(400)
    expect(noForum.detail).toMatch(/not a forum/)
    // Post 2 has its discussion thread, with no comment yet: an empty history, not an error.
    const empty = await history(e2e, ALICE, NEWS, "thread=2")
    expectNoError(empty)
    expect(messagesOf(empty)).toEqual([])
    // A channel without a discussion group: its posts have no comments.
    const notes = marked("channel:3003")
    const post = ids(messagesOf(await history(e2e, ALICE, notes, "end_date=2030-01-01&reverse=true&chunk_size=1")))[0]!
    const noComments = await status(notes, `thread=${post}`)
    expect(noComments.status).toBe(400)
    expect(noComments.detail).toMatch(/no comments/)
    expect((await status(FORUM, "topic_id=999")).status).toBe(404)
    expect((await status(NEWS, "thread=99999")).status).toBe(404)
    expect((await status(1002, "thread=1")).status).toBe(400)
  })

  it("message search with topic_id finds only that topic's messages (top_msg_id); 400 and 404 as history", async () => {
    const search = async (dialog: number, query: string) => {
      const res = await e2e.api(`/api/v3/search/messages/${dialog}?${query}`, { session: ALICE })
      return { status: res.status, body: (await res.json()) as { detail?: string; results?: Array<{ message_id: number }> } }
    }
    const all = await search(FORUM, "q=hut")
    expect(all.status).toBe(200)
    const everywhere = all.body.results!.map((r) => r.message_id).sort((a, b) => a - b)
    const inTrips = await search(FORUM, "q=hut&topic_id=3")
    expect(inTrips.status).toBe(200)
    const trips = new Set(topicIds(3))
    expect(inTrips.body.results!.map((r) => r.message_id).sort((a, b) => a - b)).toEqual(everywhere.filter((id) => trips.has(id)))
    expect(everywhere.length).toBeGreaterThan(inTrips.body.results!.length)
    expect(inTrips.body.results!.length).toBeGreaterThan(0)
    expect((await search(NEWS, "q=moon&topic_id=1")).status).toBe(400)
    expect((await search(FORUM, "q=hut&topic_id=999")).status).toBe(404)
    expect((await search(FORUM, "q=hut&topic_id=3&source=cache")).status).toBe(400)
  })

  it("lists the forum's topics with the cached message counts of fully cached ones, q by fuzzy title; 400 and 404", async () => {
    const topicsOf = async (dialog: number, query = "") => {
      const res = await e2e.api(`/api/v3/dialogs/${dialog}/topics${query === "" ? "" : `?${query}`}`, { session: ALICE })
      return { status: res.status, body: (await res.json()) as Record<string, unknown> }
    }
    const created = (specs as Array<Spec & { action?: { type: string; title?: string } }>)
      .filter((m) => m.peer === "channel:3006" && m.action?.type === "topic_create")
    const all = await topicsOf(FORUM)
    expect(all.status).toBe(200)
    const listed = all.body.topics as Array<{ id: number; title: string; message_count: number | null; closed: boolean; pinned: boolean }>
    expect(all.body.total).toBe(created.length + 1)
    expect(listed.map((t) => t.id).sort((a, b) => a - b)).toEqual([1, ...created.map((m) => m.id)].sort((a, b) => a - b))
    for (const m of created) expect(listed.find((t) => t.id === m.id)!.title).toBe(m.action!.title)
    expect(listed.find((t) => t.id === 6)!.closed).toBe(true)
    expect(listed.find((t) => t.id === 3)!.pinned).toBe(true)
    // The history test before this one cached every topic whole.
    for (const t of listed) expect(t.message_count).toBe(topicIds(t.id).length)
    const trips = await topicsOf(FORUM, "q=trip")
    expect((trips.body.topics as Array<{ id: number }>)[0]!.id).toBe(3)
    expect((trips.body.topics as Array<{ score: number }>).every((t) => t.score >= 0.8)).toBe(true)
    expect((await topicsOf(NEWS)).status).toBe(400)
    expect((await topicsOf(1002)).status).toBe(400)
    expect((await topicsOf(marked("channel:999999"))).status).toBe(404)
  })
})
