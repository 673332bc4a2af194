/** The rate model (RateLimits.ts), the injected latency (Latency.ts) and how the Dispatcher applies both, and takeouts. */
import bigInt from "big-integer"
import { Api } from "telegram"
import { BinaryReader } from "telegram/extensions/index.js"
import { describe, expect, it } from "vitest"
import { Dispatcher } from "../emulator/Dispatcher.js"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import { parseEmulatorArgs, UsageError } from "../emulator/EmulatorArgs.js"
import { drawDelay, parseLatency } from "../emulator/Latency.js"
import { formatRateLimit, parseRateLimit, parseRateLimits, RateLimits } from "../emulator/RateLimits.js"
import { type CallContext, RpcError } from "../emulator/RpcContext.js"
import { parseScenario } from "../emulator/Scenario.js"
import { World } from "../emulator/World.js"

const ctxOf = (authKeyId: string): CallContext => ({ dcId: 1, authKeyId, sessionId: "1", dcs: [], push: () => undefined })

const read = async (outcome: unknown): Promise<unknown> => {
  if (typeof outcome === "string") return outcome
  return new BinaryReader(await (outcome as Promise<Buffer>)).tgReadObject()
}

describe("parseRateLimit", () => {
  it("reads a rate per second, minute or hour, with or without a burst", () => {
    expect(parseRateLimit("messages.GetHistory=30/s,burst=60")).toEqual({ method: "messages.GetHistory", perSecond: 30, burst: 60 })
    expect(parseRateLimit("upload.GetFile = 120/min")).toEqual({ method: "upload.GetFile", perSecond: 2, burst: 2 })
    expect(parseRateLimit("messages.Search=0.5/s")).toEqual({ method: "messages.Search", perSecond: 0.5, burst: 1 })
    expect(parseRateLimit("takeout:messages.GetHistory=100/s")).toEqual({ method: "takeout:messages.GetHistory", perSecond: 100, burst: 100 })
    expect(formatRateLimit(parseRateLimit("a.B=3600/h,burst=5") as never)).toBe("a.B=1/s,burst=5")
  })

  it("says what is wrong with a bad one", () => {
    expect(parseRateLimit("messages.GetHistory")).toMatch(/expected <method>=<n>\/s/)
    expect(parseRateLimit("messages.GetHistory=30/week")).toMatch(/unknown unit \/week/)
    expect(parseRateLimit("messages.GetHistory=0/s")).toMatch(/above 0/)
    expect(parseRateLimit("messages.GetHistory=3/s,burst=0")).toMatch(/burst/)
    expect(parseRateLimits(["a.B=1/s", "a.B=2/s"])).toMatch(/\[1\]: a second limit for a.B/)
    expect(parseRateLimits([{ method: "a.B", per_second: 2, burst: 1.5 }])).toMatch(/burst/)
    expect(parseRateLimits([{ method: "a.B", per_second: 2, extra: 1 }])).toMatch(/unknown field extra/)
    expect(parseRateLimits([{ method: "a.B", per_second: 2 }])).toEqual([{ method: "a.B", perSecond: 2, burst: 2 }])
  })
})

