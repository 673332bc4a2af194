/**
 * The dialog search and folder routes in process (HttpApi web handler, no
 * socket) over a fake TelegramGateway: parameters, statuses, the {"detail"}
 * shape, and how Telegram failures reach the client (429 + Retry-After,
 * 401, 404, 502).
 */
import { HttpApi, HttpApiBuilder, HttpServer } from "@effect/platform"
import { Duration, Effect, Either, Layer, Option } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { AccountCacheLive, AccountCacheOptionsTag } from "../../src/app/AccountCache.js"
import { AppConfig, type AppConfigShape } from "../../src/config/AppConfig.js"
import { DialogSearchLive } from "../../src/app/DialogSearch.js"
import { DialogsGroup } from "../../src/http/dialogs/Api.js"
import { BadRequest, Unauthorized } from "../../src/http/ApiErrors.js"
import { DetailErrorsLive } from "../../src/http/DetailErrors.js"
import { DialogsHandlersLive } from "../../src/http/dialogs/Http.js"
import { SessionAuthLive } from "../../src/http/SessionAuth.js"
import type { DialogRecord, FolderRule } from "../../src/domain/Dialog.js"
import { SessionStore } from "../../src/ports/SessionStore.js"
import {
  FloodWait,
  SessionRevoked,
  TelegramGateway,
  type TelegramGatewayService,
  TelegramUnavailable
} from "../../src/ports/TelegramGateway.js"
import { DialogId } from "../../src/domain/Ids.js"

/** The real API's dialogs group under the real API's name, so the real handlers serve it. */
class DialogsApi extends HttpApi.make("tgsc").add(DialogsGroup).addError(BadRequest).addError(Unauthorized) {}

const channel: DialogRecord = {
  id: DialogId(-1001234567890),
  kind: "channel",
  title: "Crypto News",
  username: "cryptonews",
  isCreator: false,
  isVerified: true,
  isContact: false,
  isArchived: false,
  isPinned: false,
  isMuted: false,
  isForum: false,
  unreadCount: 5,
  participantsCount: 45231,
  lastMessageDate: Date.UTC(2024, 0, 15, 14, 30) / 1000,
  lastMessagePreview: "Breaking: Bitcoin hits...",
  createdDate: Date.UTC(2020, 2, 10, 12) / 1000
}
const friend: DialogRecord = { ...channel, id: DialogId(123456789), kind: "user", title: "John Doe", username: "johndoe", isVerified: false, participantsCount: null, createdDate: null }
const work: FolderRule = {
  id: 1,
  title: "Work",
  includePeers: [channel.id],
  excludePeers: [],
  pinnedPeers: [],
  contacts: false,
  nonContacts: false,
  groups: false,
  broadcasts: false,
  bots: false,
  excludeMuted: false,
  excludeRead: false,
  excludeArchived: false
}

const gatewayOf = (overrides: Partial<TelegramGatewayService>): TelegramGatewayService => ({
  account: () => Effect.dieMessage("unused"),
  clockOffset: () => Effect.succeed(0),
  forget: () => Effect.void,
  history: () => Effect.dieMessage("unused"),
  thread: () => Effect.dieMessage("unused"),
  replies: () => Effect.dieMessage("unused"),
  topics: () => Effect.dieMessage("unused"),
  search: () => Effect.dieMessage("unused"),
  searchGlobal: () => Effect.dieMessage("unused"),
  download: () => {
    throw new Error("unused")
  },
  dialogs: () => Effect.succeed([channel, friend]),
  folders: () => Effect.succeed([work]),
  messageCount: (_, id) => Effect.succeed(id === channel.id ? 1523 : 10),
  messagesByIds: () => Effect.dieMessage("unused"),
  participantsCount: () => Effect.succeed(null),
  ...overrides
})

