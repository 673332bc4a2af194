/**
 * One dialog's history (or one forum topic's, or one thread's), newest at
 * the bottom, in a windowed list: older pages load when the view nears the
 * top, newer ones near the bottom (after a jump), through the SSE history
 * endpoint, with what Telegram is being asked (and any rate-limit wait)
 * shown meanwhile. Jump to a date; replies link to the message they answer.
 * Live: while the newest messages of the whole dialog are shown, a
 * `follow=true` history stream appends new ones as they arrive (when the
 * server follows updates; it answers 409 when it does not, and then nothing
 * is live).
 */
import { useEffect, useMemo, useRef, useState } from "preact/hooks"
import { ApiError, request, streamEvents } from "./api.js"
import { loadPage, MAX_PAGE, mergeMessages, PAGE, type Progress, type Scope } from "./history.js"
import { MessageRow, type RowActions } from "./MessageRow.js"
import type { Dialog, Message, Topic } from "./types.js"
import { type ScrollRequest, VirtualList } from "./VirtualList.js"

export interface Target {
  /** Open at this date (UTC, `YYYY-MM-DD` or `YYYY-MM-DD HH:MM:SS`), or at the newest message. */
  readonly date?: string
  /** Highlight this message (at `date`). */
  readonly messageId?: number
}

interface State {
  readonly messages: ReadonlyArray<Message>
  readonly atOldest: boolean
  readonly atNewest: boolean
}

const EMPTY: State = { messages: [], atOldest: false, atNewest: false }

const describeProgress = (p: Progress): string =>
  p.waiting > 0
    ? `Telegram asks to wait: ${Math.ceil(p.waiting)} s before the next page (rate limit)...`
    : `Loading ${p.direction} messages: ${p.received} received${p.fetched > 0 ? `, ${p.fetched} fetched from Telegram` : ""}...`

