/**
 * Message search through its routes, in process (HttpApi web handler, no
 * socket), over a fake TelegramGateway holding one channel's matches:
 * paging Telegram 100 at a time, the contract's inverted date names, the
 * response shape, and Telegram failures as statuses.
 */
import { HttpApi, HttpApiBuilder, HttpServer } from "@effect/platform"
import { Duration, Effect, Either, Layer, Option } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { AccountCacheLive, AccountCacheOptionsTag } from "../../src/app/AccountCache.js"
import { AppConfig, type AppConfigShape } from "../../src/config/AppConfig.js"
import { MessagesGroup } from "../../src/http/messages/Api.js"
import { BadRequest, Unauthorized } from "../../src/http/ApiErrors.js"
import { DetailErrorsLive } from "../../src/http/DetailErrors.js"
import { MessagesHandlersLive } from "../../src/http/messages/Http.js"
import { SessionAuthLive } from "../../src/http/SessionAuth.js"
import { MessageSearchLive } from "../../src/app/MessageSearch.js"
import { CacheSearch } from "../../src/app/CacheSearch.js"
import type { DialogRecord } from "../../src/domain/Dialog.js"
import type { MessageRecord } from "../../src/domain/Message.js"
import { SessionStore } from "../../src/ports/SessionStore.js"
import {
  FloodWait,
  type GlobalSearchRequest,
  PeerNotFound,
  type SearchRequest,
  TelegramGateway,
  type TelegramGatewayService
} from "../../src/ports/TelegramGateway.js"
import { DialogId, MessageId } from "../../src/domain/Ids.js"
import { EMPTY_DETAILS } from "../../src/domain/MessageDetails.js"
import { NO_DETAILS } from "../support/MessageDetailsView.js"
import { dialogRecord } from "../support/DialogRecords.js"

/** The real API's messages group under the real API's name, so the real handlers serve it. */
class MessagesApi extends HttpApi.make("tgsc").add(MessagesGroup).addError(BadRequest).addError(Unauthorized) {}

const CHANNEL = DialogId(-1001234567890)
const SERVICE_CHAT = DialogId(777000)
const channel: DialogRecord = dialogRecord(CHANNEL, {
  kind: "channel",
  title: "Crypto News",
  username: "cryptonews",
  isVerified: true,
  participantsCount: 45231
})

const BASE = Date.UTC(2024, 0, 1) / 1000
const message = (id: number): MessageRecord => ({
  id: MessageId(id),
  date: BASE + id * 60,
  editDate: id === 250 ? BASE + id * 60 + 5 : null,
  senderId: 123456789,
  senderFirstName: "John",
  senderLastName: "Doe",
  senderUsername: "johndoe",
  text: `Bitcoin message ${id}`,
  replyTo: id === 250 ? 249 : null,
  postAuthor: null,
  isForwarded: false,
  forwardedFromChannelId: null,
  media: null,
  details: EMPTY_DETAILS
})

/** 250 matches in the channel, ids 250 (newest) down to 1, one a minute after BASE. */
const matches = Array.from({ length: 250 }, (_, i) => message(250 - i))

/** messages.search as Telegram applies it: exclusive dates, ids below offset_id, newest first. */
const searchChannel = (request: SearchRequest) => {
  const inRange = matches.filter((m) =>
    (request.minDate === null || m.date > request.minDate) && (request.maxDate === null || m.date < request.maxDate)
  )
  const page = inRange.filter((m) => request.offsetId === 0 || m.id < request.offsetId).slice(0, request.limit)
  return { messages: page, count: inRange.length, ids: page.map((m) => m.id) }
}

/** messages.searchGlobal over the same matches, paged by a cursor on the message id. */
const searchEverywhere = (request: GlobalSearchRequest) => {
  const older = matches.filter((m) => request.cursor === null || m.id < request.cursor.offsetId)
  const page = older.slice(0, request.limit)
  const last = page.at(-1)
  return {
    results: page.map((m) => ({ dialogId: CHANNEL, dialogTitle: "Crypto News", message: m })),
    count: matches.length,
    next: last === undefined || page.length === older.length ? null : { offsetRate: 0, offsetPeer: CHANNEL, offsetId: last.id }
  }
}

const config: AppConfigShape = {
  dataDir: "/nonexistent",
  host: "127.0.0.1",
  port: 0,
  settingsSeed: Option.none(),
  apiToken: Option.none(),
  floodThresholdSeconds: 120,
  dialogCacheTtlSeconds: 60,
  telegram: Either.right({ apiId: 1, apiHash: "x" }),
  logLevel: "none",
  logFormat: "text"
}

const disposers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(disposers.splice(0).map((dispose) => dispose()))
})

