/** The session's entity rows: one per peer, however many answers name it, and still found by id. */
import bigInt from "big-integer"
import { Api } from "telegram"
import { StringSession } from "telegram/sessions/index.js"
import { describe, expect, it } from "vitest"
import { keepFirstEntityRows } from "../../../src/adapters/telegram/SessionEntities.js"

const rows = (session: StringSession) => (session as unknown as { _entities: Set<ReadonlyArray<unknown>> })._entities

const channel = (accessHash: number) =>
  new Api.Channel({ id: bigInt(3001), accessHash: bigInt(accessHash), title: "Bench", photo: new Api.ChatPhotoEmpty(), date: 0 })
const user = new Api.User({ id: bigInt(1001), accessHash: bigInt(77), firstName: "Ann" })
const page = (accessHash = 55) => new Api.messages.ChannelMessages({ pts: 1, count: 1, messages: [], topics: [], chats: [channel(accessHash)], users: [user] })

describe("keepFirstEntityRows", () => {
  it("GramJS alone adds a row for every answer naming a peer", () => {
    const session = new StringSession("")
    for (let i = 0; i < 3; i++) session.processEntities(page())
    expect(rows(session).size).toBe(6)
  })

  it("keeps one row per peer, the first, which is what a lookup by id finds", () => {
    const session = new StringSession("")
    keepFirstEntityRows(session)
    for (let i = 0; i < 100; i++) session.processEntities(page(55 + i))
    expect(rows(session).size).toBe(2)
    const byId = (id: string) => (session.getEntityRowsById(id) as ReadonlyArray<unknown> | undefined)?.map(String)
    expect(byId("-1003001")).toEqual(["-1003001", "55"])
    expect(byId("1001")).toEqual(["1001", "77"])
  })

  it("still adds peers it has not seen", () => {
    const session = new StringSession("")
    keepFirstEntityRows(session)
    session.processEntities(page())
    session.processEntities(new Api.messages.Chats({ chats: [new Api.Chat({ id: bigInt(42), title: "g", photo: new Api.ChatPhotoEmpty(), participantsCount: 1, date: 0, version: 0 })] }))
    expect(rows(session).size).toBe(3)
  })
})
