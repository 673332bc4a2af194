/**
 * Live updates across server restarts (issue 18, reliability): the real
 * tgsc-server process with --follow-updates is stopped ten times, by
 * SIGKILL and SIGTERM in turn, while the emulator posts, edits and deletes
 * messages in two channels, a supergroup, a private chat and a basic group,
 * some right before a stop (work in flight), some while no server runs.
 * A client that resumes from the last event id it received (Last-Event-ID
 * or since=) is told every change exactly once, in each message box's
 * order, ending with each message's final state (LiveChangesOracle.ts);
 * its ids run on without a repeat or a gap, and the persisted log reads the
 * same afterwards; the caches and their histories equal the emulator's
 * dialogs. The operations, stops and waits come from a seeded generator:
 * TGSC_E2E_SEED repeats a run (the seed is in the test's name), and a
 * failure prints the journal of what was done.
 */
import * as path from "node:path"
import Database from "better-sqlite3"
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest"
import { parsePeer } from "../emulator/Scenario.js"
import { type E2e, startE2e } from "../support/E2e.js"
import { realismFromEnv, shownInHistory } from "../emulator/Realism.js"
import { followUpdates, type UpdatesFollower } from "../support/UpdatesFollower.js"
import { expectNoError, history, marked, messagesOf } from "./HistoryExpect.js"
import { type Box, type BoxChange, checkBox } from "./LiveChangesOracle.js"

const SEED = Number(process.env.TGSC_E2E_SEED ?? 18_010)
const RESTARTS = 10
const ALICE = "alice"
const ACCOUNT = 1001

interface Dialog {
  readonly peer: string
  /** The account whose copy it is (private chats and basic groups). */
  readonly owner?: number
  readonly from?: string
}

const DIALOGS: ReadonlyArray<Dialog> = [
  { peer: "channel:3001" },
  { peer: "channel:3003" },
  { peer: "channel:3002", from: "user:1003" },
  { peer: "user:1002", owner: ACCOUNT, from: "user:1002" },
  { peer: "chat:2001", owner: ACCOUNT, from: "user:1003" }
]

/** A small seeded generator (mulberry32). */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

let e2e: E2e
/** The URL of the server running now; null while it is stopped (the follower waits). */
let running: string | null = null
const wake: Array<(url: string) => void> = []
const serverUrl = () => (running !== null ? Promise.resolve(running) : new Promise<string>((resolve) => wake.push(resolve)))
const setRunning = (url: string | null) => {
  running = url
  if (url !== null) for (const resolve of wake.splice(0)) resolve(url)
}

const control = async (method: string, target: string, body?: unknown) => {
  const res = await e2e.control(target, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
  if (res.status !== 200) throw new Error(`${method} ${target}: ${res.status} ${await res.text()}`)
  return (await res.json()) as Record<string, unknown>
}
const timelineOf = (d: Dialog) => e2e.world.timelineOf(parsePeer(d.peer)!, d.owner ?? null)!
const dialogOfId = new Map(DIALOGS.map((d) => [marked(d.peer), d]))

/** The dialog's messages as the emulator holds them now, by id. */
const worldMessages = (d: Dialog): Array<[number, string]> => {
  const t = timelineOf(d)
  return Array.from({ length: t.count }, (_, k) => t.idAtDesc(k)).reverse().map((id) => [id, t.message(id)!.text])
}

beforeAll(async () => {
  e2e = await startE2e({ scenario: "test/fixtures/sample.json", serverArgs: ["--follow-updates"] })
  await e2e.login(ALICE, ACCOUNT)
  // No media downloads: nothing here reads the files, and each restart's catch-up is quicker without.
  const settings = await e2e.api("/api/v3/settings", {
    session: ALICE,
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ download_media: false })
  })
  expect(settings.status).toBe(200)
  // Every dialog cached whole: the live changes are applied to the caches from here on.
  for (const d of DIALOGS) expectNoError(await history(e2e, ALICE, marked(d.peer), "start_date=2020-01-01"))
  setRunning(e2e.server.url)
}, 60_000)

/** Every follower started, stopped at the end even when the test failed half-way (they would keep reconnecting). */
const followers: Array<UpdatesFollower> = []
const follow = (since: number) => {
  const follower = followUpdates({ server: serverUrl, session: ALICE, since })
  followers.push(follower)
  return follower
}

afterAll(async () => {
  await Promise.all(followers.map((f) => f.stop()))
  await e2e?.stop()
})

