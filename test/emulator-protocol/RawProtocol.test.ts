/**
 * The emulator against hand-made bytes on a raw socket: answers it owes
 * (resPQ, -404 for an unknown auth key) and connections it must drop
 * (broken frames, unknown transports, handshake steps out of order).
 */
import { randomBytes } from "node:crypto"
import * as net from "node:net"
import { crc32 } from "node:zlib"
import bigInt from "big-integer"
import { Api } from "telegram"
import { BinaryReader } from "telegram/extensions/index.js"
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import { Framing } from "../emulator/Framing.js"
import { stubWorld } from "./StubWorld.js"

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator({ world: stubWorld({}) })
})

afterAll(() => emulator.stop())

const fullFrame = (payload: Buffer, seq: number): Buffer => {
  const head = Buffer.alloc(8)
  head.writeInt32LE(payload.length + 12, 0)
  head.writeInt32LE(seq, 4)
  const tail = Buffer.alloc(4)
  tail.writeUInt32LE(crc32(payload, crc32(head)), 0)
  return Buffer.concat([head, payload, tail])
}

const plainMessage = (object: { getBytes: () => Buffer }): Buffer => {
  const body = object.getBytes()
  const head = Buffer.alloc(20)
  head.writeBigInt64LE(BigInt(Date.now()) << 22n, 8)
  head.writeInt32LE(body.length, 16)
  return Buffer.concat([head, body])
}

/** A raw TCP client: frames from the server, or "closed" once it hangs up. */
const rawClient = async () => {
  const socket = net.connect(emulator.dcs[0]!.port, "127.0.0.1")
  await new Promise<void>((resolve) => socket.once("connect", resolve))
  const framing = new Framing()
  const inbox: Array<Buffer | "closed"> = []
  let waiting: ((item: Buffer | "closed") => void) | undefined
  const deliver = (item: Buffer | "closed") => {
    if (waiting !== undefined) {
      const w = waiting
      waiting = undefined
      w(item)
    } else {
      inbox.push(item)
    }
  }
  socket.on("data", (chunk) => framing.push(chunk, (payload) => deliver(Buffer.from(payload))))
  socket.on("close", () => deliver("closed"))
  socket.on("error", () => undefined)
  return {
    write: (bytes: Buffer) => socket.write(bytes),
    next: () => inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise<Buffer | "closed">((r) => (waiting = r)),
    close: () => socket.destroy()
  }
}

/** The emulator logs why it drops a connection; keep test output clean. */
const quietly = async (run: () => Promise<void>) => {
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true)
  try {
    await run()
  } finally {
    stderr.mockRestore()
  }
}

describe("raw protocol", () => {
  it("answers req_pq_multi with its nonce, a pq to factorise and the emulator's key fingerprint", async () => {
    const client = await rawClient()
    try {
      const nonce = bigInt(12345678)
      client.write(fullFrame(plainMessage(new Api.ReqPqMulti({ nonce })), 0))
      const reply = await client.next()
      expect(reply).not.toBe("closed")
      const resPq = new BinaryReader((reply as Buffer).subarray(20)).tgReadObject() as Api.ResPQ
      expect(resPq).toBeInstanceOf(Api.ResPQ)
      expect(resPq.nonce.eq(nonce)).toBe(true)
      const pq = BigInt(`0x${resPq.pq.toString("hex")}`)
      expect(pq > 2n ** 59n && pq < 2n ** 63n).toBe(true)
      expect(resPq.serverPublicKeyFingerprints).toHaveLength(1)
    } finally {
      client.close()
    }
  })

  it("answers -404 to an auth key it does not know, and keeps listening", async () => {
    const client = await rawClient()
    try {
      for (let seq = 0; seq < 2; seq++) {
        client.write(fullFrame(randomBytes(24 + 48), seq))
        const reply = await client.next()
        expect(reply).not.toBe("closed")
        expect((reply as Buffer).readInt32LE(0)).toBe(-404)
      }
    } finally {
      client.close()
    }
  })

  it.each([
    ["a TCPFull frame with a bad CRC", () => {
      const frame = fullFrame(plainMessage(new Api.ReqPqMulti({ nonce: bigInt(1) })), 0)
      frame[frame.length - 1] = frame[frame.length - 1]! ^ 0xff
      return frame
    }],
    ["an unknown transport", () => Buffer.concat([Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), randomBytes(56)])],
    ["req_DH_params before req_pq", () =>
      fullFrame(plainMessage(new Api.ReqDHParams({
        nonce: bigInt(1),
        serverNonce: bigInt(2),
        p: Buffer.from([1]),
        q: Buffer.from([1]),
        publicKeyFingerprint: bigInt(3),
        encryptedData: Buffer.alloc(256)
      })), 0)],
    ["a call without encryption", () => fullFrame(plainMessage(new Api.help.GetConfig()), 0)],
    ["an unencrypted message that is not TL", () => fullFrame(Buffer.concat([Buffer.alloc(16), Buffer.from([8, 0, 0, 0]), randomBytes(8)]), 0)]
  ])("drops the connection on %s", (_name, bytes) =>
    quietly(async () => {
      const client = await rawClient()
      try {
        client.write(bytes())
        expect(await client.next()).toBe("closed")
      } finally {
        client.close()
      }
    }))
})
