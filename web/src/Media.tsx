/**
 * A message's media, fetched from /api/v3/files with the token (an element's
 * src cannot carry it) as a blob: URL: photos as thumbnails (full size in
 * an overlay on click), other files as a download; voice, audio and video
 * in players streaming through the service worker (sw.ts, Range requests),
 * or from a blob without it. Fetched only when the row is shown, and kept for the last
 * MAX_URLS files (older URLs revoked).
 */
import { useEffect, useState } from "preact/hooks"
import { fileBlob, streamUrl } from "./api.js"
import type { Message } from "./types.js"

const MAX_URLS = 200
const urls = new Map<string, Promise<string>>()

export const blobUrl = (session: string, uuid: string): Promise<string> => {
  const key = `${session}\n${uuid}`
  let url = urls.get(key)
  if (url === undefined) {
    url = fileBlob(session, uuid).then((blob) => URL.createObjectURL(blob))
    url.catch(() => urls.delete(key))
    urls.set(key, url)
    if (urls.size > MAX_URLS) {
      const [oldest, value] = urls.entries().next().value as [string, Promise<string>]
      urls.delete(oldest)
      void value.then((u) => URL.revokeObjectURL(u), () => undefined)
    }
  }
  return url
}

const useBlob = (session: string, uuid: string | null, wanted: boolean): { url: string | null; error: string | null } => {
  const [state, setState] = useState<{ url: string | null; error: string | null }>({ url: null, error: null })
  useEffect(() => {
    if (uuid === null || !wanted) return
    let live = true
    blobUrl(session, uuid).then(
      (url) => live && setState({ url, error: null }),
      (e: unknown) => live && setState({ url: null, error: e instanceof Error ? e.message : String(e) })
    )
    return () => {
      live = false
    }
  }, [session, uuid, wanted])
  return state
}

export const formatSize = (bytes: number | null): string =>
  bytes === null ? "" : bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${(bytes / 1024).toFixed(0)} KB` : `${(bytes / 1048576).toFixed(1)} MB`

const CATEGORY_NAMES: Record<string, string> = {
  photos: "Photo",
  videos: "Video",
  voice_messages: "Voice message",
  video_messages: "Video message",
  stickers: "Sticker",
  gifs: "GIF",
  files: "File"
}

export const mediaName = (m: Message): string =>
  m.media_category !== null ? CATEGORY_NAMES[m.media_category] ?? m.media_category : (m.media_type ?? "").replace(/^MessageMedia/, "")

const Photo = (props: { session: string; m: Message; onOpen: (url: string, alt: string) => void }) => {
  const { url, error } = useBlob(props.session, props.m.media_uuid, true)
  const alt = `Photo from message ${props.m.message_id}`
  if (error !== null) return <span class="media-missing">Photo: {error}</span>
  if (url === null) return <span class="media-loading">Loading photo...</span>
  return (
    <button type="button" class="thumb" onClick={() => props.onOpen(url, alt)} aria-label={`Open photo of message ${props.m.message_id} full size`}>
      <img src={url} alt={alt} />
    </button>
  )
}

const Player = (props: { session: string; m: Message; kind: "audio" | "video" }) => {
  const [wanted, setWanted] = useState(false)
  // Streamed with Range requests through the service worker when it serves the page, else fetched whole.
  const [stream] = useState(() => streamUrl(props.session, props.m.media_uuid!))
  const blob = useBlob(props.session, props.m.media_uuid, wanted && stream === null)
  const url = wanted && stream !== null ? stream : blob.url
  const error = blob.error
  const name = mediaName(props.m)
  if (error !== null) return <span class="media-missing">{name}: {error}</span>
  if (!wanted || url === null) {
    return (
      <button type="button" class="play" onClick={() => setWanted(true)} disabled={wanted}>
        {wanted ? "Loading..." : `Play ${name.toLowerCase()}`} {formatSize(props.m.media_size)}
      </button>
    )
  }
  return props.kind === "audio"
    ? <audio class="player" controls autoplay src={url} aria-label={`${name} of message ${props.m.message_id}`} />
    : <video class="player" controls autoplay src={url} aria-label={`${name} of message ${props.m.message_id}`} />
}

const Download = (props: { session: string; m: Message }) => {
  const [busy, setBusy] = useState<string | null>(null)
  const name = props.m.media_original_filename ?? `${mediaName(props.m).toLowerCase()}-${props.m.message_id}`
  const download = async () => {
    setBusy("Downloading...")
    try {
      const url = await blobUrl(props.session, props.m.media_uuid!)
      const a = document.createElement("a")
      a.href = url
      a.download = name
      a.click()
      setBusy(null)
    } catch (e) {
      setBusy(e instanceof Error ? e.message : String(e))
    }
  }
  return (
    <button type="button" class="download" onClick={download}>
      Download {name} {formatSize(props.m.media_size)}{busy === null ? "" : ` (${busy})`}
    </button>
  )
}

export const Media = (props: { session: string; m: Message; onOpenPhoto: (url: string, alt: string) => void }) => {
  const { m } = props
  if (m.media_type === null) return null
  if (m.media_uuid === null) {
    // No file (a location, a poll, a link preview), or one the settings did not download.
    return <span class="media-missing">[{mediaName(m) || "media"}{m.media_category === null ? "" : ": not in the cache"}]</span>
  }
  switch (m.media_category) {
    case "photos":
    case "stickers":
      return <Photo session={props.session} m={m} onOpen={props.onOpenPhoto} />
    case "voice_messages":
      return <Player session={props.session} m={m} kind="audio" />
    case "videos":
    case "video_messages":
    case "gifs":
      return <Player session={props.session} m={m} kind="video" />
    default:
      return <Download session={props.session} m={m} />
  }
}
