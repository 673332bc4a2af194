/**
 * upload.getFile: Telegram's offset/limit rules, FILE_MIGRATE to the DC that
 * holds the file, access hashes and file references per account, and bytes
 * that are exactly what `mediaBytes` (the control API's GET /media) serves.
 */
import { describe, expect, it } from "@effect/vitest"
import bigInt from "big-integer"
import { Api } from "telegram"
import { accessHash } from "../emulator/AccountView.js"
import type { PeerRef } from "../emulator/Scenario.js"
import { type Caller, caller, loggedIn, outcome, sampleWorld } from "./WorldHarness.js"

const KIB = 1024
const MIB = 1024 * 1024

const history = async (c: Caller, me: number, peer: PeerRef) => {
  const input = peer.kind === "user"
    ? new Api.InputPeerUser({ userId: bigInt(peer.id), accessHash: accessHash(me, "user", peer.id) })
    : new Api.InputPeerChannel({ channelId: bigInt(peer.id), accessHash: accessHash(me, "channel", peer.id) })
  const r = await c.call(new Api.messages.GetHistory({ peer: input, offsetId: 0, offsetDate: 0, addOffset: 0, limit: 100, maxId: 0, minId: 0, hash: bigInt.zero }))
  if (r.className === "messages.MessagesNotModified") throw new Error("unexpected")
  return new Map(r.messages.map((m) => [m.id, m as Api.Message]))
}

const documentOf = (m: Api.Message) => (m.media as Api.MessageMediaDocument).document as Api.Document
const photoOf = (m: Api.Message) => (m.media as Api.MessageMediaPhoto).photo as Api.Photo

const docLocation = (d: Api.Document) =>
  new Api.InputDocumentFileLocation({ id: d.id, accessHash: d.accessHash, fileReference: d.fileReference, thumbSize: "" })

const getFile = (location: Api.TypeInputFileLocation, offset: number, limit: number, precise = false) =>
  new Api.upload.GetFile({ location, offset: bigInt(offset), limit, precise })

/** Downloads a whole file in `chunk`-byte requests, as GramJS does. */
const download = async (c: Caller, location: Api.TypeInputFileLocation, size: number, chunk = 512 * KIB) => {
  const parts: Array<Buffer> = []
  for (let offset = 0; ; offset += chunk) {
    const part = await c.call(getFile(location, offset, chunk)) as Api.upload.File
    parts.push(Buffer.from(part.bytes))
    if (part.bytes.length < chunk) break
    if (offset > size) throw new Error("download does not end")
  }
  return Buffer.concat(parts)
}

