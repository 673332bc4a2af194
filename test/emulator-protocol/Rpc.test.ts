/**
 * RPCs between an unmodified GramJS client and the emulator's machinery over
 * a stub world: results of every shape, containers, gzip_packed, pushed
 * updates, saved sessions, slow handlers, unknown methods, handler crashes.
 */
import bigInt from "big-integer"
import { Api } from "telegram"
import { Raw } from "telegram/events/index.js"
import type { PromisedNetSockets } from "telegram/extensions/index.js"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import { type CallContext, RpcError } from "../emulator/RpcContext.js"
import { destroyTestClient, makeTestClient } from "../emulator/TestClient.js"
import { ME, stubWorld } from "./StubWorld.js"

interface Deferred<A> {
  readonly promise: Promise<A>
  readonly resolve: (value: A) => void
}

const deferred = <A>(): Deferred<A> => {
  let resolve!: (value: A) => void
  const promise = new Promise<A>((r) => (resolve = r))
  return { promise, resolve }
}

const peer = new Api.PeerUser({ userId: bigInt(2002) })

const historyOf = (count: number, text: (id: number) => string): Api.messages.Messages =>
  new Api.messages.Messages({
    messages: Array.from({ length: count }, (_, i) =>
      new Api.Message({ id: count - i, peerId: peer, date: 1_700_000_000 + count - i, message: text(count - i) })),
    chats: [],
    users: [new Api.User({ id: bigInt(2002), accessHash: bigInt(777), firstName: "Bob" })]
  })

const getHistory = (limit: number) =>
  new Api.messages.GetHistory({
    peer: new Api.InputPeerUser({ userId: bigInt(2002), accessHash: bigInt(777) }),
    offsetId: 0,
    offsetDate: 0,
    addOffset: 0,
    limit,
    maxId: 0,
    minId: 0,
    hash: bigInt(0)
  })

let contexts: Array<CallContext> = []
let slowGate = deferred<void>()
let slowStarted = deferred<void>()

const world = stubWorld({
  "messages.GetHistory": (request: Api.messages.GetHistory) =>
    historyOf(request.limit, (id) => `message ${id}: ${"the quick brown fox jumps over the lazy dog ".repeat(8)}`),
  "photos.DeletePhotos": () => [1n, bigInt("-9000000000000000000"), 3n],
  "account.UpdateStatus": (request: Api.account.UpdateStatus) => request.offline,
  "help.GetNearestDc": (_request, ctx) => {
    contexts.push(ctx)
    return new Api.NearestDc({ country: "NL", thisDc: ctx.dcId, nearestDc: ctx.dcId })
  },
  "messages.GetDialogFilters": async () => {
    slowStarted.resolve()
    await slowGate.promise
    return new Api.messages.DialogFilters({ filters: [new Api.DialogFilterDefault()] })
  },
  "contacts.GetContacts": () => {
    throw new Error("world bug")
  },
  "contacts.GetBlocked": () => {
    throw new RpcError(400, "LIMIT_INVALID")
  }
})

let emulator: RunningEmulator
/** One auth key for the whole file: handshakes are the slow part of a test. */
let session: string

beforeAll(async () => {
  emulator = await startEmulator({ world })
  const client = makeTestClient(emulator)
  await client.connect()
  session = client.session.save() as unknown as string
  await destroyTestClient(client)
})

afterAll(() => emulator.stop())

const withClient = async <A>(
  run: (client: ReturnType<typeof makeTestClient>) => Promise<A>,
  options: Parameters<typeof makeTestClient>[1] = {}
): Promise<A> => {
  const client = makeTestClient(emulator, { session, ...options })
  try {
    await client.connect()
    return await run(client)
  } finally {
    await destroyTestClient(client)
  }
}

describe("results", () => {
  it("returns TL objects, Vector<User>, Vector<long> and Bool", () =>
    withClient(async (client) => {
      const [me] = await client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }))
      expect((me as Api.User).id.toString()).toBe(ME.id.toString())
      const deleted = await client.invoke(new Api.photos.DeletePhotos({ id: [] }))
      expect(deleted.map(String)).toEqual(["1", "-9000000000000000000", "3"])
      expect(await client.invoke(new Api.account.UpdateStatus({ offline: true }))).toBe(true)
      expect(await client.invoke(new Api.account.UpdateStatus({ offline: false }))).toBe(false)
      const history = await client.invoke(getHistory(3)) as Api.messages.Messages
      expect(history.messages.map((m) => (m as Api.Message).id)).toEqual([3, 2, 1])
    }))

  it("answers every call of a container", () =>
    withClient(async (client) => {
      // Queued in one tick, GramJS packs them into one msg_container.
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => client.invoke(getHistory(i + 1))))
      expect(results.map((r) => (r as Api.messages.Messages).messages.length)).toEqual(
        Array.from({ length: 12 }, (_, i) => i + 1)
      )
    }))

  it("sends a large result as gzip_packed, which GramJS unpacks", async () => {
    let received = 0
    const counting = (base: typeof PromisedNetSockets): typeof PromisedNetSockets =>
      class extends base {
        override async readExactly(n: number): Promise<Buffer> {
          const bytes = await super.readExactly(n)
          received += bytes.length
          return bytes
        }
      }
    await withClient(async (client) => {
      const before = received
      const history = await client.invoke(getHistory(1000)) as Api.messages.Messages
      expect(history.messages).toHaveLength(1000)
      expect((history.messages[999] as Api.Message).message).toMatch(/^message 1: the quick brown fox/)
      const raw = history.getBytes().length
      expect(raw).toBeGreaterThan(300_000)
      expect(received - before).toBeLessThan(raw / 4)
    }, { wrapSocket: counting })
  })
})

