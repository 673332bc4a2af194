/**
 * min users and channels end to end (the emulator's `min_peers`): in a
 * supergroup's messages Telegram sends a forwarded channel and senders the
 * account has not met as `min` constructors, whose access hash the account
 * cannot use. The subscribed channel's history must still work after one of
 * its posts, forwarded into the group, has shown it as min; a sender known
 * only as min must be reachable for `from_user` through the message it was
 * seen in (InputPeerUserFromMessage).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type E2e, startE2e } from "../support/E2e.js"
import { countCalls, expectNoError, history, marked, messagesOf } from "./HistoryExpect.js"

const ME = 1001
const SESSION = "alice"
const NEWS = marked("channel:3001")
const GROUP = marked("channel:3002")

const scenario = {
  options: { realism: { min_peers: true } },
  users: [{ id: 1001, first_name: "Alice" }, { id: 1002, first_name: "Bob" }, { id: 1003, first_name: "Stranger" }],
  channels: [
    { id: 3001, title: "News", megagroup: false, creator: 1002, date: "2020-01-01 00:00:00" },
    { id: 3002, title: "Group", megagroup: true, creator: 1002, date: "2020-01-01 00:00:00" }
  ],
  accounts: [{ user: ME, dialogs: [{ peer: "user:1002" }, { peer: "channel:3001" }, { peer: "channel:3002" }] }],
  messages: [
    { peer: "user:1002", owner: ME, id: 1, date: "2024-01-01 09:00:00", from: "user:1002", text: "hello" },
    { peer: "channel:3001", id: 1, date: "2024-01-01 10:00:00", text: "first post" },
    { peer: "channel:3001", id: 2, date: "2024-01-01 11:00:00", text: "second post" },
    { peer: "channel:3002", id: 1, date: "2024-01-02 10:00:00", from: "user:1003", text: "a word from a stranger" },
    { peer: "channel:3002", id: 2, date: "2024-01-02 11:00:00", from: "user:1002", text: "look at this",
      fwd_from: { channel: 3001, channel_post: 2 } },
    // Id 4, not 3: in the realistic mode (TGSC_E2E_REALISM) search would return id 3 as a MessageEmpty (Realism.ts).
    { peer: "channel:3002", id: 4, date: "2024-01-02 12:00:00", from: "user:1002", text: "a word from a friend" }
  ]
}

let e2e: E2e

beforeAll(async () => {
  e2e = await startE2e({ scenario })
  await e2e.login(SESSION, ME)
})
afterAll(async () => {
  await e2e?.stop()
})

describe("min peers", () => {
  it("the emulator sends the forwarded channel as min in the group's history", async () => {
    expect((await (await e2e.control("/realism")).json() as { min_peers: boolean }).min_peers).toBe(true)
  })

  it("a subscribed channel's history still works after a forward of it showed it as min", async () => {
    const first = await history(e2e, SESSION, NEWS)
    expectNoError(first)
    expect(messagesOf(first).map((m) => m.message_id)).toEqual([1, 2])
    const group = await history(e2e, SESSION, GROUP)
    expectNoError(group)
    const forwarded = messagesOf(group).find((m) => m.message_id === 2)!
    expect(forwarded.forwarded_from_channel_id).toBe(NEWS)
    // Asked of Telegram again (not served from the cache): with the channel's own access hash, not the min one.
    const again = await countCalls(e2e, "messages.GetHistory", () => history(e2e, SESSION, NEWS, "force_refresh=true"))
    expectNoError(again.value)
    expect(again.count).toBeGreaterThanOrEqual(1)
    expect(messagesOf(again.value).map((m) => m.message_id)).toEqual([1, 2])
  })

  it("finds the messages of a sender known only as min, through the message it was seen in", async () => {
    const res = await e2e.api(`/api/v3/search/messages/${GROUP}?q=word&from_user=1003`, { session: SESSION })
    const body = await res.json() as { results: Array<{ message_id: number }>; detail?: string }
    expect(res.status, JSON.stringify(body)).toBe(200)
    expect(body.results.map((r) => r.message_id)).toEqual([1])
    const friend = await e2e.api(`/api/v3/search/messages/${GROUP}?q=word&from_user=1002`, { session: SESSION })
    expect(((await friend.json()) as { results: Array<{ message_id: number }> }).results.map((r) => r.message_id)).toEqual([4])
  })
})
