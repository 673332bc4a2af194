/**
 * read_history of a forum topic or a thread (issue 17) against the emulator's
 * sample world: the topic's messages exactly, in pages whose cursors keep the
 * topic; a channel post's comments; both together, or a cursor of another
 * topic, refused; a dialog that is not a forum told as such.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ALICE, type McpWorld, startMcpWorld, textOf } from "./McpFixture.js"

const FORUM = -1000000003006
const NEWS = -1000000003001

let w: McpWorld
let client: Client

beforeAll(async () => {
  w = await startMcpWorld({ big: false })
  await w.login(ALICE, 1001)
  client = await w.connect(ALICE)
}, 60_000)

afterAll(async () => {
  await w?.stop()
})

const call = async (args: Record<string, unknown>) =>
  (await client.callTool({ name: "read_history", arguments: args }, undefined, { timeout: 60_000 })) as any

const ids = (result: any): Array<number> => (result.structuredContent.messages as Array<{ message_id: number }>).map((m) => m.message_id)

describe("read_history of a topic or thread", () => {
  it("reads a topic page by page, the cursor keeping the topic", async () => {
    const pages: Array<Array<number>> = []
    let result = await call({ dialog_id: FORUM, topic_id: 3, max_tokens: 200, format: "json" })
    for (;;) {
      expect(result.isError, textOf(result)).toBeFalsy()
      pages.push(ids(result))
      const cursor = result.structuredContent.next_cursor
      if (cursor === null) break
      result = await call({ dialog_id: FORUM, cursor, max_tokens: 200, format: "json" })
    }
    // Trips (topic 3): its creation, the two posts, the album.
    expect(pages.flat()).toEqual([3, 4, 5, 10, 11])
    const back = await call({ dialog_id: FORUM, topic_id: 3, reverse: true, format: "json" })
    expect(ids(back)).toEqual([11, 10, 5, 4, 3])
  })

  it("reads a channel post's comments with thread", async () => {
    const result = await call({ dialog_id: NEWS, thread: 1, format: "json" })
    expect(result.isError, textOf(result)).toBeFalsy()
    expect(ids(result)).toEqual([3, 4, 5])
  })

  it("refuses both together, a cursor of another topic, and a topic of a dialog that is no forum", async () => {
    const both = await call({ dialog_id: FORUM, topic_id: 3, thread: 4 })
    expect(both.isError).toBe(true)
    expect(textOf(both)).toMatch(/topic_id or thread/)
    const first = await call({ dialog_id: FORUM, topic_id: 1, max_tokens: 200 })
    const cursor = first.structuredContent.next_cursor
    expect(cursor).not.toBeNull()
    const other = await call({ dialog_id: FORUM, topic_id: 3, cursor })
    expect(other.isError).toBe(true)
    expect(textOf(other)).toMatch(/another topic or thread/)
    const noForum = await call({ dialog_id: NEWS, topic_id: 1 })
    expect(noForum.isError).toBe(true)
    expect(textOf(noForum)).toMatch(/not a forum/)
  })
})