describe("upload.getFile", () => {
  it("serves a whole document in chunks, byte for byte what mediaBytes returns", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const doc = documentOf((await history(alice, 1001, { kind: "channel", id: 3002 })).get(12)!)
    const bytes = await download(alice, docLocation(doc), 5242880)
    expect(bytes.length).toBe(5242880)
    expect(bytes.equals(world.mediaBytes("channel:3002", 12)!)).toBe(true)
    // Deterministic: another world built from the same scenario serves the same bytes.
    expect(sampleWorld().mediaBytes("channel:3002", 12)!.subarray(0, 4096).equals(bytes.subarray(0, 4096))).toBe(true)
    // Different for another message.
    expect(world.mediaBytes("channel:3002", 13)!.subarray(0, 64).equals(bytes.subarray(0, 64))).toBe(false)
  })

  it("serves the largest photo size as the file and smaller sizes as thumbnails", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const photo = photoOf((await history(alice, 1001, { kind: "channel", id: 3001 })).get(1)!)
    const largest = photo.sizes.at(-1) as Api.PhotoSize
    expect(largest.size).toBe(2458624)
    const location = (thumbSize: string) =>
      new Api.InputPhotoFileLocation({ id: photo.id, accessHash: photo.accessHash, fileReference: photo.fileReference, thumbSize })
    expect((await download(alice, location(largest.type), largest.size)).equals(world.mediaBytes("channel:3001", 1)!)).toBe(true)
    const small = photo.sizes[0] as Api.PhotoSize
    const thumb = await alice.call(getFile(location(small.type), 0, 64 * KIB)) as Api.upload.File
    expect(thumb.bytes.length).toBe(small.size)
    expect(await outcome(alice.call(getFile(location("w"), 0, 4096)))).toBe("400 LOCATION_INVALID")
  })

  it.each([
    [0, 4096, false, "ok"],
    [4096, MIB, false, "400 LIMIT_INVALID"],
    [0, MIB, false, "ok"],
    [0, MIB + 4096, false, "400 LIMIT_INVALID"],
    [0, 3 * 4096, false, "400 LIMIT_INVALID"],
    [1000, 4096, false, "400 OFFSET_INVALID"],
    [0, 1000, false, "400 LIMIT_INVALID"],
    [0, 0, false, "400 LIMIT_INVALID"],
    [MIB - 4096, 8192, false, "400 LIMIT_INVALID"],
    [1024, 3 * 1024, true, "ok"],
    [0, MIB + 1024, true, "400 LIMIT_INVALID"],
    [512, 1024, true, "400 OFFSET_INVALID"]
  ])("offset %i limit %i (precise %s): %s", async (offset, limit, precise, expected) => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const doc = documentOf((await history(alice, 1001, { kind: "channel", id: 3002 })).get(12)!)
    expect(await outcome(alice.call(getFile(docLocation(doc), offset, limit, precise)))).toBe(expected)
  })

  it("answers FILE_MIGRATE_n on the wrong DC and serves the file on its own DC", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const photo = photoOf((await history(alice, 1001, { kind: "channel", id: 3003 })).get(1)!)
    expect(photo.dcId).toBe(2)
    const location = new Api.InputPhotoFileLocation({ id: photo.id, accessHash: photo.accessHash, fileReference: photo.fileReference, thumbSize: "x" })
    expect(await outcome(alice.call(getFile(location, 0, 4096)))).toBe("303 FILE_MIGRATE_2")
    // What GramJS does next: a key on DC 2 authorized with an exported authorization.
    const exported = await alice.call(new Api.auth.ExportAuthorization({ dcId: 2 }))
    const dc2 = caller(world, { dcId: 2 })
    await dc2.call(new Api.auth.ImportAuthorization({ id: exported.id, bytes: exported.bytes }))
    expect((await download(dc2, location, 700000)).equals(world.mediaBytes("channel:3003", 1)!)).toBe(true)
  })

  it("keeps private-chat media on the owner's home DC", async () => {
    const world = sampleWorld()
    const bob = await loggedIn(world, 1002)
    const doc = documentOf((await history(bob, 1002, { kind: "user", id: 1001 })).get(3)!)
    expect(doc.dcId).toBe(2)
    expect(await outcome(bob.call(getFile(docLocation(doc), 0, 4096)))).toBe("ok")
    const alice = await loggedIn(world, 1001)
    const hers = documentOf((await history(alice, 1001, { kind: "user", id: 1002 })).get(7)!)
    expect(hers.dcId).toBe(1)
    // The two copies of report.pdf are different files with different bytes.
    expect(world.mediaBytes("user:1001", 3, 1002)!.equals(world.mediaBytes("user:1002", 7, 1001)!)).toBe(false)
    expect(world.mediaBytes("user:1002", 7)!.equals(world.mediaBytes("user:1002", 7, 1001)!)).toBe(true)
  })

  it("checks access hashes and file references per account", async () => {
    const world = sampleWorld()
    const alice = await loggedIn(world, 1001)
    const bob = await loggedIn(world, 1002)
    const doc = documentOf((await history(alice, 1001, { kind: "channel", id: 3002 })).get(12)!)
    // Bob sees the same supergroup, but Alice's access hash is not his.
    expect(await outcome(bob.call(getFile(docLocation(doc), 0, 4096)))).toBe("400 FILE_ID_INVALID")
    const bobs = documentOf((await history(bob, 1002, { kind: "channel", id: 3002 })).get(12)!)
    expect(bobs.id.equals(doc.id)).toBe(true)
    expect(bobs.accessHash.equals(doc.accessHash)).toBe(false)
    // His own hash is accepted; the file then lives on DC 1, not on his home DC 2.
    expect(await outcome(bob.call(getFile(docLocation(bobs), 0, 4096)))).toBe("303 FILE_MIGRATE_1")
    const stale = new Api.InputDocumentFileLocation({ id: doc.id, accessHash: doc.accessHash, fileReference: Buffer.from("old"), thumbSize: "" })
    expect(await outcome(alice.call(getFile(stale, 0, 4096)))).toBe("400 FILE_REFERENCE_EXPIRED")
    const unknown = new Api.InputDocumentFileLocation({ id: bigInt(999), accessHash: bigInt(1), fileReference: Buffer.alloc(0), thumbSize: "" })
    expect(await outcome(alice.call(getFile(unknown, 0, 4096)))).toBe("400 FILE_ID_INVALID")
    // A photo id asked for as a document is not a document.
    const photo = photoOf((await history(alice, 1001, { kind: "channel", id: 3001 })).get(1)!)
    const wrongKind = new Api.InputDocumentFileLocation({ id: photo.id, accessHash: photo.accessHash, fileReference: photo.fileReference, thumbSize: "" })
    expect(await outcome(alice.call(getFile(wrongKind, 0, 4096)))).toBe("400 FILE_ID_INVALID")
  })

  it("mediaBytes has nothing for text, webpages, geo and polls", () => {
    const world = sampleWorld()
    expect(world.mediaBytes("channel:3001", 2)).toBeUndefined()
    expect(world.mediaBytes("channel:3001", 3)).toBeUndefined()
    expect(world.mediaBytes("channel:3001", 4)).toBeUndefined()
    expect(world.mediaBytes("user:1002", 10, 1001)).toBeUndefined()
    expect(world.mediaBytes("channel:9999", 1)).toBeUndefined()
    expect(world.mediaBytes("nonsense", 1)).toBeUndefined()
  })
})
