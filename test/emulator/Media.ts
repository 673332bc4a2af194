/**
 * Media files of the emulated world: their bytes, deterministic from the
 * message they belong to (an AES-128-CTR keystream keyed by that identity,
 * so any slice upload.getFile asks for is computed without the rest), and
 * the Telegram shape of each document kind (MIME type, attributes).
 */
import { createCipheriv, createHash } from "node:crypto"
import { Api } from "telegram"
import type { DocumentKind, MediaSpec, PeerRef } from "./Scenario.js"
import { peerKey } from "./Scenario.js"

/** The identity the bytes derive from: the message (and, for photo thumbnails, the size type). */
export const mediaIdentity = (peer: PeerRef, owner: number | null, messageId: number, variant = ""): string =>
  `${peerKey(peer)}${owner === null ? "" : `@${owner}`}/${messageId}${variant === "" ? "" : `/${variant}`}`

/** Bytes [offset, offset + length) of the file `identity` of `size` bytes (shorter at the end). */
export const mediaSlice = (identity: string, size: number, offset: number, length: number): Buffer => {
  const end = Math.min(size, offset + length)
  if (offset >= end) return Buffer.alloc(0)
  const key = createHash("sha256").update(identity).digest()
  const firstBlock = Math.floor(offset / 16)
  const iv = Buffer.alloc(16)
  // The CTR counter is the 128-bit IV; starting it at the block index seeks in the keystream.
  iv.writeUInt32BE(Math.floor(firstBlock / 2 ** 32), 8)
  iv.writeUInt32BE(firstBlock % 2 ** 32, 12)
  const cipher = createCipheriv("aes-128-ctr", key.subarray(0, 16), iv)
  const skip = offset - firstBlock * 16
  const stream = Buffer.concat([cipher.update(Buffer.alloc(skip + end - offset)), cipher.final()])
  return stream.subarray(skip)
}

export const mediaBytesOf = (identity: string, size: number): Buffer => mediaSlice(identity, size, 0, size)

/** Photo sizes Telegram would list, smallest first; the last (`x`) is the scenario's size. */
export const photoSizes = (size: number): Array<{ readonly type: string; readonly w: number; readonly h: number; readonly size: number }> => [
  { type: "s", w: 90, h: 67, size: Math.max(1, Math.min(size, Math.floor(size / 100))) },
  { type: "m", w: 320, h: 240, size: Math.max(1, Math.min(size, Math.floor(size / 10))) },
  { type: "x", w: 800, h: 600, size }
]

const DEFAULT_MIME: Record<DocumentKind, string> = {
  file: "application/octet-stream",
  video: "video/mp4",
  audio: "audio/mpeg",
  voice: "audio/ogg",
  video_note: "video/mp4",
  sticker: "image/webp",
  gif: "video/mp4"
}

const DEFAULT_NAME: Partial<Record<DocumentKind, string>> = {
  file: "file.bin",
  video: "video.mp4",
  audio: "audio.mp3",
  sticker: "sticker.webp",
  gif: "animation.gif.mp4"
}

type DocumentSpec = Extract<MediaSpec, { type: "document" }>

export const documentMimeType = (doc: DocumentSpec): string => doc.mimeType ?? DEFAULT_MIME[doc.kind]

/** The attributes that make GramJS (and the adapter's categories) see the right kind of document. */
export const documentAttributes = (doc: DocumentSpec): Array<Api.TypeDocumentAttribute> => {
  const duration = doc.duration ?? 10
  const name = doc.fileName ?? DEFAULT_NAME[doc.kind]
  const named = name === undefined ? [] : [new Api.DocumentAttributeFilename({ fileName: name })]
  switch (doc.kind) {
    case "file":
      return named
    case "video":
      return [new Api.DocumentAttributeVideo({ duration, w: 1280, h: 720, supportsStreaming: true }), ...named]
    case "audio":
      return [new Api.DocumentAttributeAudio({ duration, title: name ?? "Track", performer: "Emulator" }), ...named]
    case "voice":
      return [new Api.DocumentAttributeAudio({ voice: true, duration }), ...named]
    case "video_note":
      return [new Api.DocumentAttributeVideo({ roundMessage: true, duration, w: 384, h: 384 }), ...named]
    case "sticker":
      return [
        new Api.DocumentAttributeImageSize({ w: 512, h: 512 }),
        new Api.DocumentAttributeSticker({ alt: "😀", stickerset: new Api.InputStickerSetEmpty() }),
        ...named
      ]
    case "gif":
      return [new Api.DocumentAttributeVideo({ duration, w: 480, h: 270 }), new Api.DocumentAttributeAnimated(), ...named]
  }
}
