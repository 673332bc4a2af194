/**
 * GramJS media to the domain's MessageMedia: the category and size the cache
 * and the files endpoint need, and an opaque locator (MediaLocator.ts) the
 * adapter reads back to download the file.
 */
import type { Api } from "telegram"
import { categorizeDocument, type MediaAttribute } from "../../domain/MediaCategory.js"
import type { MediaFile, MessageMedia } from "../../domain/Message.js"
import { num } from "./Longs.js"
import { encodeLocator } from "./MediaLocator.js"

const largestPhotoSize = (photo: Api.Photo): { type: string; size: number } | null => {
  let best: { type: string; size: number } | null = null
  for (const s of photo.sizes) {
    let size = 0
    if (s.className === "PhotoSize") size = s.size
    else if (s.className === "PhotoSizeProgressive") size = Math.max(0, ...s.sizes)
    else continue
    if (best === null || size >= best.size) best = { type: s.type, size }
  }
  return best
}

const documentAttributes = (doc: Api.Document): Array<MediaAttribute> =>
  doc.attributes.map((a): MediaAttribute => {
    switch (a.className) {
      case "DocumentAttributeSticker":
        return { _tag: "Sticker" }
      case "DocumentAttributeAnimated":
        return { _tag: "Animated" }
      case "DocumentAttributeAudio":
        return { _tag: "Audio", voice: a.voice === true }
      case "DocumentAttributeVideo":
        return { _tag: "Video", roundMessage: a.roundMessage === true }
      case "DocumentAttributeFilename":
        return { _tag: "Filename", fileName: a.fileName }
      case "DocumentAttributeImageSize":
        return { _tag: "ImageSize" }
      default:
        return { _tag: "Other" }
    }
  })

export const mediaOf = (media: Api.TypeMessageMedia | undefined | null): MessageMedia | null => {
  if (media == null || media.className === "MessageMediaEmpty") return null
  let file: MediaFile | null = null
  if (media.className === "MessageMediaPhoto" && media.photo?.className === "Photo") {
    const photo = media.photo
    const largest = largestPhotoSize(photo)
    if (largest !== null) {
      file = {
        category: "photos",
        size: largest.size,
        mimeType: "image/jpeg",
        fileName: null,
        fileId: `photo:${photo.id.toString()}`,
        locator: encodeLocator({
          kind: "photo",
          id: photo.id.toString(),
          accessHash: photo.accessHash.toString(),
          fileReference: Buffer.from(photo.fileReference).toString("base64"),
          dcId: photo.dcId,
          thumbSize: largest.type,
          size: largest.size
        })
      }
    }
  } else if (media.className === "MessageMediaDocument" && media.document?.className === "Document") {
    const doc = media.document
    const attributes = documentAttributes(doc)
    const name = attributes.find((a): a is Extract<MediaAttribute, { _tag: "Filename" }> => a._tag === "Filename")
    file = {
      category: categorizeDocument(attributes),
      size: num(doc.size),
      mimeType: doc.mimeType || null,
      fileName: name?.fileName ?? null,
      fileId: `document:${doc.id.toString()}`,
      locator: encodeLocator({
        kind: "document",
        id: doc.id.toString(),
        accessHash: doc.accessHash.toString(),
        fileReference: Buffer.from(doc.fileReference).toString("base64"),
        dcId: doc.dcId,
        size: num(doc.size)
      })
    }
  }
  return { type: media.className, file }
}
