/**
 * Downloads over MTProto across DCs: a 5 MB document stored on DC 2, read by
 * a client whose home DC is 1, byte-identical to what the control API's
 * `GET /media` says the emulator serves: through GramJS's downloadMedia,
 * which asks its home DC and follows FILE_MIGRATE_2, and through
 * iterDownload sent straight to DC 2; and upload.getFile's limits.
 */
import bigInt from "big-integer"
import { Api, errors, type TelegramClient } from "telegram"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { destroyTestClient } from "../emulator/TestClient.js"
import { control, dialogInputPeers, loggedInClient, outcome, startWorld, type WorldOnNetwork } from "./NetworkHarness.js"

/** Not a multiple of 4 KiB, so the last part is a short one. */
const SIZE = 5_000_000

const scenario = {
  users: [{ id: 1001, first_name: "Alice" }],
  channels: [{ id: 3001, title: "Archive", creator: 1001 }],
  accounts: [{ user: 1001, dc: 1, dialogs: [{ peer: "channel:3001" }] }],
  messages: [
    {
      peer: "channel:3001", id: 1, date: "2024-01-01 10:00:00", text: "the dataset",
      media: { type: "document", kind: "file", file_name: "dataset.bin", size: SIZE, dc: 2 }
    },
    { peer: "channel:3001", id: 2, date: "2024-01-01 10:01:00", text: "a photo", media: { type: "photo", size: 700_000, dc: 2 } }
  ]
}

let net: WorldOnNetwork
let client: TelegramClient
let expected: Buffer
let document: Api.Document
let message: Api.Message

beforeAll(async () => {
  net = await startWorld(scenario)
  client = (await loggedInClient(net.emulator, 1001)).client
  const peer = (await dialogInputPeers(client)).get("channel:3001")!
  const history = await client.invoke(new Api.messages.GetHistory({ peer, limit: 10, hash: bigInt.zero })) as Api.messages.ChannelMessages
  message = history.messages.find((m) => m.id === 1) as Api.Message
  document = (message.media as Api.MessageMediaDocument).document as Api.Document
  const media = await control(net.emulator, "GET", "/media?peer=channel:3001&id=1")
  expect(media.status).toBe(200)
  expected = media.body as Buffer
})

afterAll(async () => {
  await destroyTestClient(client)
  await net.stop()
})

const location = () =>
  new Api.InputDocumentFileLocation({ id: document.id, accessHash: document.accessHash, fileReference: document.fileReference, thumbSize: "" })

const getFileCalls = () => net.seen.filter((call) => call.endsWith(" upload.GetFile"))