const serve = (overrides: Partial<TelegramGatewayService> = {}) => {
  const searches: Array<SearchRequest> = []
  const globalSearches: Array<GlobalSearchRequest> = []
  const gateway: TelegramGatewayService = {
    account: () => Effect.dieMessage("unused"),
    clockOffset: () => Effect.succeed(0),
    forget: () => Effect.void,
    history: () => Effect.dieMessage("unused"),
    thread: () => Effect.dieMessage("unused"),
    replies: () => Effect.dieMessage("unused"),
    topics: () => Effect.dieMessage("unused"),
    download: () => {
      throw new Error("unused")
    },
    folders: () => Effect.dieMessage("unused"),
    messageCount: () => Effect.dieMessage("unused"),
    messagesByIds: () => Effect.dieMessage("unused"),
    participantsCount: () => Effect.dieMessage("unused"),
    dialogs: () => Effect.succeed([channel]),
    search: (_, dialogId, request) => {
      searches.push(request)
      return dialogId === CHANNEL ? Effect.succeed(searchChannel(request)) : Effect.fail(new PeerNotFound({ dialogId }))
    },
    searchGlobal: (_, request) => {
      globalSearches.push(request)
      return Effect.succeed(searchEverywhere(request))
    },
    ...overrides
  }
  const api = HttpApiBuilder.api(MessagesApi).pipe(
    Layer.provide(MessagesHandlersLive),
    Layer.provide(SessionAuthLive),
    Layer.provide(MessageSearchLive),
    // source=cache is test/e2e/local-search.test.ts's: here only Telegram's search.
    Layer.provide(Layer.succeed(CacheSearch, CacheSearch.make({ search: () => Effect.die("no cache search in this test") }))),
    Layer.provide(AccountCacheLive),
    Layer.provide(Layer.succeed(AccountCacheOptionsTag, { timeToLive: Duration.seconds(60) })),
    Layer.provide(Layer.succeed(TelegramGateway, gateway)),
    Layer.provide(
      Layer.succeed(SessionStore, {
        exists: (name) => Effect.succeed(name === "alice"),
        load: () => Effect.succeed(Option.none()),
        save: () => Effect.void,
        remove: () => Effect.void,
        list: Effect.succeed([])
      })
    ),
    Layer.provide(Layer.succeed(AppConfig, config))
  )
  const web = HttpApiBuilder.toWebHandler(Layer.mergeAll(api, DetailErrorsLive, HttpServer.layerContext))
  disposers.push(web.dispose)
  const get = async (path: string) => {
    const res = await web.handler(new Request("http://test" + path, { headers: { "x-telegram-username": "alice" } }))
    return { status: res.status, headers: res.headers, body: await res.json() as any } // eslint-disable-line @typescript-eslint/no-explicit-any
  }
  return { get, searches, globalSearches }
}

const messageIds = (body: { results: ReadonlyArray<{ message_id: number }> }) => body.results.map((r) => r.message_id)

