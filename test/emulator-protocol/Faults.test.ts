/** Fault bookkeeping and Telegram's error codes. */
import { describe, expect, it } from "vitest"
import { Faults, parseFault, rpcErrorCode } from "../emulator/Faults.js"

const fault = (method: string, error: string, times = 1, after = 0) => ({ method, error, times, after })

const run = (faults: Faults, methods: ReadonlyArray<string>) =>
  methods.map((m) => {
    const action = faults.take(m)
    return action === undefined ? "ok" : action.kind === "rpc-error" ? `${action.code} ${action.message}` : action.kind
  })

describe("rpcErrorCode", () => {
  it.each([
    ["FLOOD_WAIT_30", 420],
    ["FLOOD_PREMIUM_WAIT_7", 420],
    ["FILE_MIGRATE_2", 303],
    ["USER_MIGRATE_4", 303],
    ["AUTH_KEY_UNREGISTERED", 401],
    ["SESSION_REVOKED", 401],
    ["USER_DEACTIVATED", 401],
    ["SESSION_PASSWORD_NEEDED", 401],
    ["AUTH_KEY_INVALID", 401],
    ["CHAT_WRITE_FORBIDDEN", 403],
    ["CHAT_ADMIN_REQUIRED_FORBIDDEN", 403],
    ["INTERNAL", 500],
    ["INTERNAL_SERVER_ERROR", 500],
    ["CHANNEL_PRIVATE", 400],
    ["FLOOD_WAIT_X", 400]
  ])("%s -> %i", (message, code) => expect(rpcErrorCode(message)).toBe(code))
})

describe("Faults", () => {
  it("fails the next `times` calls after `after` that pass", () => {
    const faults = new Faults()
    faults.add(fault("a", "X_ERROR", 2, 1))
    expect(run(faults, ["a", "b", "a", "a", "a"])).toEqual(["ok", "ok", "400 X_ERROR", "400 X_ERROR", "ok"])
    expect(faults.size).toBe(0)
  })

  it("DISCONNECT drops the connection; NO_ANSWER leaves the call unanswered", () => {
    const faults = new Faults()
    faults.add(fault("a", "DISCONNECT"))
    faults.add(fault("a", "NO_ANSWER"))
    expect(run(faults, ["a", "a", "a"])).toEqual(["disconnect", "no-answer", "ok"])
  })

  it("matches any method with *, and DISCONNECT drops instead of answering", () => {
    const faults = new Faults()
    faults.add(fault("*", "DISCONNECT"))
    expect(run(faults, ["x.Y", "x.Y"])).toEqual(["disconnect", "ok"])
  })

  it("applies faults in the order added; a failed call is not a pass for the others", () => {
    const faults = new Faults()
    faults.add(fault("a", "FIRST", 1, 0))
    faults.add(fault("a", "SECOND", 1, 1))
    expect(run(faults, ["a", "a", "a", "a"])).toEqual(["400 FIRST", "ok", "400 SECOND", "ok"])
  })

  it("clears", () => {
    const faults = new Faults()
    faults.add(fault("*", "FLOOD_WAIT_1", 5))
    faults.clear()
    expect(run(faults, ["a"])).toEqual(["ok"])
  })
})

describe("parseFault", () => {
  it("defaults times to 1 and after to 0", () => {
    expect(parseFault({ method: "messages.GetHistory", error: "FLOOD_WAIT_30" }))
      .toEqual(fault("messages.GetHistory", "FLOOD_WAIT_30", 1, 0))
  })

  it.each([
    [null, /JSON object/],
    [[], /JSON object/],
    [{ error: "X" }, /method/],
    [{ method: "a", error: "flood wait" }, /error/],
    [{ method: "a", error: "X", times: 0 }, /times/],
    [{ method: "a", error: "X", times: 1.5 }, /times/],
    [{ method: "a", error: "X", after: "1" }, /after/]
  ])("refuses %j", (input, reason) => {
    expect(parseFault(input)).toMatch(reason)
  })
})
