import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { categorizeDocument, MEDIA_CATEGORIES, type MediaAttribute } from "../../src/domain/MediaCategory.js"

const sticker: MediaAttribute = { _tag: "Sticker" }
const animated: MediaAttribute = { _tag: "Animated" }
const voice: MediaAttribute = { _tag: "Audio", voice: true }
const music: MediaAttribute = { _tag: "Audio", voice: false }
const round: MediaAttribute = { _tag: "Video", roundMessage: true }
const video: MediaAttribute = { _tag: "Video", roundMessage: false }
const file: MediaAttribute = { _tag: "Filename", fileName: "a.pdf" }
const image: MediaAttribute = { _tag: "ImageSize" }
const other: MediaAttribute = { _tag: "Other" }

describe("categorizeDocument", () => {
  it.each<[string, ReadonlyArray<MediaAttribute>, string]>([
    ["sticker", [sticker, image, file], "stickers"],
    ["animated GIF (video + animated)", [video, animated, file], "gifs"],
    ["voice message", [voice, file], "voice_messages"],
    ["music is a file", [music, file], "files"],
    ["round video message", [round], "video_messages"],
    ["video", [video, file], "videos"],
    ["plain document", [file], "files"],
    ["image document", [image, file], "files"],
    ["no attributes", [], "files"],
    ["unknown attributes", [other], "files"]
  ])("%s", (_, attributes, category) => {
    expect(categorizeDocument(attributes)).toBe(category)
  })

  it("first match wins, whatever the attribute order", () => {
    expect(categorizeDocument([animated, sticker])).toBe("stickers")
    expect(categorizeDocument([video, animated])).toBe("gifs")
    expect(categorizeDocument([video, voice])).toBe("voice_messages")
    expect(categorizeDocument([video, round])).toBe("video_messages")
  })

  it("photos are a category of their own, never returned for documents", () => {
    expect(MEDIA_CATEGORIES).toEqual(["photos", "videos", "voice_messages", "video_messages", "stickers", "gifs", "files"])
  })

  const attribute = fc.constantFrom(sticker, animated, voice, music, round, video, file, image, other)
  it.prop("order of attributes never matters, and the result is a document category", [fc.array(attribute, { maxLength: 6 })], ([attrs]) => {
    const category = categorizeDocument(attrs)
    expect(categorizeDocument([...attrs].reverse())).toBe(category)
    expect(MEDIA_CATEGORIES).toContain(category)
    expect(category).not.toBe("photos")
  })
})