describe("GET /api/v3/search/messages/{dialog_id}", () => {
  it("answers the contract's result objects, with the dialog's name", async () => {
    const res = await serve().get(`/api/v3/search/messages/${CHANNEL}?q=bitcoin&limit=1`)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      query: "bitcoin",
      total: 250,
      limit: 1,
      results: [{
        message_id: 250,
        dialog_id: CHANNEL,
        dialog_name: "Crypto News",
        date: "2024-01-01 04:10:00",
        edit_date: "2024-01-01 04:10:05",
        sender_id: 123456789,
        first_name: "John",
        last_name: "Doe",
        username: "johndoe",
        message: "Bitcoin message 250",
        reply_to: 249,
        post_author: null,
        is_forwarded: 0,
        forwarded_from_channel_id: null,
        ...NO_DETAILS
      }]
    })
  })

  it("limit defaults to 50", async () => {
    const { get, searches } = serve()
    const res = await get(`/api/v3/search/messages/${CHANNEL}?query=bitcoin`)
    expect(res.body.limit).toBe(50)
    expect(messageIds(res.body)).toEqual(Array.from({ length: 50 }, (_, i) => 250 - i))
    expect(searches).toHaveLength(1)
  })

  it("pages Telegram at most 100 a request until the limit, each page older than the last", async () => {
    const { get, searches } = serve()
    const res = await get(`/api/v3/search/messages/${CHANNEL}?q=bitcoin&limit=250`)
    expect(messageIds(res.body)).toEqual(Array.from({ length: 250 }, (_, i) => 250 - i))
    expect(searches.map((s) => [s.limit, s.offsetId])).toEqual([[100, 0], [100, 151], [100, 51]])
  })

  it("stops when Telegram has no more, total being Telegram's count", async () => {
    const { get, searches } = serve()
    const res = await get(`/api/v3/search/messages/${CHANNEL}?q=bitcoin&limit=500`)
    expect(res.body).toMatchObject({ total: 250, limit: 500 })
    expect(res.body.results).toHaveLength(250)
    expect(searches).toHaveLength(3)
  })

  it("a short page is not the end: pages on (offsets past empty entries) until a page has nothing older, or the limit", async () => {
    // Every window of Telegram's answer has entries hidden from the account (not returned) and MessageEmpty ones
    // (their id only): ids divisible by 3 are hidden, by 5 empty.
    const shortPages = (request: SearchRequest) => {
      const window = matches.filter((m) => request.offsetId === 0 || m.id < request.offsetId).slice(0, request.limit)
      const shown = window.filter((m) => m.id % 3 !== 0)
      return Effect.succeed({ messages: shown.filter((m) => m.id % 5 !== 0), count: 250, ids: shown.map((m) => m.id) })
    }
    const visible = matches.filter((m) => m.id % 3 !== 0 && m.id % 5 !== 0).map((m) => m.id)
    const { get, searches } = serve({
      search: (_, _dialogId, request) => {
        searches.push(request)
        return shortPages(request)
      }
    })
    const all = await get(`/api/v3/search/messages/${CHANNEL}?q=bitcoin&limit=500`)
    expect(messageIds(all.body)).toEqual(visible)
    // Offsets move on the oldest entry of each page, empty ones included; the page after id 1 is empty.
    expect(searches.at(-1)).toMatchObject({ offsetId: 1 })
    searches.length = 0
    const some = await get(`/api/v3/search/messages/${CHANNEL}?q=bitcoin&limit=120`)
    expect(messageIds(some.body)).toEqual(visible.slice(0, 120))
    expect(searches.every((s, i) => i === 0 || s.offsetId < searches[i - 1]!.offsetId || searches[i - 1]!.offsetId === 0)).toBe(true)
  })

  it("start_date is the upper bound, end_date the lower; from_user is passed on", async () => {
    const { get, searches } = serve()
    const res = await get(
      `/api/v3/search/messages/${CHANNEL}?q=bitcoin&start_date=2024-01-01 02:00:00&end_date=2024-01-01 01:00:00&from_user=123456789`
    )
    expect(res.status).toBe(200)
    expect(searches[0]).toMatchObject({
      maxDate: Date.UTC(2024, 0, 1, 2) / 1000,
      minDate: Date.UTC(2024, 0, 1, 1) / 1000,
      fromUserId: 123456789
    })
    // Minutes 61..119 lie strictly between the bounds.
    expect(res.body.total).toBe(59)
    expect(messageIds(res.body)).toEqual(Array.from({ length: 50 }, (_, i) => 119 - i))
  })

  it("400 when end_date is not before start_date, for two different queries, or without a query", async () => {
    const { get, searches } = serve()
    const inverted = await get(`/api/v3/search/messages/${CHANNEL}?q=x&start_date=2024-01-01&end_date=2024-02-01`)
    expect(inverted.status).toBe(400)
    expect(inverted.body).toEqual({ detail: expect.stringMatching(/end_date must be earlier than start_date/) })
    const twice = await get(`/api/v3/search/messages/${CHANNEL}?q=x&query=y`)
    expect(twice.status).toBe(400)
    const blank = await get(`/api/v3/search/messages/${CHANNEL}?q=%20`)
    expect(blank.status).toBe(400)
    expect(blank.body.detail).toMatch(/'q'.*required/)
    expect(searches).toEqual([])
  })

  it("a blank q does not hide a given query", async () => {
    const res = await serve().get(`/api/v3/search/messages/${CHANNEL}?q=&query=bitcoin&limit=1`)
    expect(res.status).toBe(200)
    expect(res.body.query).toBe("bitcoin")
  })

  it("404 for a dialog the account cannot see", async () => {
    const res = await serve().get("/api/v3/search/messages/5?q=x")
    expect(res.status).toBe(404)
    expect(res.body).toEqual({ detail: "Dialog 5 not found: this account cannot see it" })
  })

  it("404 for Telegram's service chat 777000 (login codes), without asking Telegram, even though Telegram would answer", async () => {
    const asked: Array<number> = []
    const res = await serve({
      search: (_, dialogId, request) => {
        asked.push(dialogId)
        return Effect.succeed(searchChannel(request))
      }
    }).get(`/api/v3/search/messages/${SERVICE_CHAT}?q=code`)
    expect(res.status).toBe(404)
    expect(res.body).toEqual({ detail: `Dialog ${SERVICE_CHAT} not found: this account cannot see it` })
    expect(asked).toEqual([])
  })

  it("429 with Retry-After on a rate limit", async () => {
    const res = await serve({ search: () => Effect.fail(new FloodWait({ seconds: 30, method: "messages.Search" })) })
      .get(`/api/v3/search/messages/${CHANNEL}?q=x`)
    expect(res.status).toBe(429)
    expect(res.headers.get("retry-after")).toBe("30")
    expect(res.body).toEqual({ detail: "Telegram rate limit exceeded. Retry after 30 seconds." })
  })
})