/** Waits until the account's updates loop has persisted the state it follows from (nothing earlier is told). */
const followingStarted = async () => {
  const file = path.join(e2e.server.dataDir, "accounts", String(ACCOUNT), "updates.db")
  const deadline = Date.now() + 20_000
  for (;;) {
    try {
      const db = new Database(file, { readonly: true, fileMustExist: true })
      const row = db.prepare("SELECT pts FROM state").get()
      db.close()
      if (row !== undefined) return
    } catch {
      // Not created yet.
    }
    if (Date.now() > deadline) throw new Error(`the updates loop never persisted its state:\n${e2e.server.output()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** The emulator's changes of each box since the pts it had at `start`. */
const boxesSince = async (start: Record<string, unknown>): Promise<Array<Box>> => {
  type Raw = { pts: number; kind: BoxChange["kind"]; peer: string; ids: Array<number> }
  const changes = async (query: string) =>
    ((await control("GET", `/updates/changes?${query}`)).changes as Array<Raw>).map((c) => ({ ...c, dialogId: marked(c.peer) }))
  const startChannels = start.channels as Record<string, number>
  const channels = DIALOGS.filter((d) => d.owner === undefined)
  return [
    {
      name: "common box",
      dialogIds: DIALOGS.filter((d) => d.owner !== undefined).map((d) => marked(d.peer)),
      common: true,
      changes: await changes(`user_id=${ACCOUNT}&since=${start.pts as number}`)
    },
    ...await Promise.all(channels.map(async (d) => ({
      name: d.peer,
      dialogIds: [marked(d.peer)],
      common: false,
      changes: await changes(`peer=${d.peer}&since=${startChannels[parsePeer(d.peer)!.id]}`)
    })))
  ]
}

describe("live updates while the server is stopped and killed again and again", () => {
  it(`${RESTARTS} restarts (SIGKILL, SIGTERM in turn): every change told once, in order; caches as the emulator (seed ${SEED})`, async () => {
    const random = seeded(SEED)
    const pick = <A>(list: ReadonlyArray<A>): A => list[Math.floor(random() * list.length)]!
    const journal: Array<string> = []
    let follower: UpdatesFollower | null = null
    onTestFailed(() => {
      console.error(`live-updates-restarts: seed ${SEED}; what was done:\n${journal.join("\n")}`)
      if (follower === null) return
      const told = follower.events.map((e) => {
        const ids = e.data.message_ids ?? [e.data.message_id]
        return `  ${e.id} (connection ${e.connection}) ${e.event} ${e.data.dialog_id} ${ids.join(",")} ${e.data.message ?? ""}`
      })
      console.error(`events received:\n${told.join("\n")}\nconnection troubles:\n${follower.troubles.join("\n")}`)
    })

    await followingStarted()
    const start = await control("GET", `/updates/state?user_id=${ACCOUNT}`)
    const preexisting = new Set(DIALOGS.flatMap((d) => worldMessages(d).map(([id]) => `${marked(d.peer)}:${id}`)))
    // What the caches hold at the start. Under realistic short pages, a message the account's history never shows (by
    // its id) was never cached, nor are its live edits; every message posted during the run comes live, and is.
    const shortPages = realismFromEnv()?.short_pages === true
    const cachedAtStart = new Set(DIALOGS.flatMap((d) =>
      worldMessages(d).filter(([id]) => !shortPages || shownInHistory(parsePeer(d.peer)!, id)).map(([id]) => `${marked(d.peer)}:${id}`)
    ))
    const changed = new Set<string>()
    follower = follow(0)

    const post = async (d: Dialog, text: string) => {
      const placed = await control("POST", "/messages", {
        // No date: the emulator dates it by its own clock, as Telegram does (realism sets that clock behind ours).
        messages: [{ peer: d.peer, ...(d.owner === undefined ? {} : { owner: d.owner }), ...(d.from === undefined ? {} : { from: d.from }), text }]
      })
      const id = (placed.messages as Array<{ id: number }>)[0]!.id
      changed.add(`${marked(d.peer)}:${id}`)
      journal.push(`  post ${d.peer} ${id} ${JSON.stringify(text)}`)
      return id
    }
    /** One random change: a post, an edit (of a message, not of a service message) or a deletion in a random dialog. */
    const change = async (label: string) => {
      const d = pick(DIALOGS)
      const roll = random()
      const ids = worldMessages(d).map(([id]) => id).filter((id) => roll >= 0.8 || timelineOf(d).message(id)!.action === null)
      if (roll < 0.5 || ids.length < 3) return void await post(d, `post ${label}`)
      const id = pick(ids)
      const owner = d.owner === undefined ? {} : { owner: d.owner }
      changed.add(`${marked(d.peer)}:${id}`)
      if (roll < 0.8) {
        journal.push(`  edit ${d.peer} ${id} "edit ${label}"`)
        await control("POST", "/messages", { messages: [{ peer: d.peer, ...owner, id, text: `edit ${label}` }] })
      } else {
        journal.push(`  delete ${d.peer} ${id}`)
        await control("DELETE", "/messages", { peer: d.peer, ...owner, id })
      }
    }
    const changes = async (label: string, count: number) => {
      for (let k = 0; k < count; k++) await change(`${label}.${k}`)
    }

    let waitedRounds = 0
    for (let round = 0; round < RESTARTS; round++) {
      journal.push(`round ${round}: while running`)
      await changes(`r${round}up`, 2 + Math.floor(random() * 5))
      const last = await post(pick(DIALOGS), `last r${round}`)
      // Two rounds in four (a SIGKILL and a SIGTERM) the client sees the round's last post before the stop. In the others
      // the stop comes a random moment later (while the new server catches up, or applies what came), with a change
      // made while it stops.
      const waited = round % 4 < 2
      const signal = round % 2 === 0 ? "SIGKILL" : "SIGTERM"
      let stopping = Promise.resolve()
      if (waited) {
        waitedRounds++
        journal.push("  (waited for it)")
        await follower.waitFor(`new_message ${last} of round ${round}`, (e) => e.event === "new_message" && e.data.message === `last r${round}`)
      } else {
        const moment = Math.floor(random() * 400)
        journal.push(`  (${moment} ms later: ${signal}, and while stopping)`)
        await new Promise((r) => setTimeout(r, moment))
        stopping = changes(`r${round}stopping`, 1)
      }
      journal.push(`round ${round}: ${signal}, then while stopped`)
      setRunning(null)
      const code = await e2e.server.stop(signal)
      // SIGTERM stops gracefully (exit code 0); a killed process has no exit code.
      expect(code).toBe(signal === "SIGTERM" ? 0 : null)
      await stopping
      await e2e.restart(signal, () => changes(`r${round}down`, 2 + Math.floor(random() * 5)))
      setRunning(e2e.server.url)
    }

    // One last post in every dialog: once each is told, so is everything before it in its box.
    journal.push("the end: one post in every dialog")
    const ends = new Map<number, number>()
    for (const d of DIALOGS) ends.set(marked(d.peer), await post(d, `end of ${d.peer}`))
    for (const [dialogId, id] of ends) {
      await follower.waitFor(`new_message ${id} of ${dialogId}`, (e) => e.event === "new_message" && e.data.dialog_id === dialogId && e.data.message_id === id)
    }
    await follower.stop()
    const events = [...follower.events]

    // Event ids: one after another from the first, none repeated, none skipped, across every reconnection.
    expect(events.map((e) => e.id)).toEqual(events.map((_, k) => k + 1))
    // Each round waited for was told on a connection of its own; they resumed both ways.
    expect(new Set(events.map((e) => e.connection)).size).toBeGreaterThanOrEqual(waitedRounds)
    expect(new Set(events.filter((e) => e.connection > 1).map((e) => e.resumedBy))).toEqual(new Set(["last-event-id", "since"]))
    // The persisted log reads the same in one go.
    const again = follow(0)
    await again.waitFor(`id ${events.length}`, (e) => e.id === events.length)
    await again.stop()
    expect(again.events.map(({ id, event, data }) => ({ id, event, data }))).toEqual(events.map(({ id, event, data }) => ({ id, event, data })))

    // Every change told once and in order, each message's final state last.
    const world = {
      textOf: (dialogId: number, id: number) => timelineOf(dialogOfId.get(dialogId)!).message(id)?.text,
      preexisting: (dialogId: number, id: number) => preexisting.has(`${dialogId}:${id}`),
      cached: (dialogId: number, id: number) => cachedAtStart.has(`${dialogId}:${id}`)
    }
    const boxes = await boxesSince(start)
    expect(boxes.flatMap((b) => b.changes.flatMap((c) => c.ids.map((id) => `${c.dialogId}:${id}`))).every((key) => changed.has(key))).toBe(true)
    expect(boxes.flatMap((box) => checkBox(box, events, world))).toEqual([])

    // The caches hold what the emulator holds: the rows the live changes were applied to, and the history served from them.
    const cachedOf = (d: Dialog) =>
      worldMessages(d).filter(([id]) => !preexisting.has(`${marked(d.peer)}:${id}`) || cachedAtStart.has(`${marked(d.peer)}:${id}`))
    for (const d of DIALOGS) {
      const id = marked(d.peer)
      const db = new Database(path.join(e2e.server.dataDir, "accounts", String(ACCOUNT), "dialogs", String(id), `${id}.db`), { readonly: true })
      const rows = db.prepare("SELECT id, text FROM messages ORDER BY id").all() as Array<{ id: number; text: string }>
      db.close()
      expect(rows.map((r) => [r.id, r.text]), d.peer).toEqual(cachedOf(d))
      const body = await history(e2e, ALICE, id, "start_date=2020-01-01")
      expectNoError(body)
      // History goes by date, the emulator's timeline by id (generated messages' dates do not follow their ids).
      const served = messagesOf(body).map((m): [number, string] => [m.message_id, m.message]).sort(([a], [b]) => a - b)
      expect(served, d.peer).toEqual(cachedOf(d))
    }
  }, 120_000)
})
