/**
 * What becomes of a cached message's media file when the message is
 * served, under the settings in force: downloaded, or skipped with the
 * setting that excluded it (no file, and no request to Telegram). Pending
 * and failed downloads are tried again each time their messages are served;
 * skipped ones only with `repair_media` once the settings allow them.
 */
import type { MediaFile } from "./Message.js"
import type { StoredMedia } from "./MediaRecord.js"
import { mediaSizeLimitBytes, type Settings } from "./Settings.js"

export type MediaDecision =
  | { readonly _tag: "Download" }
  | { readonly _tag: "Skip"; readonly reason: string }

const MB = 1024 * 1024

const DOWNLOAD: MediaDecision = { _tag: "Download" }

/** Whether the settings let this file be downloaded, and if not, which setting says no. */
export const mediaDecision = (settings: Settings, file: Pick<MediaFile, "category" | "size">): MediaDecision => {
  if (!settings.download_media) return { _tag: "Skip", reason: "download_media is off" }
  if (!settings.download_file_types[file.category]) {
    return { _tag: "Skip", reason: `download_file_types.${file.category} is off` }
  }
  const limit = mediaSizeLimitBytes(settings)
  if (limit !== null && file.size > limit) {
    return {
      _tag: "Skip",
      reason: `larger than max_media_size_mb (${settings.max_media_size_mb} MB): ${(file.size / MB).toFixed(1)} MB`
    }
  }
  return DOWNLOAD
}

export type MediaAction =
  /** Served as it stands. */
  | { readonly _tag: "Keep" }
  /** Downloaded now (again, for a file gone from disk or a failed or pending download). */
  | { readonly _tag: "Download" }
  /** Recorded as skipped, for this reason. */
  | { readonly _tag: "Skip"; readonly reason: string }

const KEEP: MediaAction = { _tag: "Keep" }

/**
 * What to do with a media record about to be served. `onDisk`: whether its
 * downloaded file is still there (the caller need only look for downloaded
 * records; for the others it does not matter).
 */
export const mediaAction = (
  settings: Settings,
  media: Pick<StoredMedia, "status" | "reason" | "category" | "size">,
  onDisk: boolean
): MediaAction => {
  if (media.status === "downloaded" && onDisk) return KEEP
  if (media.status === "skipped" && !settings.repair_media) return KEEP
  const decision = mediaDecision(settings, media)
  if (decision._tag === "Download") return decision
  // Skipped for the same reason: nothing to record again.
  if (media.status === "skipped" && media.reason === decision.reason) return KEEP
  return decision
}