export const Conversation = (props: { readonly session: string; readonly dialog: Dialog; readonly target: Target }) => {
  const { session, dialog } = props
  const [scope, setScope] = useState<Scope>({})
  const [topics, setTopics] = useState<ReadonlyArray<Topic>>([])
  const [state, setState] = useState<State>(EMPTY)
  const [progress, setProgress] = useState<Progress | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [scrollRequest, setScrollRequest] = useState<ScrollRequest | null>(null)
  const [highlight, setHighlight] = useState<number | null>(props.target.messageId ?? null)
  const [photo, setPhoto] = useState<{ url: string; alt: string } | null>(null)
  const [jumpDate, setJumpDate] = useState("")
  const [opened, setOpened] = useState<{ target: Target; seq: number }>({ target: props.target, seq: 0 })
  const loading = useRef(false)
  const live = useRef(new AbortController())
  const held = useRef<State>(EMPTY)
  const known = useRef(new Set<number>())
  const seq = useRef(0)

  /** The new state; `added`: the messages it gained (only those are added to `known`: a list may hold a million). */
  const set = (next: State, added: ReadonlyArray<Message> = next.messages) => {
    held.current = next
    for (const m of added) known.current.add(m.message_id)
    setState(next)
  }

  /** Pages loaded in a row in one direction: each twice the last (up to MAX_PAGE), so a long scroll needs few requests. */
  const streak = useRef({ direction: "older", count: 0 })
  const page = async (direction: "older" | "newer", from: string | undefined, exclusive = false) => {
    const s = streak.current
    s.count = s.direction === direction ? s.count + 1 : 0
    s.direction = direction
    return loadPage({
      session,
      dialogId: dialog.id,
      scope,
      direction,
      from,
      exclusive,
      known: known.current,
      size: Math.min(MAX_PAGE, PAGE * 2 ** s.count),
      onProgress: setProgress,
      signal: live.current.signal
    })
  }

  const run = async (work: () => Promise<void>) => {
    if (loading.current) return
    loading.current = true
    setError(null)
    try {
      await work()
    } catch (e) {
      if (!live.current.signal.aborted) {
        setError(e instanceof ApiError && e.retryAfter !== null ? `${e.detail} (retry in ${e.retryAfter} s)` : e instanceof Error ? e.message : String(e))
      }
    } finally {
      loading.current = false
      setProgress(null)
    }
  }

  // (Re)open: at the newest messages, or around a date.
  useEffect(() => {
    live.current.abort()
    live.current = new AbortController()
    loading.current = false
    known.current = new Set()
    streak.current = { direction: "older", count: -1 }
    set(EMPTY)
    const { target } = opened
    setHighlight(target.messageId ?? null)
    void run(async () => {
      if (target.date === undefined) {
        const older = await page("older", undefined)
        set({ messages: older.messages, atOldest: older.ended, atNewest: true })
        return
      }
      const newer = await page("newer", target.date)
      streak.current = { direction: "older", count: -1 }
      const older = await page("older", target.date, true)
      streak.current = { direction: "older", count: -1 }
      set({ messages: mergeMessages(older.messages, newer.messages), atOldest: older.ended, atNewest: newer.ended })
      const key = target.messageId ?? newer.messages[0]?.message_id ?? older.messages[older.messages.length - 1]?.message_id
      if (key !== undefined) setScrollRequest({ key, align: target.messageId === undefined ? "start" : "center", seq: ++seq.current })
    })
    return () => live.current.abort()
  }, [dialog.id, scope.topic_id, scope.thread, opened.seq])

  // Live: from the newest message held on, in the whole dialog (follow=true takes no topic or thread).
  const [following, setFollowing] = useState<"live" | "off" | null>(null)
  const followFrom = state.atNewest && scope.topic_id === undefined && scope.thread === undefined
    ? state.messages[state.messages.length - 1]?.date ?? null
    : null
  const followKey = followFrom === null ? null : `${dialog.id}/${opened.seq}`
  useEffect(() => {
    setFollowing(null)
    if (followFrom === null) return
    const aborter = new AbortController()
    const query = { follow: true, start_date: followFrom, chunk_size: 100 }
    streamEvents(session, `/api/v3/history/${dialog.id}`, query, (event) => {
      if (event.event !== "message") return true
      setFollowing("live")
      const chunk = (JSON.parse(event.data) as { messages?: ReadonlyArray<Message> }).messages ?? []
      const fresh = chunk.filter((m) => !known.current.has(m.message_id))
      const now = held.current
      if (fresh.length > 0 && now.atNewest) set({ ...now, messages: mergeMessages(now.messages, fresh) }, fresh)
      return true
    }, aborter.signal).then(
      () => setFollowing(null),
      (e: unknown) => setFollowing(e instanceof ApiError && e.status === 409 ? "off" : null)
    )
    return () => aborter.abort()
  }, [followKey])

  const firstTarget = useRef(props.target)
  useEffect(() => {
    if (props.target !== firstTarget.current) setOpened((o) => ({ target: props.target, seq: o.seq + 1 }))
  }, [props.target])

  useEffect(() => {
    setScope({})
    setTopics([])
    if (!dialog.is_forum) return
    request<{ topics: ReadonlyArray<Topic> }>(session, `/api/v3/dialogs/${dialog.id}/topics`).then(
      (t) => setTopics(t.topics),
      () => setTopics([])
    )
  }, [dialog.id])

  const loadOlder = () => {
    const s = held.current
    if (s.atOldest || s.messages.length === 0) return
    void run(async () => {
      const p = await page("older", s.messages[0]!.date)
      set({ ...held.current, messages: mergeMessages(held.current.messages, p.messages), atOldest: p.ended }, p.messages)
    })
  }
  const loadNewer = () => {
    const s = held.current
    if (s.atNewest || s.messages.length === 0) return
    void run(async () => {
      const p = await page("newer", s.messages[s.messages.length - 1]!.date)
      set({ ...held.current, messages: mergeMessages(held.current.messages, p.messages), atNewest: p.ended }, p.messages)
    })
  }

  const showMessage = (id: number) => {
    if (known.current.has(id)) {
      setHighlight(id)
      setScrollRequest({ key: id, align: "center", seq: ++seq.current })
    } else {
      setError(`Message ${id} is not loaded: scroll up to load older messages`)
    }
  }

  const showRef = useRef(showMessage)
  showRef.current = showMessage

  const jump = (e: Event) => {
    e.preventDefault()
    if (!/^\d{4}-\d{2}-\d{2}$/.test(jumpDate)) {
      setError("Pick a date to jump to")
      return
    }
    setOpened((o) => ({ target: { date: jumpDate }, seq: o.seq + 1 }))
  }

  const keys = useMemo(() => state.messages.map((m) => m.message_id), [state.messages])
  const actions = useMemo<RowActions>(() => ({
    showMessage: (id) => showRef.current(id),
    openPhoto: (url, alt) => setPhoto({ url, alt }),
    openThread: scope.thread === undefined ? (id) => setScope({ thread: id }) : undefined
  }), [scope.thread])
  const render = (i: number) => {
    const m = state.messages[i]!
    return <MessageRow session={session} m={m} highlight={m.message_id === highlight} actions={actions} />
  }

  const title = scope.thread !== undefined ? `${dialog.title}: thread of #${scope.thread}` : dialog.title
  return (
    <section class="conversation" aria-label={`Conversation: ${title}`}>
      <header class="conv-head">
        <h2>{title}</h2>
        <span class="count" aria-live="polite">
          {state.messages.length} messages loaded{state.atOldest ? " (from the first)" : ""}
        </span>
        {following === "live" && <span class="live" title="New messages appear as they arrive">Live</span>}
        {scope.thread !== undefined && (
          <button type="button" onClick={() => setScope({})}>Back to the dialog</button>
        )}
        {topics.length > 0 && (
          <label>
            Topic{" "}
            <select value={scope.topic_id ?? ""} onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value
              setScope(v === "" ? {} : { topic_id: Number(v) })
            }}>
              <option value="">All topics</option>
              {topics.map((t) => <option key={t.id} value={t.id}>{t.title}</option>)}
            </select>
          </label>
        )}
        <form class="jump" onSubmit={jump}>
          <label for="jump-date">Jump to date</label>
          <input id="jump-date" type="date" value={jumpDate} onInput={(e) => setJumpDate((e.target as HTMLInputElement).value)} />
          <button type="submit">Go</button>
          <button type="button" onClick={() => setOpened((o) => ({ target: {}, seq: o.seq + 1 }))}>Newest</button>
        </form>
      </header>
      <div class="status" role="status">
        {progress !== null ? describeProgress(progress) : ""}
      </div>
      {error !== null && <div class="error" role="alert">{error}</div>}
      {state.atOldest && <div class="edge">Beginning of the history</div>}
      <VirtualList
        keys={keys}
        render={render}
        label={`Messages of ${title}`}
        busy={progress !== null}
        onNearTop={loadOlder}
        onNearBottom={loadNewer}
        scrollRequest={scrollRequest}
        startAtBottom={opened.target.date === undefined}
        key={`${dialog.id}/${scope.topic_id ?? ""}/${scope.thread ?? ""}/${opened.seq}`}
      />
      {photo !== null && (
        <div class="overlay" role="dialog" aria-modal="true" aria-label="Photo, full size">
          <button type="button" class="close" onClick={() => setPhoto(null)} autoFocus>Close</button>
          <img src={photo.url} alt={photo.alt} class="full" />
        </div>
      )}
    </section>
  )
}
