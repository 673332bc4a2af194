/** GramJS's own error objects, as its RPC layer builds them, mapped to the port's typed errors. */
import { Api } from "telegram"
import { RPCMessageToError } from "telegram/errors/index.js"
import { describe, expect, it } from "vitest"
import { isPeerInvalid, toTelegramError } from "../../../src/adapters/telegram/TelegramErrors.js"

const gramjs = (code: number, message: string) =>
  RPCMessageToError(new Api.RpcError({ errorCode: code, errorMessage: message }), new Api.messages.GetHistory({}))

describe("toTelegramError", () => {
  it.each([
    ["FLOOD_WAIT_42", 42],
    ["FLOOD_PREMIUM_WAIT_7", 7],
    ["FLOOD_WAIT_0", 0]
  ])("%s becomes FloodWait of %i seconds", (message, seconds) => {
    const error = toTelegramError(gramjs(420, message), "messages.GetHistory", "alice")
    expect(error).toMatchObject({ _tag: "FloodWait", seconds, method: "messages.GetHistory" })
  })

  it.each(["AUTH_KEY_UNREGISTERED", "SESSION_REVOKED", "USER_DEACTIVATED"])("%s means the session is revoked", (message) => {
    expect(toTelegramError(gramjs(401, message), "users.GetUsers", "alice")).toMatchObject({
      _tag: "SessionRevoked",
      session: "alice",
      reason: message
    })
  })

  it("keeps the code and text of any other RPC error", () => {
    const error = toTelegramError(gramjs(400, "CHANNEL_INVALID"), "messages.GetHistory", "alice")
    expect(error).toMatchObject({ _tag: "TelegramRpcError", code: 400, message: "CHANNEL_INVALID" })
    expect(isPeerInvalid(error)).toBe(true)
  })

  it("anything that is not an RPC error means Telegram could not be reached", () => {
    expect(toTelegramError(new Error("connect ECONNREFUSED"), "connect", "alice")).toMatchObject({
      _tag: "TelegramUnavailable"
    })
  })
})
