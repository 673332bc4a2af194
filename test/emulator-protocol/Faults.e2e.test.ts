/**
 * Injected faults as an unmodified GramJS client experiences them: flood
 * waits it sleeps through or raises, errors after some successful calls,
 * and a dropped connection it recovers from by itself.
 */
import bigInt from "big-integer"
import { Api, errors } from "telegram"
import { Raw } from "telegram/events/index.js"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import type { CallContext } from "../emulator/RpcContext.js"
import { destroyTestClient, makeTestClient } from "../emulator/TestClient.js"
import { stubWorld } from "./StubWorld.js"

let contexts: Array<CallContext> = []

const world = stubWorld({
  "account.UpdateStatus": () => true,
  "help.GetNearestDc": (_request, ctx) => {
    contexts.push(ctx)
    return new Api.NearestDc({ country: "NL", thisDc: ctx.dcId, nearestDc: ctx.dcId })
  }
})

let emulator: RunningEmulator
let session: string

beforeAll(async () => {
  emulator = await startEmulator({ world })
  const client = makeTestClient(emulator)
  await client.connect()
  session = client.session.save() as unknown as string
  await destroyTestClient(client)
})

afterEach(() => {
  emulator.clearFaults()
  emulator.resetCalls()
})

afterAll(() => emulator.stop())

const withClient = async <A>(run: (client: ReturnType<typeof makeTestClient>) => Promise<A>): Promise<A> => {
  const client = makeTestClient(emulator, { session })
  try {
    await client.connect()
    return await run(client)
  } finally {
    await destroyTestClient(client)
  }
}

const getUsers = () => new Api.users.GetUsers({ id: [new Api.InputUserSelf()] })

describe("flood waits", () => {
  it("below floodSleepThreshold GramJS sleeps and retries by itself", () =>
    withClient(async (client) => {
      emulator.addFault({ method: "users.GetUsers", error: "FLOOD_WAIT_1" })
      const [me] = await client.invoke(getUsers())
      expect((me as Api.User).firstName).toBe("Alice")
      expect(emulator.calls()["users.GetUsers"]).toBe(2)
    }))

  it("above floodSleepThreshold GramJS raises FloodWaitError with the seconds", () =>
    withClient(async (client) => {
      emulator.addFault({ method: "*", error: "FLOOD_WAIT_3600" })
      const error = await client.invoke(getUsers()).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(errors.FloodWaitError)
      expect(error).toMatchObject({ code: 420, seconds: 3600 })
      expect(emulator.calls()["users.GetUsers"]).toBe(1)
    }))
})

describe("rpc error faults", () => {
  it("fail the calls after `after` successful ones, `times` times, then stop", () =>
    withClient(async (client) => {
      emulator.addFault({ method: "users.GetUsers", error: "CHANNEL_PRIVATE", times: 2, after: 1 })
      const outcomes: Array<string> = []
      for (let i = 0; i < 4; i++) {
        outcomes.push(await client.invoke(getUsers()).then(() => "ok", (e: { code: number; errorMessage: string }) => `${e.code} ${e.errorMessage}`))
      }
      expect(outcomes).toEqual(["ok", "400 CHANNEL_PRIVATE", "400 CHANNEL_PRIVATE", "ok"])
    }))

  it("answer each error with Telegram's code", () =>
    withClient(async (client) => {
      const cases = [
        ["FILE_MIGRATE_2", 303],
        ["CHAT_WRITE_FORBIDDEN", 403],
        ["AUTH_KEY_UNREGISTERED", 401],
        ["FLOOD_PREMIUM_WAIT_5", 420],
        ["INTERNAL_SERVER_ERROR", 500],
        ["PEER_ID_INVALID", 400]
      ] as const
      for (const [error, code] of cases) {
        emulator.addFault({ method: "help.GetNearestDc", error })
        // Straight to the sender, past GramJS's retries on 303, 420 and 500. GramJS
        // rewords the messages it knows, so the code is what can be compared.
        const got = await client._sender!.send(new Api.help.GetNearestDc())!.catch((e: unknown) => e)
        expect([error, (got as { code?: number }).code]).toEqual([error, code])
      }
    }))

  it("leave other methods alone", () =>
    withClient(async (client) => {
      emulator.addFault({ method: "messages.GetHistory", error: "CHANNEL_PRIVATE" })
      const [me] = await client.invoke(getUsers())
      expect((me as Api.User).firstName).toBe("Alice")
    }))
})

describe("DISCONNECT", () => {
  it("drops the connection; GramJS reconnects, resends, and pushes still arrive", () =>
    withClient(async (client) => {
      contexts = []
      await client.invoke(new Api.help.GetNearestDc())
      const before = contexts[0]!
      const handshakes = emulator.handshakes()

      emulator.addFault({ method: "account.UpdateStatus", error: "DISCONNECT" })
      // GramJS resends the unanswered call on its new connection, where it succeeds.
      expect(await client.invoke(new Api.account.UpdateStatus({ offline: false }))).toBe(true)
      expect(emulator.calls()["account.UpdateStatus"]).toBe(2)

      contexts = []
      await client.invoke(new Api.help.GetNearestDc())
      expect(contexts[0]!.sessionId).not.toBe(before.sessionId)
      expect(contexts[0]!.authKeyId).toBe(before.authKeyId)
      expect(emulator.handshakes()).toBe(handshakes)

      // The old session is gone with its connection: its push reaches the key's new session.
      const got = new Promise<unknown>((resolve) =>
        client.addEventHandler(resolve, new Raw({ types: [Api.UpdateLoginToken] }))
      )
      before.push(new Api.UpdateShort({ update: new Api.UpdateLoginToken(), date: Math.floor(Date.now() / 1000) }))
      expect(await got).toBeInstanceOf(Api.UpdateLoginToken)
    }))
})

describe("in-process API", () => {
  it("rejects an invalid fault", () => {
    expect(() => emulator.addFault({ method: "x", error: "FLOOD_WAIT_1", times: 0 })).toThrow(/times/)
    expect(() => emulator.addFault({ method: "", error: "FLOOD_WAIT_1" })).toThrow(/method/)
    expect(() => emulator.addFault({ method: "x", error: "not an error" })).toThrow(/error/)
  })

  it("clears pending faults", () =>
    withClient(async (client) => {
      emulator.addFault({ method: "*", error: "CHANNEL_PRIVATE", times: 5 })
      emulator.clearFaults()
      const [me] = await client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }))
      expect((me as Api.User).id.eq(bigInt(1001))).toBe(true)
    }))
})
