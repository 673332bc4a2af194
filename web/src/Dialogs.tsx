/**
 * The dialog list: the API's fuzzy title search with its filters (type,
 * archived), folder tabs, and "unread only" (unread counts are in every
 * result); each row with its unread count and last message preview.
 * Keyboard: `/` focuses the search box, arrow keys move through the list,
 * Enter opens.
 */
import { useEffect, useRef, useState } from "preact/hooks"
import { request } from "./api.js"
import type { Dialog, DialogPage, Folder } from "./types.js"

const TYPES = [
  ["", "All types"],
  ["user", "People"],
  ["bot", "Bots"],
  ["group", "Groups"],
  ["supergroup", "Supergroups"],
  ["channel", "Channels"],
  ["saved", "Saved messages"]
] as const

const day = (date: string | null): string => (date === null ? "" : date.slice(0, 10))

export const DialogList = (props: {
  readonly session: string
  readonly selected: number | null
  readonly onOpen: (dialog: Dialog) => void
}) => {
  const [q, setQ] = useState("")
  const [type, setType] = useState("")
  const [archived, setArchived] = useState("")
  const [unread, setUnread] = useState(false)
  const [folder, setFolder] = useState<number | null>(null)
  const [folders, setFolders] = useState<ReadonlyArray<Folder>>([])
  const [page, setPage] = useState<DialogPage | null>(null)
  const [error, setError] = useState<string | null>(null)
  const list = useRef<HTMLUListElement>(null)
  const search = useRef<HTMLInputElement>(null)

  useEffect(() => {
    request<ReadonlyArray<Folder>>(props.session, "/api/v3/folders").then(setFolders, () => setFolders([]))
  }, [props.session])

  useEffect(() => {
    const controller = new AbortController()
    const timer = setTimeout(() => {
      request<DialogPage>(props.session, "/api/v3/search/dialogs", {
        query: {
          q: q.trim(),
          min_score: q.trim() === "" ? undefined : 0.6,
          type: type === "" ? undefined : type,
          is_archived: archived === "" ? undefined : archived,
          folder: folder ?? undefined,
          limit: 500
        },
        signal: controller.signal
      }).then(
        (p) => {
          setPage(p)
          setError(null)
        },
        (e: unknown) => {
          if (!controller.signal.aborted) setError(e instanceof Error ? e.message : String(e))
        }
      )
    }, q === "" ? 0 : 150)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [props.session, q, type, archived, folder])

  useEffect(() => {
    const slash = (e: KeyboardEvent) => {
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.target instanceof HTMLTextAreaElement
      if (e.key === "/" && !typing) {
        e.preventDefault()
        search.current?.focus()
      }
    }
    window.addEventListener("keydown", slash)
    return () => window.removeEventListener("keydown", slash)
  }, [])

  const shown = (page?.results ?? []).filter((d) => !unread || d.unread_count > 0)

  const move = (e: KeyboardEvent) => {
    const buttons = [...(list.current?.querySelectorAll<HTMLButtonElement>("button.dialog") ?? [])]
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement)
    const to = e.key === "ArrowDown" ? at + 1 : e.key === "ArrowUp" ? at - 1 : e.key === "Home" ? 0 : e.key === "End" ? buttons.length - 1 : null
    if (to === null) return
    e.preventDefault()
    buttons[Math.max(0, Math.min(buttons.length - 1, to))]?.focus()
  }

  return (
    <nav class="dialogs" aria-label="Dialogs">
      <div class="tabs" role="group" aria-label="Folders">
        {folders.map((f) => {
          const active = (folder ?? 0) === f.id
          return (
            <button key={f.id} type="button" aria-pressed={active} class={active ? "tab active" : "tab"}
              onClick={() => setFolder(f.id === 0 ? null : f.id)}>
              {f.title}
            </button>
          )
        })}
      </div>
      <div class="filters">
        <label for="dialog-q">Search dialogs</label>
        <input id="dialog-q" ref={search} type="search" value={q} placeholder="Title (fuzzy), / to focus"
          onInput={(e) => setQ((e.target as HTMLInputElement).value)}
          onKeyDown={(e) => {
            if (e.key === "ArrowDown") {
              e.preventDefault()
              list.current?.querySelector<HTMLButtonElement>("button.dialog")?.focus()
            } else if (e.key === "Enter" && shown[0] !== undefined) props.onOpen(shown[0])
          }} />
        <div class="filter-row">
          <label>
            Type{" "}
            <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
              {TYPES.map(([v, label]) => <option key={v} value={v}>{label}</option>)}
            </select>
          </label>
          <label>
            Archive{" "}
            <select value={archived} onChange={(e) => setArchived((e.target as HTMLSelectElement).value)}>
              <option value="">Any</option>
              <option value="false">Not archived</option>
              <option value="true">Archived</option>
            </select>
          </label>
          <label>
            <input type="checkbox" checked={unread} onChange={(e) => setUnread((e.target as HTMLInputElement).checked)} /> Unread only
          </label>
        </div>
      </div>
      {error !== null && <div class="error" role="alert">{error}</div>}
      <p class="count" aria-live="polite">{page === null ? "Loading dialogs..." : `${shown.length} dialogs`}</p>
      <ul ref={list} class="dialog-list" onKeyDown={move}>
        {shown.map((d) => (
          <li key={d.id}>
            <button type="button" class={d.id === props.selected ? "dialog selected" : "dialog"} data-dialog-id={d.id}
              aria-current={d.id === props.selected ? "true" : undefined} onClick={() => props.onOpen(d)}>
              <span class="d-title">{d.title}</span>
              {d.unread_count > 0 && <span class="unread" aria-label={`${d.unread_count} unread`}>{d.unread_count}</span>}
              <span class="d-date">{day(d.last_message_date)}</span>
              <span class="preview">{d.last_message_preview ?? ""}</span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  )
}
