/**
 * An unmodified GramJS client reaches the emulator over every MTProto
 * transport: handshake, initConnection(help.getConfig), a call.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import { destroyTestClient, makeTestClient, type TestTransport } from "../emulator/TestClient.js"
import { stubWorld } from "./StubWorld.js"

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator({ world: stubWorld({}) })
})

afterAll(() => emulator.stop())

describe("transports", () => {
  it.each<TestTransport>(["full", "abridged", "intermediate", "obfuscated"])("%s: handshake and a call", async (transport) => {
    const handshakesBefore = emulator.handshakes()
    const client = makeTestClient(emulator, { transport })
    try {
      await client.connect()
      const me = await client.getMe()
      expect(me.firstName).toBe("Alice")
      expect(emulator.handshakes()).toBe(handshakesBefore + 1)
    } finally {
      await destroyTestClient(client)
    }
  })
})
