/**
 * The runtime settings (GET/PATCH /api/v3/settings): media downloads, their
 * types and size cap, Telegram's batch size, media repair. Only the fields
 * changed are sent; the server's answer is shown as saved.
 */
import { useEffect, useState } from "preact/hooks"
import { request } from "./api.js"
import { SyncPanel } from "./SyncPanel.js"
import type { Dialog, Settings } from "./types.js"

const TYPE_NAMES: Record<string, string> = {
  photos: "Photos",
  videos: "Videos",
  voice_messages: "Voice messages",
  video_messages: "Video messages",
  stickers: "Stickers",
  gifs: "GIFs",
  files: "Files"
}

export const changes = (saved: Settings, edited: Settings): Partial<Settings> => {
  const patch: Record<string, unknown> = {}
  for (const key of ["download_media", "max_media_size_mb", "telegram_batch_size", "repair_media"] as const) {
    if (saved[key] !== edited[key]) patch[key] = edited[key]
  }
  const types: Record<string, boolean> = {}
  for (const [k, v] of Object.entries(edited.download_file_types)) if (saved.download_file_types[k] !== v) types[k] = v
  if (Object.keys(types).length > 0) patch["download_file_types"] = types
  return patch as Partial<Settings>
}

export const SettingsForm = (props: { readonly session: string; readonly dialog: Dialog | null }) => {
  const [saved, setSaved] = useState<Settings | null>(null)
  const [edited, setEdited] = useState<Settings | null>(null)
  const [status, setStatus] = useState<{ text: string; error: boolean }>({ text: "", error: false })

  useEffect(() => {
    request<Settings>(props.session, "/api/v3/settings").then(
      (s) => {
        setSaved(s)
        setEdited(s)
      },
      (e: unknown) => setStatus({ text: e instanceof Error ? e.message : String(e), error: true })
    )
  }, [props.session])

  if (saved === null || edited === null) {
    return <section class="settings" aria-label="Settings"><h2>Settings</h2><p role="status" class={status.error ? "error" : ""}>{status.text || "Loading..."}</p></section>
  }

  const submit = async (e: Event) => {
    e.preventDefault()
    const patch = changes(saved, edited)
    if (Object.keys(patch).length === 0) {
      setStatus({ text: "Nothing changed", error: false })
      return
    }
    try {
      const next = await request<Settings>(props.session, "/api/v3/settings", { method: "PATCH", body: patch })
      setSaved(next)
      setEdited(next)
      setStatus({ text: "Saved", error: false })
    } catch (err) {
      setStatus({ text: err instanceof Error ? err.message : String(err), error: true })
    }
  }

  return (
    <section class="settings" aria-label="Settings">
      <h2>Settings</h2>
      <form onSubmit={submit}>
        <label>
          <input type="checkbox" id="set-download" checked={edited.download_media}
            onChange={(e) => setEdited({ ...edited, download_media: (e.target as HTMLInputElement).checked })} /> Download media into the cache
        </label>
        <fieldset>
          <legend>Media types to download</legend>
          {Object.entries(edited.download_file_types).map(([k, v]) => (
            <label key={k}>
              <input type="checkbox" checked={v} onChange={(e) =>
                setEdited({ ...edited, download_file_types: { ...edited.download_file_types, [k]: (e.target as HTMLInputElement).checked } })} />{" "}
              {TYPE_NAMES[k] ?? k}
            </label>
          ))}
        </fieldset>
        <label for="set-size">Largest media file to download, MB (empty: no limit)</label>
        <input id="set-size" type="number" min="0" step="any" value={edited.max_media_size_mb ?? ""}
          onInput={(e) => {
            const v = (e.target as HTMLInputElement).value
            setEdited({ ...edited, max_media_size_mb: v === "" ? null : Number(v) })
          }} />
        <label for="set-batch">Messages per Telegram request</label>
        <input id="set-batch" type="number" min="1" step="1" value={edited.telegram_batch_size}
          onInput={(e) => setEdited({ ...edited, telegram_batch_size: Number((e.target as HTMLInputElement).value) })} />
        <label>
          <input type="checkbox" checked={edited.repair_media}
            onChange={(e) => setEdited({ ...edited, repair_media: (e.target as HTMLInputElement).checked })} /> Repair media files gone from disk
        </label>
        <button type="submit">Save settings</button>
        <p role="status" class={status.error ? "error" : "ok"}>{status.text}</p>
      </form>
      <SyncPanel session={props.session} dialog={props.dialog} />
    </section>
  )
}