describe("updates", () => {
  it("delivers a pushed update to the client's update handlers", () =>
    withClient(async (client) => {
      const got = deferred<Api.TypeUpdate>()
      client.addEventHandler((update: Api.TypeUpdate) => got.resolve(update), new Raw({ types: [Api.UpdateLoginToken] }))
      contexts = []
      await client.invoke(new Api.help.GetNearestDc())
      contexts[0]!.push(new Api.UpdateShort({ update: new Api.UpdateLoginToken(), date: Math.floor(Date.now() / 1000) }))
      expect(await got.promise).toBeInstanceOf(Api.UpdateLoginToken)
    }))

  it("gives the world the DC, key, session and every DC's advertised address", () =>
    withClient(async (client) => {
      contexts = []
      await client.invoke(new Api.help.GetNearestDc())
      const ctx = contexts[0]!
      expect(ctx.dcId).toBe(1)
      expect(ctx.authKeyId).toMatch(/^[0-9a-f]{16}$/)
      expect(ctx.sessionId).toMatch(/^-?\d+$/)
      expect(ctx.dcs).toEqual([{ id: 1, host: "127.0.0.1", port: 443 }])
    }))
})

describe("sessions", () => {
  it("reconnects a saved StringSession without a new handshake", async () => {
    const saved = await withClient(async (client) => {
      await client.getMe()
      return client.session.save() as unknown as string
    }, { session: "" })
    const handshakes = emulator.handshakes()
    const authKeyIds = new Set<string>()
    await withClient(async (client) => {
      contexts = []
      await client.invoke(new Api.help.GetNearestDc())
      authKeyIds.add(contexts[0]!.authKeyId)
      expect((await client.getMe()).firstName).toBe("Alice")
    }, { session: saved })
    expect(emulator.handshakes()).toBe(handshakes)
    expect(authKeyIds.size).toBe(1)
  })
})

describe("concurrency", () => {
  it("answers pings and other calls while a handler is still working", () =>
    withClient(async (client) => {
      slowGate = deferred<void>()
      slowStarted = deferred<void>()
      const slow = client.invoke(new Api.messages.GetDialogFilters())
      await slowStarted.promise
      const pong = await client._sender!.send(new Api.Ping({ pingId: bigInt(42) }))
      expect((pong as unknown as Api.Pong).pingId.toString()).toBe("42")
      expect((await client.getMe()).firstName).toBe("Alice")
      slowGate.resolve()
      expect((await slow).filters).toHaveLength(1)
    }))

  it("serves other connections while one waits", async () => {
    slowGate = deferred<void>()
    slowStarted = deferred<void>()
    await withClient(async (waiting) => {
      const slow = waiting.invoke(new Api.messages.GetDialogFilters())
      await slowStarted.promise
      await withClient(async (other) => expect((await other.getMe()).firstName).toBe("Alice"))
      slowGate.resolve()
      await slow
    })
  })
})

describe("errors", () => {
  it("answers a method the world does not know with a 400 naming it, and keeps the connection", () =>
    withClient(async (client) => {
      const error = await client.invoke(new Api.messages.GetSavedDialogs({
        offsetDate: 0,
        offsetId: 0,
        offsetPeer: new Api.InputPeerEmpty(),
        limit: 1,
        hash: bigInt(0)
      })).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 400, errorMessage: "METHOD_NOT_IMPLEMENTED_MESSAGES_GET_SAVED_DIALOGS" })
      expect((await client.getMe()).firstName).toBe("Alice")
    }))

  it("passes the world's RpcError through", () =>
    withClient(async (client) => {
      const error = await client.invoke(new Api.contacts.GetBlocked({ offset: 0, limit: 10 })).catch((e: unknown) => e)
      expect(error).toMatchObject({ code: 400, errorMessage: "LIMIT_INVALID" })
    }))

  it("answers 500 INTERNAL for a handler that crashes, and logs it", () =>
    withClient(async (client) => {
      const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true)
      try {
        // Straight to the sender: client.invoke would sleep and retry on a 500.
        const error = await client._sender!.send(new Api.contacts.GetContacts({ hash: bigInt(0) }))!.catch((e: unknown) => e)
        expect(error).toMatchObject({ code: 500, errorMessage: "INTERNAL" })
        expect(stderr.mock.calls.map((c) => String(c[0])).join("")).toMatch(/contacts\.GetContacts failed: Error: world bug/)
      } finally {
        stderr.mockRestore()
      }
      expect((await client.getMe()).firstName).toBe("Alice")
    }))

  it("counts every unwrapped call by its TL name", () =>
    withClient(async (client) => {
      emulator.resetCalls()
      await client.getMe()
      await client.invoke(new Api.account.UpdateStatus({ offline: true }))
      await client.invoke(new Api.account.UpdateStatus({ offline: false }))
      expect(emulator.calls()).toEqual({ "account.UpdateStatus": 2, "users.GetUsers": 1 })
      emulator.resetCalls()
      expect(emulator.calls()).toEqual({})
    }))
})