const config = (telegram: boolean): AppConfigShape => ({
  dataDir: "/nonexistent",
  host: "127.0.0.1",
  port: 0,
  settingsSeed: Option.none(),
  apiToken: Option.none(),
  floodThresholdSeconds: 120,
  dialogCacheTtlSeconds: 60,
  telegram: telegram ? Either.right({ apiId: 1, apiHash: "x" }) : Either.left("Telegram API credentials are not configured: set TELEGRAM_API_ID and TELEGRAM_API_HASH"),
  logLevel: "none",
  logFormat: "text"
})

const disposers: Array<() => Promise<void>> = []
afterEach(async () => {
  await Promise.all(disposers.splice(0).map((dispose) => dispose()))
})

const serve = (overrides: Partial<TelegramGatewayService> = {}, telegram = true) => {
  const useCases = DialogSearchLive.pipe(
    Layer.provide(AccountCacheLive),
    Layer.provide(Layer.succeed(AccountCacheOptionsTag, { timeToLive: Duration.seconds(60) })),
    Layer.provide(Layer.succeed(TelegramGateway, gatewayOf(overrides)))
  )
  const api = HttpApiBuilder.api(DialogsApi).pipe(
    Layer.provide(DialogsHandlersLive),
    Layer.provide(SessionAuthLive),
    Layer.provide(useCases),
    Layer.provide(
      Layer.succeed(SessionStore, {
        exists: (name) => Effect.succeed(name === "alice"),
        load: () => Effect.succeed(Option.none()),
        save: () => Effect.void,
        remove: () => Effect.void,
        list: Effect.succeed([])
      })
    ),
    Layer.provide(Layer.succeed(AppConfig, config(telegram)))
  )
  const web = HttpApiBuilder.toWebHandler(Layer.mergeAll(api, DetailErrorsLive, HttpServer.layerContext))
  disposers.push(web.dispose)
  const get = async (path: string) => {
    const res = await web.handler(new Request("http://test" + path, { headers: { "x-telegram-username": "alice" } }))
    return { status: res.status, headers: res.headers, body: await res.json() as any } // eslint-disable-line @typescript-eslint/no-explicit-any
  }
  return { get }
}

