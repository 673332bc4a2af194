/**
 * Background sync jobs (POST/GET/DELETE /api/v3/sync): fill a range of the
 * open dialog's history into the cache while the app does something else,
 * with the job's progress (messages, fetched, a rate limit being waited out)
 * polled every second until it ends, and a way to cancel it.
 */
import { useEffect, useState } from "preact/hooks"
import { request } from "./api.js"
import type { Dialog, SyncJob } from "./types.js"

const POLL_MS = 1000

const describe = (job: SyncJob): string =>
  `Job ${job.state}: ${job.messages} messages, ${job.fetched} fetched from Telegram` +
  (job.rate_limit_wait > 0 ? `, waiting ${job.rate_limit_wait} s (rate limit)` : "") +
  (job.error !== null ? `: ${job.error.detail}` : "")

export const SyncPanel = (props: { readonly session: string; readonly dialog: Dialog | null }) => {
  const [start, setStart] = useState("")
  const [end, setEnd] = useState("")
  const [job, setJob] = useState<SyncJob | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    if (job === null || job.state !== "running") return
    const timer = setTimeout(() => {
      request<SyncJob>(props.session, `/api/v3/sync/${job.job_id}`).then(setJob, (e: unknown) => setError(String(e)))
    }, POLL_MS)
    return () => clearTimeout(timer)
  }, [job])

  if (props.dialog === null) return <p class="sync">Open a dialog to fill its cache in the background.</p>
  const dialog = props.dialog

  const begin = async (e: Event) => {
    e.preventDefault()
    setError(null)
    try {
      setJob(await request<SyncJob>(props.session, `/api/v3/sync/${dialog.id}`, { method: "POST", query: { start_date: start, end_date: end } }))
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    }
  }
  const cancel = async () => {
    if (job === null) return
    try {
      setJob(await request<SyncJob>(props.session, `/api/v3/sync/${job.job_id}`, { method: "DELETE" }))
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    }
  }

  return (
    <form class="sync" onSubmit={begin} aria-label="Fill the cache">
      <h3>Fill the cache of {dialog.title}</h3>
      <label for="sync-start">From (empty: the first message)</label>
      <input id="sync-start" type="date" value={start} onInput={(e) => setStart((e.target as HTMLInputElement).value)} />
      <label for="sync-end">Until (empty: now)</label>
      <input id="sync-end" type="date" value={end} onInput={(e) => setEnd((e.target as HTMLInputElement).value)} />
      <button type="submit" disabled={job?.state === "running"}>Start</button>
      {job?.state === "running" && <button type="button" onClick={cancel}>Cancel</button>}
      <p role="status" class="sync-status">{job === null ? "" : describe(job)}</p>
      {error !== null && <p class="error" role="alert">{error}</p>}
    </form>
  )
}
