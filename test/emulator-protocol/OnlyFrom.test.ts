/**
 * `onlyFrom`: the emulator takes MTProto connections from one address only
 * and closes (and counts) the rest at once, so a test can prove that every
 * connection came through a proxy connecting from that address. Linux routes
 * all of 127.0.0.0/8 to loopback, so a socket bound to 127.0.0.9 stands for
 * the proxy.
 */
import * as net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import { stubWorld } from "./StubWorld.js"

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator({ world: stubWorld({}), onlyFrom: "127.0.0.9" })
})

afterAll(() => emulator.stop())

/** Connects from `localAddress`, sends the abridged transport's first byte, and says whether the emulator closed it. */
const closedWhenFrom = (localAddress: string) =>
  new Promise<boolean>((resolve, reject) => {
    const { host, port } = emulator.dcs[0]!
    const socket = net.connect({ host, port, localAddress }, () => socket.write(Buffer.from([0xef])))
    socket.on("error", reject)
    socket.on("close", () => resolve(true))
    setTimeout(() => {
      socket.destroy()
      resolve(false)
    }, 300)
  })

describe("onlyFrom", () => {
  it("closes connections from any other address and counts them; keeps the ones from its address", async () => {
    expect(emulator.refusedConnections()).toBe(0)
    expect(await closedWhenFrom("127.0.0.1")).toBe(true)
    expect(emulator.refusedConnections()).toBe(1)
    expect(await closedWhenFrom("127.0.0.9")).toBe(false)
    expect(emulator.refusedConnections()).toBe(1)
  })
})
