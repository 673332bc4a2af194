/**
 * Two DCs, two listeners: GramJS borrows a sender for DC 2 (new auth key
 * there, exportAuthorization on DC 1, importAuthorization on DC 2) and
 * follows FILE_MIGRATE_2 for a download.
 */
import { randomBytes } from "node:crypto"
import bigInt from "big-integer"
import { Api } from "telegram"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseDcMap } from "../../src/adapters/telegram/EmulatorSwitch.js"
import { type RunningEmulator, startEmulator } from "../emulator/Emulator.js"
import { RpcError } from "../emulator/RpcContext.js"
import { destroyTestClient, makeTestClient } from "../emulator/TestClient.js"
import { ME, stubWorld } from "./StubWorld.js"

const FILE = randomBytes(300_000)

const world = stubWorld({
  "help.GetNearestDc": (_request, ctx) => new Api.NearestDc({ country: "NL", thisDc: ctx.dcId, nearestDc: 1 }),
  "auth.ExportAuthorization": (request: Api.auth.ExportAuthorization, ctx) => {
    if (ctx.dcId !== 1) throw new RpcError(400, "DC_ID_INVALID")
    return new Api.auth.ExportedAuthorization({ id: bigInt(1001), bytes: Buffer.from(`to-dc-${request.dcId}`) })
  },
  "auth.ImportAuthorization": (request: Api.auth.ImportAuthorization, ctx) => {
    if (request.bytes.toString() !== `to-dc-${ctx.dcId}`) throw new RpcError(400, "AUTH_BYTES_INVALID")
    return new Api.auth.Authorization({ user: ME })
  },
  "upload.GetFile": (request: Api.upload.GetFile, ctx) => {
    if (ctx.dcId !== 2) throw new RpcError(303, "FILE_MIGRATE_2")
    const offset = Number(request.offset.toString())
    return new Api.upload.File({
      type: new Api.storage.FilePartial(),
      mtime: 0,
      bytes: FILE.subarray(offset, offset + request.limit)
    })
  }
}, { dcIds: [2, 1] })

let emulator: RunningEmulator

beforeAll(async () => {
  emulator = await startEmulator({ world })
})

afterAll(() => emulator.stop())

describe("two DCs", () => {
  it("listens once per DC and lists them in TGSC_TELEGRAM_DC", () => {
    expect(emulator.dcs.map((dc) => dc.id)).toEqual([1, 2])
    const map = parseDcMap(emulator.env.TGSC_TELEGRAM_DC)
    expect([...map.byDc.entries()]).toEqual(emulator.dcs.map((dc) => [dc.id, { host: "127.0.0.1", port: dc.port }]))
  })

  it("borrows a sender on DC 2 and follows FILE_MIGRATE_2 there", async () => {
    const client = makeTestClient(emulator)
    try {
      await client.connect()
      const handshakes = emulator.handshakes()
      const sender = await client._borrowExportedSender(2)
      const nearest = await client.invokeWithSender(new Api.help.GetNearestDc(), sender) as Api.NearestDc
      expect(nearest.thisDc).toBe(2)
      expect(emulator.handshakes()).toBe(handshakes + 1)
      expect(world.seen).toContain("1 auth.ExportAuthorization")
      expect(world.seen).toContain("2 auth.ImportAuthorization")

      world.seen.length = 0
      const location = new Api.InputDocumentFileLocation({
        id: bigInt(1),
        accessHash: bigInt(2),
        fileReference: Buffer.alloc(0),
        thumbSize: ""
      })
      const downloaded = await client.downloadFile(location, { dcId: 1, fileSize: bigInt(FILE.length) })
      expect(Buffer.compare(downloaded as Buffer, FILE)).toBe(0)
      expect(world.seen).toContain("1 upload.GetFile")
      expect(world.seen.filter((s) => s === "2 upload.GetFile").length).toBeGreaterThan(0)
    } finally {
      await destroyTestClient(client)
    }
  })
})