describe("RateLimits", () => {
  it("lets a burst through, then answers the seconds until the next token, rounded up", () => {
    let now = 1_000_000
    const rates = new RateLimits(() => now)
    rates.set([{ method: "m.A", perSecond: 0.25, burst: 2 }])
    expect([rates.take("1001", "m.A"), rates.take("1001", "m.A")]).toEqual([undefined, undefined])
    expect(rates.take("1001", "m.A")).toBe(4)
    now += 1500
    expect(rates.take("1001", "m.A")).toBe(3)
    now += 2500
    expect(rates.take("1001", "m.A")).toBeUndefined()
    // Per account and per method: another account, or a method without a limit, is not held back.
    expect(rates.take("1002", "m.A")).toBeUndefined()
    expect(rates.take("1001", "m.Other")).toBeUndefined()
    expect(rates.usage()).toEqual([
      { account: "1001", method: "m.A", allowed: 3, floodWaits: 2, longestFloodWait: 4, windowSeconds: 4, budget: 3, used: 1 },
      { account: "1002", method: "m.A", allowed: 1, floodWaits: 0, longestFloodWait: 0, windowSeconds: 0, budget: 2, used: 0.5 }
    ])
  })

  it("never answers FLOOD_WAIT_0, and new limits start full with fresh counts", () => {
    let now = 0
    const rates = new RateLimits(() => now)
    rates.set([{ method: "m.A", perSecond: 100, burst: 1 }])
    expect(rates.take("a", "m.A")).toBeUndefined()
    now += 1
    expect(rates.take("a", "m.A")).toBe(1)
    rates.set([{ method: "m.A", perSecond: 100, burst: 1 }])
    expect(rates.take("a", "m.A")).toBeUndefined()
    expect(rates.usage()[0]).toMatchObject({ allowed: 1, floodWaits: 0 })
  })
})

describe("parseLatency", () => {
  it("reads a delay and its jitter in several spellings", () => {
    expect(parseLatency("150ms")).toEqual({ ms: 150, jitterMs: 0 })
    expect(parseLatency("150ms±20ms")).toEqual({ ms: 150, jitterMs: 20 })
    expect(parseLatency("0.15s+-0.02s")).toEqual({ ms: 150, jitterMs: 20 })
    expect(parseLatency({ ms: 80, jitter_ms: 5 })).toEqual({ ms: 80, jitterMs: 5 })
    expect(parseLatency(0)).toEqual({ ms: 0, jitterMs: 0 })
    expect(parseLatency("fast")).toMatch(/expected a latency such as 150ms/)
    expect(parseLatency("999s")).toMatch(/at most/)
    expect(parseLatency({ ms: -1 })).toMatch(/^ms:/)
  })

  it("draws delays within the jitter, never below zero", () => {
    expect(drawDelay({ ms: 150, jitterMs: 20 }, () => 0)).toBe(130)
    expect(drawDelay({ ms: 150, jitterMs: 20 }, () => 1)).toBe(170)
    expect(drawDelay({ ms: 5, jitterMs: 20 }, () => 0)).toBe(0)
  })
})

describe("the emulator CLI's --rate and --latency", () => {
  it("reads them, repeatable --rate, jitter either way", () => {
    const args = parseEmulatorArgs([
      "--scenario", "s.json", "--rate", "messages.GetHistory=30/s,burst=60", "--rate", "upload.GetFile=10/s",
      "--latency", "150ms", "--latency-jitter", "20ms"
    ])
    expect(args.rate).toEqual([
      { method: "messages.GetHistory", perSecond: 30, burst: 60 },
      { method: "upload.GetFile", perSecond: 10, burst: 10 }
    ])
    expect(args.latency).toEqual({ ms: 150, jitterMs: 20 })
    expect(parseEmulatorArgs(["--scenario", "s.json", "--latency", "150ms±20ms"]).latency).toEqual({ ms: 150, jitterMs: 20 })
    expect(parseEmulatorArgs(["--scenario", "s.json"])).not.toHaveProperty("rate")
  })

  it("refuses bad values with the option's name", () => {
    expect(() => parseEmulatorArgs(["--scenario", "s.json", "--rate", "30/s"])).toThrow(/--rate: expected/)
    expect(() => parseEmulatorArgs(["--scenario", "s.json", "--rate", "a.B=1/s", "--rate", "a.B=2/s"])).toThrow(/given twice/)
    expect(() => parseEmulatorArgs(["--scenario", "s.json", "--latency", "soon"])).toThrow(UsageError)
    expect(() => parseEmulatorArgs(["--scenario", "s.json", "--latency-jitter", "5ms"])).toThrow(/needs --latency/)
  })
})

