/** Which media the settings let be downloaded, and what becomes of a media record when its message is served. */
import { describe, expect, it } from "@effect/vitest"
import { mediaAction, mediaDecision } from "../../src/domain/MediaDecision.js"
import type { MediaStatus } from "../../src/domain/MediaRecord.js"
import { defaultSettings, type Settings } from "../../src/domain/Settings.js"

const MB = 1024 * 1024
const settings = (more: Partial<Settings> = {}): Settings => ({ ...defaultSettings, ...more })
const photo = { category: "photos", size: MB } as const

describe("mediaDecision", () => {
  it("downloads what the settings allow", () => {
    expect(mediaDecision(settings(), photo)).toEqual({ _tag: "Download" })
    expect(mediaDecision(settings({ max_media_size_mb: 0 }), { category: "files", size: 900 * MB })).toEqual({ _tag: "Download" })
  })

  it("skips with the setting that says no, in order: download_media, the file type, the size limit", () => {
    expect(mediaDecision(settings({ download_media: false }), { category: "videos", size: 90 * MB })).toEqual({
      _tag: "Skip",
      reason: "download_media is off"
    })
    expect(mediaDecision(settings(), { category: "videos", size: 90 * MB })).toEqual({
      _tag: "Skip",
      reason: "download_file_types.videos is off"
    })
    expect(mediaDecision(settings(), { category: "files", size: 20 * MB + 1 })).toEqual({
      _tag: "Skip",
      reason: "larger than max_media_size_mb (20 MB): 20.0 MB"
    })
    expect(mediaDecision(settings(), { category: "files", size: 20 * MB })).toEqual({ _tag: "Download" })
  })
})

describe("mediaAction", () => {
  const record = (status: MediaStatus, reason: string | null = null) => ({ ...photo, status, reason })

  it("a downloaded file still on disk is served as it is; one gone from disk is downloaded again", () => {
    expect(mediaAction(settings(), record("downloaded"), true)).toEqual({ _tag: "Keep" })
    expect(mediaAction(settings(), record("downloaded"), false)).toEqual({ _tag: "Download" })
    expect(mediaAction(settings({ download_media: false }), record("downloaded"), false)).toEqual({
      _tag: "Skip",
      reason: "download_media is off"
    })
  })

  it("pending and failed downloads are tried again whenever their messages are served", () => {
    expect(mediaAction(settings(), record("pending"), false)).toEqual({ _tag: "Download" })
    expect(mediaAction(settings(), record("failed", "FILE_REFERENCE_EXPIRED"), false)).toEqual({ _tag: "Download" })
  })

  it("skipped media stays skipped without repair_media, and with it once the settings allow it", () => {
    const skipped = record("skipped", "download_media is off")
    expect(mediaAction(settings({ repair_media: false }), skipped, false)).toEqual({ _tag: "Keep" })
    expect(mediaAction(settings({ repair_media: true }), skipped, false)).toEqual({ _tag: "Download" })
  })

  it("a skip is recorded again only when its reason changed", () => {
    const off = settings({ download_media: false })
    expect(mediaAction(off, record("skipped", "download_media is off"), false)).toEqual({ _tag: "Keep" })
    expect(mediaAction(off, record("skipped", "download_file_types.photos is off"), false)).toEqual({
      _tag: "Skip",
      reason: "download_media is off"
    })
    expect(mediaAction(off, record("pending"), false)).toEqual({ _tag: "Skip", reason: "download_media is off" })
  })
})
