/**
 * GramJS's connection messages as we log them: which ones are passed on, at
 * what level, in what words; that GramJS (the installed version) still
 * writes those messages; and the bridge into the Effect log, annotated with
 * the session name only.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Logger } from "effect"
import { describe, expect, it } from "vitest"
import { connectionEventOf, connectionLogFor } from "../../../src/adapters/telegram/TelegramClientFactory.js"
import { projectRoot } from "../../support/ServerProcess.js"

describe("connectionEventOf", () => {
  it.each([
    ["Connection closed while receiving data", false, "info", "Telegram closed the connection"],
    ["Started reconnecting", false, "info", "reconnecting to Telegram"],
    ["Connection to 149.154.167.51:443/TCPFull complete!", true, "info", "reconnected to Telegram (149.154.167.51:443)"],
    ["WebSocket connection failed attempt: 2", true, "warning", "connecting to Telegram failed (attempt 2)"],
    ["Invalid buffer -429 for dc 2", false, "warning", "Telegram DC 2 answered error -429: reconnecting"],
    ["Broken authorization key for dc 4, resetting...", false, "warning", "Telegram DC 4 does not know the authorization key"],
    ["Unhandled error while receiving data", false, "warning", "unexpected error on the connection to Telegram"],
    ["Error happened while disconnecting", true, "warning", "error closing the broken connection to Telegram before reconnecting"],
    ["Error while trying to reconnect", false, "warning", "reconnected to Telegram, but the first request after it failed"],
    ["Reconnecting to new data center 2", false, "info", "moving to Telegram DC 2"],
    ["Telegram is having internal issues ServerError", false, "warning", "Telegram is having internal issues (ServerError): retrying"]
  ])("%j (reconnecting: %s) is logged at %s", (message, reconnecting, level, text) => {
    expect(connectionEventOf(message, reconnecting)).toEqual({ level, message: text })
  })

  it.each([
    ["Connection to 149.154.167.51:443/TCPFull complete!", false], // the first connect: the adapter logs it itself
    ["Disconnecting...", false], // our own close
    ["Disconnecting from 149.154.167.51:443/TCPFull...", true],
    ["Running gramJS version 2.26.22", false],
    ["Send SendMessage", false],
    ["Handling update UpdateNewMessage", false],
    ["Received response without parent request: hello there", false]
  ])("%j is left out", (message, reconnecting) => {
    expect(connectionEventOf(message, reconnecting)).toBeUndefined()
  })

  it("GramJS still writes the messages recognised", () => {
    const source = ["network/MTProtoSender.js", "client/TelegramClient.js", "client/users.js"]
      .map((file) => fs.readFileSync(path.join(projectRoot, "node_modules/telegram", file), "utf8"))
      .join("\n")
    for (
      const text of [
        "\"Connection closed while receiving data\"",
        "\"Started reconnecting\"",
        "\"Connection to %s complete!\"",
        "`WebSocket connection failed attempt: ${",
        "`Invalid buffer ${e.code} for dc ${this._dcId}`",
        "`Broken authorization key for dc ${this._dcId}, resetting...`",
        "\"Unhandled error while receiving data\"",
        "\"Error happened while disconnecting\"",
        "`Error while trying to reconnect`",
        "`Reconnecting to new data center ${newDc}`",
        "`Telegram is having internal issues ${"
      ]
    ) expect(source).toContain(text)
  })
})

describe("connectionLogFor", () => {
  it("logs at the level given, annotated with the session name only, whatever the connecting fiber carried", async () => {
    const lines: Array<{ level: string; message: unknown; annotations: Record<string, unknown>; spans: number }> = []
    const capture = Logger.make(({ annotations, logLevel, message, spans }) => {
      lines.push({ level: logLevel.label, message, annotations: Object.fromEntries(annotations), spans: [...spans].length })
    })
    const log = await Effect.runPromise(
      connectionLogFor("alice").pipe(
        Effect.annotateLogs({ request_id: "r1", path: "/api/v3/folders" }),
        Effect.withLogSpan("request"),
        Effect.provide(Logger.replace(Logger.defaultLogger, capture))
      )
    )
    log("info", "reconnecting to Telegram")
    log("warning", "connecting to Telegram failed (attempt 1)")
    expect(lines).toEqual([
      { level: "INFO", message: ["reconnecting to Telegram"], annotations: { session: "alice" }, spans: 0 },
      { level: "WARN", message: ["connecting to Telegram failed (attempt 1)"], annotations: { session: "alice" }, spans: 0 }
    ])
  })
})