describe("Dispatcher: rate budgets, latency, takeouts", () => {
  const world = (accounts: Record<string, number>, takeouts = new Set<string>()) => ({
    handle: async (request: { className: string }) => request.className !== "m.Fail",
    accountOf: (ctx: CallContext) => accounts[ctx.authKeyId],
    checkTakeout: (id: string) => {
      if (!takeouts.has(id)) throw new RpcError(400, "TAKEOUT_INVALID")
    }
  })

  it("answers FLOOD_WAIT_n per account (both auth keys of one account share a bucket), and counts the refused calls", async () => {
    const dispatcher = new Dispatcher(world({ aa: 1001, bb: 1001, cc: 1002 }), () => undefined, undefined, { clock: () => 0 })
    dispatcher.setRateLimits([{ method: "m.A", perSecond: 0.1, burst: 1 }])
    expect(await read(dispatcher.dispatch({ className: "m.A" }, ctxOf("aa")))).toBe(true)
    expect(await read(dispatcher.dispatch({ className: "m.A" }, ctxOf("bb")))).toMatchObject({ errorCode: 420, errorMessage: "FLOOD_WAIT_10" })
    expect(await read(dispatcher.dispatch({ className: "m.A" }, ctxOf("cc")))).toBe(true)
    // Before login: per auth key.
    expect(await read(dispatcher.dispatch({ className: "m.A" }, ctxOf("dd")))).toBe(true)
    expect(dispatcher.calls()).toEqual({ "m.A": 4 })
    expect(dispatcher.rateUsage().map((u) => [u.account, u.allowed, u.floodWaits])).toEqual([["1001", 1, 1], ["1002", 1, 0], ["key:dd", 1, 0]])
  })

  it("counts a takeout's calls against a takeout:<method> limit when there is one, its own bucket", async () => {
    const dispatcher = new Dispatcher(world({ aa: 1001 }, new Set(["77"])), () => undefined, undefined, { clock: () => 0 })
    const history = () => new Api.messages.GetHistory({ peer: new Api.InputPeerSelf(), limit: 1, hash: bigInt(0) })
    const wrapped = { className: "InvokeWithTakeout", takeoutId: bigInt(77), query: history() } as never
    dispatcher.setRateLimits([
      { method: "messages.GetHistory", perSecond: 1, burst: 1 },
      { method: "takeout:messages.GetHistory", perSecond: 10, burst: 2 }
    ])
    expect(await read(dispatcher.dispatch(history(), ctxOf("aa")))).toBe(true)
    expect(await read(dispatcher.dispatch(history(), ctxOf("aa")))).toMatchObject({ errorMessage: "FLOOD_WAIT_1" })
    expect(await read(dispatcher.dispatch(wrapped, ctxOf("aa")))).toBe(true)
    expect(await read(dispatcher.dispatch(wrapped, ctxOf("aa")))).toBe(true)
    expect(await read(dispatcher.dispatch(wrapped, ctxOf("aa")))).toMatchObject({ errorMessage: "FLOOD_WAIT_1" })
    expect(dispatcher.rateUsage().map((u) => [u.method, u.allowed, u.floodWaits]))
      .toEqual([["messages.GetHistory", 1, 1], ["takeout:messages.GetHistory", 2, 1]])
    // Without a takeout limit, a takeout's calls share the method's bucket.
    dispatcher.setRateLimits([{ method: "messages.GetHistory", perSecond: 1, burst: 1 }])
    expect(await read(dispatcher.dispatch(wrapped, ctxOf("aa")))).toBe(true)
    expect(await read(dispatcher.dispatch(history(), ctxOf("aa")))).toMatchObject({ errorMessage: "FLOOD_WAIT_1" })
  })

  it("holds each answer back by the latency without holding up the next call", async () => {
    const dispatcher = new Dispatcher(world({}), () => undefined, undefined, { random: () => 0.5 })
    dispatcher.setLatency({ ms: 40, jitterMs: 10 })
    const order: Array<string> = []
    const slow = (dispatcher.dispatch({ className: "m.A" }, ctxOf("aa")) as Promise<Buffer>).then(() => order.push("first"))
    dispatcher.setLatency({ ms: 0, jitterMs: 0 })
    const fast = (dispatcher.dispatch({ className: "m.B" }, ctxOf("aa")) as Promise<Buffer>).then(() => order.push("second"))
    await Promise.all([slow, fast])
    expect(order).toEqual(["second", "first"])
  })

  it("counts InvokeWithTakeout and its inner query, checks the id, and never unwraps a non-request", async () => {
    const dispatcher = new Dispatcher(world({ aa: 1001 }, new Set(["77"])), () => undefined)
    const wrapped = (id: number, query: unknown) => ({ className: "InvokeWithTakeout", takeoutId: bigInt(id), query }) as never
    expect(await read(dispatcher.dispatch(wrapped(77, new Api.messages.GetDialogFilters()), ctxOf("aa")))).toBe(true)
    expect(await read(dispatcher.dispatch(wrapped(78, new Api.messages.GetDialogFilters()), ctxOf("aa"))))
      .toMatchObject({ errorCode: 400, errorMessage: "TAKEOUT_INVALID" })
    expect(await read(dispatcher.dispatch(wrapped(77, { className: "Pong", classType: "constructor" }), ctxOf("aa"))))
      .toMatchObject({ errorCode: 400, errorMessage: "INPUT_METHOD_INVALID" })
    expect(dispatcher.calls()).toEqual({ InvokeWithTakeout: 3, "messages.GetDialogFilters": 1 })
  })
})

