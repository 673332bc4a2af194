/**
 * Message search: Telegram's own search across dialogs (or in the open
 * one), or the local cache's full-text index with what it covers and what
 * it does not ("not cached"), or both (`auto`). A hit opens its dialog at
 * the message.
 */
import { useState } from "preact/hooks"
import { request } from "./api.js"
import type { Coverage, Dialog, SearchAnswer, SearchHit } from "./types.js"

const range = (r: { start_date: string; end_date: string }) => `${r.start_date.slice(0, 10)} .. ${r.end_date === "now" ? "now" : r.end_date.slice(0, 10)}`

const CoverageLine = (props: { readonly c: Coverage }) => (
  <li>
    <strong>{props.c.dialog_title}</strong>: searched {props.c.covered.length === 0 ? "nothing (not cached)" : props.c.covered.map(range).join(", ")}
    {props.c.gaps.length > 0 && <span class="gaps">; not cached: {props.c.gaps.map(range).join(", ")}</span>}
  </li>
)

export const MessageSearch = (props: {
  readonly session: string
  readonly dialog: Dialog | null
  readonly onOpenHit: (hit: SearchHit) => void
}) => {
  const [q, setQ] = useState("")
  const [source, setSource] = useState("telegram")
  const [here, setHere] = useState(false)
  const [answer, setAnswer] = useState<SearchAnswer | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const submit = async (e: Event) => {
    e.preventDefault()
    if (q.trim() === "") {
      setError("Type what to search for")
      return
    }
    setBusy(true)
    setError(null)
    try {
      const path = here && props.dialog !== null ? `/api/v3/search/messages/${props.dialog.id}` : "/api/v3/search/messages"
      setAnswer(await request<SearchAnswer>(props.session, path, { query: { q: q.trim(), source, limit: 100 } }))
    } catch (err) {
      setAnswer(null)
      setError(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section class="search" aria-label="Message search">
      <h2>Search messages</h2>
      <form onSubmit={submit} class="search-form">
        <label for="msg-q">Words to find</label>
        <input id="msg-q" type="search" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        <label for="msg-source">Where</label>
        <select id="msg-source" value={source} onChange={(e) => setSource((e.target as HTMLSelectElement).value)}>
          <option value="telegram">Telegram's search</option>
          <option value="cache">The local cache</option>
          <option value="auto">The cache, and Telegram for what it lacks</option>
        </select>
        {props.dialog !== null && (
          <label>
            <input type="checkbox" checked={here} onChange={(e) => setHere((e.target as HTMLInputElement).checked)} /> only in {props.dialog.title}
          </label>
        )}
        <button type="submit" disabled={busy}>{busy ? "Searching..." : "Search"}</button>
      </form>
      {error !== null && <div class="error" role="alert">{error}</div>}
      {answer !== null && (
        <div class="results">
          <p aria-live="polite">{answer.total} {answer.total === 1 ? "message" : "messages"} found</p>
          {answer.coverage !== undefined && answer.coverage.length > 0 && (
            <details class="coverage">
              <summary>What the cache covered ({answer.coverage.length} dialogs)</summary>
              <ul>{answer.coverage.map((c) => <CoverageLine key={c.dialog_id} c={c} />)}</ul>
            </details>
          )}
          <ul class="hits">
            {answer.results.map((hit) => (
              <li key={`${hit.dialog_id}/${hit.message_id}`}>
                <button type="button" class="hit" data-hit={`${hit.dialog_id}/${hit.message_id}`} onClick={() => props.onOpenHit(hit)}>
                  <span class="d-title">{hit.dialog_name ?? hit.dialog_id}</span>
                  <span class="d-date">{hit.date}</span>
                  <span class="preview">{hit.message}</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  )
}
