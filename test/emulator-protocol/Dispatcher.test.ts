/** Dispatch: counting, faults before the world, result encoding, and errors that never escape. */
import bigInt from "big-integer"
import { Api } from "telegram"
import { BinaryReader } from "telegram/extensions/index.js"
import { describe, expect, it } from "vitest"
import { type Dispatched, Dispatcher, notImplementedError } from "../emulator/Dispatcher.js"
import { encodeResult } from "../emulator/encodeResult.js"
import { type CallContext, RpcError } from "../emulator/RpcContext.js"

const ctx: CallContext = { dcId: 1, authKeyId: "00", sessionId: "1", dcs: [], push: () => undefined }

const read = (bytes: Buffer): unknown => new BinaryReader(bytes).tgReadObject()

const dispatcherOf = (answer: (request: { className: string }) => unknown) => {
  const logged: Array<string> = []
  const seen: Array<string> = []
  const dispatcher = new Dispatcher({
    handle: async (request: { className: string }) => {
      seen.push(request.className)
      return answer(request)
    }
  }, (m) => logged.push(m))
  return { dispatcher, logged, seen }
}

const answerOf = async (outcome: Dispatched) => {
  if (typeof outcome === "string") return outcome
  return read(await outcome)
}

describe("encodeResult", () => {
  it("writes Vector, Bool, long, int and TL objects", () => {
    expect(read(encodeResult([true, false]))).toEqual([true, false])
    const longs = new BinaryReader(encodeResult([5n, bigInt(-6)]).subarray(8))
    expect([longs.readLong().toString(), longs.readLong().toString()]).toEqual(["5", "-6"])
    expect(encodeResult(7)).toEqual(Buffer.from([7, 0, 0, 0]))
    expect(read(encodeResult(new Api.Pong({ msgId: bigInt(1), pingId: bigInt(2) })))).toBeInstanceOf(Api.Pong)
  })

  it("refuses what is not TL", () => {
    expect(() => encodeResult({ a: 1 })).toThrow(TypeError)
    expect(() => encodeResult(1.5)).toThrow(TypeError)
    expect(() => encodeResult("text")).toThrow(TypeError)
  })
})

describe("Dispatcher", () => {
  it("counts calls by TL name and answers with the world's result", async () => {
    const { dispatcher } = dispatcherOf(() => true)
    expect(await answerOf(dispatcher.dispatch({ className: "account.UpdateStatus" }, ctx))).toBe(true)
    await dispatcher.dispatch({ className: "account.UpdateStatus" }, ctx)
    await dispatcher.dispatch({ className: "users.GetUsers" }, ctx)
    expect(dispatcher.calls()).toEqual({ "account.UpdateStatus": 2, "users.GetUsers": 1 })
    dispatcher.resetCalls()
    expect(dispatcher.calls()).toEqual({})
  })

  it("applies faults before the world, and counts the faulted calls", async () => {
    const { dispatcher, seen } = dispatcherOf(() => true)
    dispatcher.addFault({ method: "users.GetUsers", error: "FLOOD_WAIT_30", times: 1, after: 0 })
    dispatcher.addFault({ method: "*", error: "DISCONNECT", times: 1, after: 1 })
    expect(await answerOf(dispatcher.dispatch({ className: "users.GetUsers" }, ctx)))
      .toMatchObject({ errorCode: 420, errorMessage: "FLOOD_WAIT_30" })
    expect(await answerOf(dispatcher.dispatch({ className: "help.GetConfig" }, ctx))).toBe(true)
    expect(dispatcher.dispatch({ className: "help.GetConfig" }, ctx)).toBe("disconnect")
    dispatcher.addFault({ method: "help.GetConfig", error: "NO_ANSWER", times: 1, after: 0 })
    expect(dispatcher.dispatch({ className: "help.GetConfig" }, ctx)).toBe("no-answer")
    expect(seen).toEqual(["help.GetConfig"])
    expect(dispatcher.calls()).toEqual({ "help.GetConfig": 3, "users.GetUsers": 1 })
  })

  it("turns RpcError, unknown methods, crashes and non-TL results into rpc_error", async () => {
    const { dispatcher, logged } = dispatcherOf((request) => {
      switch (request.className) {
        case "a.Refused":
          throw new RpcError(403, "CHAT_WRITE_FORBIDDEN")
        case "a.Crash":
          throw new Error("boom")
        case "a.Garbage":
          return { not: "tl" }
        default:
          return undefined
      }
    })
    expect(await answerOf(dispatcher.dispatch({ className: "a.Refused" }, ctx)))
      .toMatchObject({ errorCode: 403, errorMessage: "CHAT_WRITE_FORBIDDEN" })
    expect(await answerOf(dispatcher.dispatch({ className: "messages.GetSavedDialogs" }, ctx)))
      .toMatchObject({ errorCode: 400, errorMessage: "METHOD_NOT_IMPLEMENTED_MESSAGES_GET_SAVED_DIALOGS" })
    expect(await answerOf(dispatcher.dispatch({ className: "a.Crash" }, ctx))).toMatchObject({ errorCode: 500, errorMessage: "INTERNAL" })
    expect(await answerOf(dispatcher.dispatch({ className: "a.Garbage" }, ctx))).toMatchObject({ errorCode: 500 })
    expect(logged.join("\n")).toMatch(/a\.Crash failed: Error: boom/)
    expect(logged.join("\n")).toMatch(/a\.Garbage returned a result that cannot be serialised/)
  })

  it("survives a world whose handle throws synchronously", async () => {
    const dispatcher = new Dispatcher({ handle: () => { throw new RpcError(400, "BAD") } }, () => undefined)
    expect(await answerOf(dispatcher.dispatch({ className: "x.Y" }, ctx))).toMatchObject({ errorCode: 400, errorMessage: "BAD" })
  })

  it("names unknown methods in Telegram's error style", () => {
    expect(notImplementedError("upload.GetFile")).toBe("METHOD_NOT_IMPLEMENTED_UPLOAD_GET_FILE")
    expect(notImplementedError("InvokeWithLayer")).toBe("METHOD_NOT_IMPLEMENTED_INVOKE_WITH_LAYER")
  })
})