describe("GET /api/v3/search/dialogs", () => {
  it("answers the contract's response", async () => {
    const { get } = serve()
    const res = await get("/api/v3/search/dialogs?q=crypto&type=channel&min_score=0.6")
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      total: 1,
      offset: 0,
      limit: 50,
      results: [{
        id: -1001234567890,
        type: "channel",
        title: "Crypto News",
        username: "cryptonews",
        is_creator: false,
        is_verified: true,
        is_archived: false,
        message_count: 1523,
        unread_count: 5,
        participants_count: 45231,
        last_message_date: "2024-01-15T14:30:00+00:00",
        last_message_preview: "Breaking: Bitcoin hits...",
        created_date: "2020-03-10T12:00:00+00:00",
        is_forum: false,
        score: expect.any(Number)
      }]
    })
  })

  it("q and query are one parameter; repeated type; paging", async () => {
    const { get } = serve()
    expect((await get("/api/v3/search/dialogs?query=john")).body.results.map((r: { id: number }) => r.id)).toEqual([friend.id])
    expect((await get("/api/v3/search/dialogs?q=john&query=john")).status).toBe(200)
    const both = await get("/api/v3/search/dialogs?type=user&type=channel&limit=1&offset=1&sort=title&order=asc")
    expect(both.body).toMatchObject({ total: 2, offset: 1, limit: 1 })
    expect(both.body.results.map((r: { id: number }) => r.id)).toEqual([friend.id])
  })

  it("400 for two different queries", async () => {
    const res = await (serve().get("/api/v3/search/dialogs?q=a&query=b"))
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ detail: expect.stringMatching(/either 'q' or 'query'/) })
  })

  it("400 for an unknown type or sort says which values are accepted, once", async () => {
    const { get } = serve()
    const types = "user, group, supergroup, channel, bot, saved, me, forum"
    for (const query of ["type=robot", "type=user&type=robot"]) {
      const res = await get(`/api/v3/search/dialogs?${query}`)
      expect(res.status).toBe(400)
      expect(res.body).toEqual({ detail: `Invalid parameter 'type': must be one of ${types}, got "robot"` })
    }
    const sort = await get("/api/v3/search/dialogs?sort=newest")
    expect(sort.body).toEqual({ detail: `Invalid parameter 'sort': must be one of last_message, messages, title, participants, unread, got "newest"` })
  })

  it("400 for any other bad parameter names it and says why, once", async () => {
    const { get } = serve()
    const cases: Array<[string, string]> = [
      ["is_creator=maybe", `Invalid parameter 'is_creator': must be true or false, got "maybe"`],
      ["limit=0", `Invalid parameter 'limit': must be an integer between 1 and 500, got "0"`],
      ["min_score=2", `Invalid parameter 'min_score': must be a number between 0.0 and 1.0, got "2"`],
      ["created_after=2024-13-01", `Invalid parameter 'created_after': Invalid date format: '2024-13-01'. Use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS (UTC)`]
    ]
    for (const [query, detail] of cases) {
      const res = await get(`/api/v3/search/dialogs?${query}`)
      expect(res.status, query).toBe(400)
      expect(res.body, query).toEqual({ detail })
    }
  })

  it("404 for an unknown folder, by id or name; a known one filters", async () => {
    const { get } = serve()
    for (const folder of ["Hobbies", "7"]) {
      const res = await get(`/api/v3/search/dialogs?folder=${folder}`)
      expect(res.status).toBe(404)
      expect(res.body).toEqual({ detail: expect.stringContaining(`Folder '${folder}' not found`) })
    }
    const inWork = await get("/api/v3/search/dialogs?folder=work")
    expect(inWork.body.results.map((r: { id: number }) => r.id)).toEqual([channel.id])
  })

  it("429 with Retry-After and the contract's text when Telegram rate-limits", async () => {
    const { get } = serve({ dialogs: () => Effect.fail(new FloodWait({ seconds: 42, method: "messages.GetDialogs" })) })
    const res = await get("/api/v3/search/dialogs")
    expect(res.status).toBe(429)
    expect(res.headers.get("retry-after")).toBe("42")
    expect(res.body).toEqual({ detail: "Telegram rate limit exceeded. Retry after 42 seconds." })
  })

  it("429 also when the rate limit hits a message count", async () => {
    const { get } = serve({ messageCount: () => Effect.fail(new FloodWait({ seconds: 300, method: "messages.GetHistory" })) })
    const res = await get("/api/v3/search/dialogs?sort=messages")
    expect(res.status).toBe(429)
    expect(res.headers.get("retry-after")).toBe("300")
  })

  it("401 when the login was revoked, 502 when Telegram is unreachable", async () => {
    const revoked = await serve({ dialogs: () => Effect.fail(new SessionRevoked({ session: "alice", reason: "AUTH_KEY_UNREGISTERED" })) })
      .get("/api/v3/search/dialogs")
    expect(revoked.status).toBe(401)
    expect(revoked.body.detail).toMatch(/log in again/)
    const down = await serve({ folders: () => Effect.fail(new TelegramUnavailable({ reason: "connection refused" })) })
      .get("/api/v3/folders")
    expect(down.status).toBe(502)
    expect(down.body).toEqual({ detail: expect.stringContaining("connection refused") })
  })

  it("503 naming the missing variables without credentials", async () => {
    const res = await serve({}, false).get("/api/v3/search/dialogs")
    expect(res.status).toBe(503)
    expect(res.body.detail).toMatch(/TELEGRAM_API_ID/)
  })
})

describe("GET /api/v3/folders", () => {
  it("All Chats first, then the account's folders", async () => {
    const res = await serve().get("/api/v3/folders")
    expect(res.status).toBe(200)
    expect(res.body).toEqual([
      { id: 0, title: "All Chats", is_default: true },
      { id: 1, title: "Work", is_default: false }
    ])
  })
})