describe("a 5 MB document on DC 2 for a client homed on DC 1", () => {
  it("is announced on DC 2 with its size, and GET /media serves that many bytes", () => {
    expect(client.session.dcId).toBe(1)
    expect([document.dcId, document.size.toJSNumber(), expected.length]).toEqual([2, SIZE, SIZE])
  })

  it("downloadMedia asks DC 1, follows FILE_MIGRATE_2 to an authorised sender on DC 2, and gets the exact bytes", async () => {
    net.seen.length = 0
    const downloaded = await client.downloadMedia(message) as Buffer
    expect(downloaded.length).toBe(SIZE)
    expect(downloaded.equals(expected)).toBe(true)
    expect(net.seen).toContain("1 auth.ExportAuthorization")
    expect(net.seen).toContain("2 auth.ImportAuthorization")
    // GramJS 2.26.22 starts every download on its home DC; its part size for files under 100 MB is 128 KiB.
    expect(getFileCalls()).toEqual(["1 upload.GetFile", ...Array(Math.ceil(SIZE / (128 * 1024))).fill("2 upload.GetFile")])
  })

  it("asked on DC 1, upload.getFile answers FILE_MIGRATE_2 (code 303)", async () => {
    const error = await client.invoke(new Api.upload.GetFile({ location: location(), offset: bigInt.zero, limit: 4096 })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(errors.FileMigrateError)
    expect(error).toMatchObject({ code: 303, newDc: 2 })
  })

  it("iterDownload told the file's DC goes straight there, 512 KiB at a time, and gets the exact bytes", async () => {
    net.seen.length = 0
    const chunks: Array<Buffer> = []
    for await (const chunk of client.iterDownload({ file: location(), dcId: 2, fileSize: bigInt(SIZE), requestSize: 512 * 1024 })) {
      chunks.push(chunk)
    }
    const downloaded = Buffer.concat(chunks)
    expect(downloaded.length).toBe(SIZE)
    expect(downloaded.equals(expected)).toBe(true)
    expect(getFileCalls()).toEqual(Array(Math.ceil(SIZE / (512 * 1024))).fill("2 upload.GetFile"))
  })

  it("a connection to DC 2 dropped mid-download (control API DISCONNECT): GramJS reconnects and the bytes are still exact", async () => {
    const added = await control(net.emulator, "POST", "/faults", { method: "upload.GetFile", error: "DISCONNECT", after: 4 })
    expect(added.status).toBe(200)
    const downloaded = await client.downloadMedia(message) as Buffer
    expect(downloaded.equals(expected)).toBe(true)
  })

  it("a photo on DC 2 downloads as its largest size, equal to GET /media", async () => {
    const history = await client.invoke(new Api.messages.GetHistory({
      peer: (await dialogInputPeers(client)).get("channel:3001")!, limit: 10, hash: bigInt.zero
    })) as Api.messages.ChannelMessages
    const photoMessage = history.messages.find((m) => m.id === 2) as Api.Message
    const downloaded = await client.downloadMedia(photoMessage) as Buffer
    const media = await control(net.emulator, "GET", "/media?peer=channel:3001&id=2")
    expect(downloaded.length).toBe(700_000)
    expect(downloaded.equals(media.body as Buffer)).toBe(true)
  })
})

describe("upload.getFile limits", () => {
  const onDc2 = async (offset: number, limit: number, precise = false) =>
    client.invokeWithSender(
      new Api.upload.GetFile({ location: location(), offset: bigInt(offset), limit, precise }),
      await client.getSender(2)
    ) as Promise<Api.upload.File>

  it("serves any 4 KiB-aligned part within one MiB, the tail short", async () => {
    const part = await onDc2(4096 * 3, 8192)
    expect(part.bytes.equals(expected.subarray(4096 * 3, 4096 * 5))).toBe(true)
    const last = Math.floor(SIZE / (512 * 1024)) * 512 * 1024
    const tail = await onDc2(last, 512 * 1024)
    expect(tail.bytes.equals(expected.subarray(last))).toBe(true)
    expect(tail.bytes.length).toBe(SIZE - last)
    expect((await onDc2(SIZE + 4096 - (SIZE % 4096), 4096)).bytes.length).toBe(0)
  })

  it("refuses unaligned offsets and limits, limits above 1 MiB, and parts crossing a MiB boundary", async () => {
    expect(await outcome(onDc2(1000, 4096))).toBe("400 OFFSET_INVALID")
    expect(await outcome(onDc2(0, 5000))).toBe("400 LIMIT_INVALID")
    expect(await outcome(onDc2(0, 2 * 1024 * 1024))).toBe("400 LIMIT_INVALID")
    expect(await outcome(onDc2(1024 * 1024 - 4096, 8192))).toBe("400 LIMIT_INVALID")
    // precise relaxes the steps to 1 KiB and allows crossing a MiB boundary.
    const precise = await onDc2(1024 * 1024 - 1024, 2048, true)
    expect(precise.bytes.equals(expected.subarray(1024 * 1024 - 1024, 1024 * 1024 + 1024))).toBe(true)
  })

  it("refuses a wrong access hash or file reference", async () => {
    const sender = await client.getSender(2)
    const get = (l: Api.InputDocumentFileLocation) =>
      client.invokeWithSender(new Api.upload.GetFile({ location: l, offset: bigInt.zero, limit: 4096 }), sender)
    const good = location()
    expect(await outcome(get(new Api.InputDocumentFileLocation({ ...good, accessHash: good.accessHash.add(1) })))).toBe("400 FILE_ID_INVALID")
    expect(await outcome(get(new Api.InputDocumentFileLocation({ ...good, fileReference: Buffer.from("stale") }))))
      .toBe("400 FILE_REFERENCE_EXPIRED")
  })
})
