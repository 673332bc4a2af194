/**
 * HistoryFollow over fakes at the Telegram ports: the range, then the
 * dialog's new messages, with messages posted while the range was being
 * fetched neither lost nor repeated; and what follow refuses.
 */
import { Chunk, Effect, Exit, Stream } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { HistoryFollow } from "../../src/app/HistoryFollow.js"
import type { HistoryRequest } from "../../src/app/HistorySync.js"
import { everything } from "../../src/domain/AccessScope.js"
import { message } from "../adapters/sqlite/MessageFixtures.js"
import { makeWorld, type World } from "./LiveUpdatesSetup.js"
import { historyRequest } from "./HistorySyncSetup.js"

const CHANNEL = -1001234567890
const T = 1_700_000_000

const request = historyRequest

let world: World | null = null
afterEach(async () => {
  await world?.close()
  world = null
})

const idsOf = (events: ReadonlyArray<unknown>) =>
  events.flatMap((e) => {
    const event = e as { _tag: string; messages?: Array<{ message: { id: number } }>; message?: string }
    if (event._tag === "Chunk") return event.messages!.map((m) => m.message.id)
    if (event._tag === "Live") return [(JSON.parse(event.message!) as { message_id: number }).message_id]
    return []
  })

describe("HistoryFollow", () => {
  it("streams the range, then new messages, none lost or repeated when posted during the fill", async () => {
    world = await makeWorld()
    world.updates.post("alice", CHANNEL, message(1, T))
    world.history.set(CHANNEL, Array.from({ length: 250 }, (_, i) => message(i + 1, T + i)))
    world.start()
    await world.caughtUp("alice")
    const w = world
    // While the history's pages are asked for, three messages are posted (pushed to the loop too).
    w.history.beforeHistory = (n) =>
      Effect.sync(() => {
        if (n < 3) w.updates.post("alice", CHANNEL, message(251 + n, T + 300 + n))
      })
    const collected = world.run(Effect.flatMap(HistoryFollow, (f) =>
      f.stream(request(), everything).pipe(
        Stream.filter((e) => e._tag === "Chunk" || e._tag === "Live"),
        Stream.mapConcat((e) => idsOf([e]).map((id) => ({ id }))),
        Stream.takeUntil((e) => e.id === 255),
        Stream.runCollect,
        Effect.map(Chunk.toArray)
      )))
    // Once the range is out, two more come live.
    await new Promise((r) => setTimeout(r, 400))
    w.updates.post("alice", CHANNEL, message(254, T + 400))
    w.updates.post("alice", CHANNEL, message(255, T + 401))
    const ids = (await collected).map((e) => e.id)
    expect(ids).toEqual(Array.from({ length: 255 }, (_, i) => i + 1))
  })

  it("refuses an end date, reverse, a topic, and following off", async () => {
    world = await makeWorld({ follow: false })
    world.history.set(CHANNEL, [message(1, T)])
    world.start()
    const attempt = (r: HistoryRequest) =>
      world!.exit(Effect.flatMap(HistoryFollow, (f) => Stream.runDrain(f.stream(r, everything))))
    for (const r of [request({ endDate: T + 10 }), request({ reverse: true }), request({ scope: { _tag: "Topic", topicId: 1 } })]) {
      const exit = await attempt(r)
      expect(Exit.isFailure(exit) && JSON.stringify(exit.cause)).toContain("FollowNotPossible")
    }
    const off = await attempt(request())
    expect(Exit.isFailure(off) && JSON.stringify(off.cause)).toContain("UpdatesOff")
  })
})