describe("GET /api/v3/search/messages", () => {
  it("drops hits in Telegram's service chat 777000 and leaves them out of the total, still filling the limit", async () => {
    const login = (id: number) => ({ dialogId: SERVICE_CHAT, dialogTitle: "Telegram", message: { ...message(id), text: "Login code: 51234" } })
    // Telegram's answer: a login code first, another after the 120th channel message.
    const hits = matches.map((m) => ({ dialogId: CHANNEL, dialogTitle: "Crypto News", message: m }))
    const everything = [login(9001), ...hits.slice(0, 120), login(9000), ...hits.slice(120)]
    const { get, globalSearches } = serve({
      searchGlobal: (_, request) => {
        globalSearches.push(request)
        const start = request.cursor?.offsetId ?? 0
        const page = everything.slice(start, start + request.limit)
        const end = start + page.length
        return Effect.succeed({
          results: page,
          count: everything.length,
          next: end >= everything.length ? null : { offsetRate: 0, offsetPeer: CHANNEL, offsetId: end }
        })
      }
    })
    const some = await get("/api/v3/search/messages?q=code&limit=150")
    expect(some.body).toMatchObject({ total: 250, limit: 150 })
    expect(messageIds(some.body)).toEqual(Array.from({ length: 150 }, (_, i) => 250 - i))
    // Whole pages each time (a small one could be all hidden entries); a dropped hit costs no more here.
    expect(globalSearches.map((s) => s.limit)).toEqual([100, 100])
    const all = await get("/api/v3/search/messages?q=code&limit=500")
    expect(all.body).toMatchObject({ total: 250, limit: 500 })
    expect(all.body.results).toHaveLength(250)
    expect(JSON.stringify(all.body)).not.toMatch(/Login code|777000/)
  })

  it("searches every dialog, following Telegram's cursor up to the limit", async () => {
    const { get, globalSearches } = serve()
    const res = await get("/api/v3/search/messages?q=bitcoin&limit=150&start_date=2024-06-01")
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ query: "bitcoin", total: 250, limit: 150 })
    expect(messageIds(res.body)).toEqual(Array.from({ length: 150 }, (_, i) => 250 - i))
    expect(res.body.results.every((r: { dialog_id: number; dialog_name: string }) => r.dialog_id === CHANNEL && r.dialog_name === "Crypto News")).toBe(true)
    expect(globalSearches.map((s) => [s.limit, s.cursor?.offsetId ?? 0, s.maxDate])).toEqual([
      [100, 0, Date.UTC(2024, 5, 1) / 1000],
      [100, 151, Date.UTC(2024, 5, 1) / 1000]
    ])
  })

  it("a short page of a global search is not the end while Telegram names the next one", async () => {
    const { get, globalSearches } = serve({
      searchGlobal: (_, request) => {
        globalSearches.push(request)
        // Half of each window is hidden from the account; the cursor still moves on the whole window.
        const older = matches.filter((m) => request.cursor === null || m.id < request.cursor.offsetId)
        const window = older.slice(0, request.limit)
        const last = window.at(-1)
        return Effect.succeed({
          results: window.filter((m) => m.id % 2 === 0).map((m) => ({ dialogId: CHANNEL, dialogTitle: "Crypto News", message: m })),
          count: 250,
          next: last === undefined ? null : { offsetRate: 0, offsetPeer: CHANNEL, offsetId: last.id }
        })
      }
    })
    const res = await get("/api/v3/search/messages?q=bitcoin&limit=200")
    expect(messageIds(res.body)).toEqual(matches.filter((m) => m.id % 2 === 0).map((m) => m.id))
    expect(globalSearches.at(-1)?.cursor?.offsetId).toBe(1)
  })

  it("429 with Retry-After on a rate limit", async () => {
    const res = await serve({ searchGlobal: () => Effect.fail(new FloodWait({ seconds: 7, method: "messages.SearchGlobal" })) })
      .get("/api/v3/search/messages?q=x")
    expect(res.status).toBe(429)
    expect(res.headers.get("retry-after")).toBe("7")
    expect(res.body).toEqual({ detail: "Telegram rate limit exceeded. Retry after 7 seconds." })
  })
})