describe("scenario options", () => {
  const scenario = (options: Record<string, unknown>) => ({ options, users: [{ id: 1001 }], accounts: [{ user: 1001, dialogs: [] }] })

  it("reads rate, latency and takeout_delay_seconds, and names the bad field", () => {
    expect(parseScenario(scenario({ rate: ["messages.GetHistory=30/s,burst=60"], latency: "150ms±20ms", takeout_delay_seconds: 60 })).options)
      .toMatchObject({ rate: [{ method: "messages.GetHistory", perSecond: 30, burst: 60 }], latency: { ms: 150, jitterMs: 20 }, takeoutDelaySeconds: 60 })
    expect(parseScenario(scenario({})).options).toMatchObject({ rate: [], latency: { ms: 0, jitterMs: 0 }, takeoutDelaySeconds: 0 })
    expect(() => parseScenario(scenario({ rate: ["GetHistory"] }))).toThrow(/^options\.rate: \[0\]: expected/)
    expect(() => parseScenario(scenario({ latency: "slow" }))).toThrow(/^options\.latency: expected/)
    expect(() => parseScenario(scenario({ takeout_delay_seconds: -1 }))).toThrow(/takeout_delay_seconds/)
  })
})

describe("startEmulator's rate and latency options", () => {
  it("replace the scenario's, as the CLI's --rate and --latency do", async () => {
    const world = World.fromScenario({
      options: { rate: ["messages.GetHistory=1/s"], latency: "5ms" },
      users: [{ id: 1001 }],
      accounts: [{ user: 1001, dialogs: [] }]
    })
    const fromScenario = await startEmulator({ world })
    const overridden = await startEmulator({ world, rate: [{ method: "upload.GetFile", perSecond: 2, burst: 4 }], latency: { ms: 7, jitterMs: 1 } })
    try {
      const get = async (emulator: RunningEmulator, route: string) => (await fetch(`${emulator.control}${route}`)).json()
      expect(await get(fromScenario, "/rate")).toEqual({ limits: ["messages.GetHistory=1/s,burst=1"], usage: [] })
      expect(await get(fromScenario, "/latency")).toEqual({ ms: 5, jitter_ms: 0 })
      expect(await get(overridden, "/rate")).toEqual({ limits: ["upload.GetFile=2/s,burst=4"], usage: [] })
      expect(await get(overridden, "/latency")).toEqual({ ms: 7, jitter_ms: 1 })
    } finally {
      await Promise.all([fromScenario.stop(), overridden.stop()])
    }
  })
})
