/**
 * Which settings toggle governs a media file. Documents are classified by
 * their attributes, first match wins (behaviour notes, "Media").
 */
export type MediaCategory = "photos" | "videos" | "voice_messages" | "video_messages" | "stickers" | "gifs" | "files"

export const MEDIA_CATEGORIES: ReadonlyArray<MediaCategory> = [
  "photos",
  "videos",
  "voice_messages",
  "video_messages",
  "stickers",
  "gifs",
  "files"
]

/** The document attributes that decide the category, in Telegram's terms. */
export type MediaAttribute =
  | { readonly _tag: "Sticker" }
  | { readonly _tag: "Animated" }
  | { readonly _tag: "Audio"; readonly voice: boolean }
  | { readonly _tag: "Video"; readonly roundMessage: boolean }
  | { readonly _tag: "Filename"; readonly fileName: string }
  | { readonly _tag: "ImageSize" }
  | { readonly _tag: "Other" }

/** sticker -> stickers, animated -> gifs, voice audio -> voice_messages, round video -> video_messages, video -> videos, else files. */
export const categorizeDocument = (attributes: ReadonlyArray<MediaAttribute>): MediaCategory => {
  const has = (test: (a: MediaAttribute) => boolean) => attributes.some(test)
  if (has((a) => a._tag === "Sticker")) return "stickers"
  if (has((a) => a._tag === "Animated")) return "gifs"
  if (has((a) => a._tag === "Audio" && a.voice)) return "voice_messages"
  if (has((a) => a._tag === "Video" && a.roundMessage)) return "video_messages"
  if (has((a) => a._tag === "Video")) return "videos"
  return "files"
}
