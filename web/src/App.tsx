/**
 * The app's frame: the token prompt when the server refuses the token, the
 * session picker, then the dialog list beside the open conversation, the
 * message search or the settings.
 */
import { useEffect, useState } from "preact/hooks"
import { ApiError, request, storedToken, whenTokenRefused } from "./api.js"
import { Conversation, type Target } from "./Conversation.js"
import { DialogList } from "./Dialogs.js"
import { MessageSearch } from "./Search.js"
import { SessionPicker, TokenPrompt } from "./Sessions.js"
import { SettingsForm } from "./Settings.js"
import type { Dialog, SearchHit } from "./types.js"

const SESSION_KEY = "tgsc.session"

type View = "conversation" | "search" | "settings"

/** A dialog known only by a search hit: enough to open its history. */
const dialogOfHit = (hit: SearchHit): Dialog => ({
  id: hit.dialog_id,
  type: "",
  title: hit.dialog_name ?? String(hit.dialog_id),
  username: null,
  is_archived: false,
  unread_count: 0,
  message_count: null,
  last_message_date: null,
  last_message_preview: null,
  is_forum: false
})

export const App = () => {
  const [token, setToken] = useState<"unknown" | "ok" | "needed" | "refused">("unknown")
  const [session, setSession] = useState<string | null>(() => sessionStorage.getItem(SESSION_KEY))
  const [view, setView] = useState<View>("conversation")
  const [dialog, setDialog] = useState<Dialog | null>(null)
  const [target, setTarget] = useState<Target>({})

  useEffect(() => {
    whenTokenRefused(() => setToken(storedToken() === null ? "needed" : "refused"))
    // Whether the server wants a token: a request without a session is refused for the token first.
    request(null, "/api/v3/folders").then(
      () => setToken("ok"),
      (e: unknown) => {
        if (!(e instanceof ApiError && e.tokenRefused)) setToken("ok")
      }
    )
  }, [])

  const pick = (name: string | null) => {
    if (name === null) sessionStorage.removeItem(SESSION_KEY)
    else sessionStorage.setItem(SESSION_KEY, name)
    setSession(name)
    setDialog(null)
  }

  if (token === "unknown") return <main class="panel"><p role="status">Connecting...</p></main>
  if (token === "needed" || token === "refused") {
    return <main><TokenPrompt refused={token === "refused"} onDone={() => setToken("ok")} /></main>
  }
  if (session === null) return <main><SessionPicker current={null} onPick={pick} /></main>

  const open = (d: Dialog, t: Target = {}) => {
    setDialog(d)
    setTarget(t)
    setView("conversation")
  }
  const tab = (v: View, label: string) => (
    <button type="button" class={view === v ? "nav active" : "nav"} aria-pressed={view === v} onClick={() => setView(v)}>{label}</button>
  )
  return (
    <div class="app">
      <header class="top">
        <span class="brand">tgsc</span>
        <span class="who">Session: <strong>{session}</strong></span>
        <button type="button" onClick={() => pick(null)}>Switch session</button>
        <span class="spacer" />
        {tab("conversation", "Dialogs")}
        {tab("search", "Search")}
        {tab("settings", "Settings")}
      </header>
      <div class="layout">
        <DialogList session={session} selected={dialog?.id ?? null} onOpen={(d) => open(d)} />
        <main class="main">
          {view === "search"
            ? <MessageSearch session={session} dialog={dialog} onOpenHit={(hit) => open(dialogOfHit(hit), { date: hit.date, messageId: hit.message_id })} />
            : view === "settings"
            ? <SettingsForm session={session} dialog={dialog} />
            : dialog === null
            ? <p class="placeholder">Pick a dialog on the left (or press / to search them).</p>
            : <Conversation key={`${session}/${dialog.id}`} session={session} dialog={dialog} target={target} />}
        </main>
      </div>
    </div>
  )
}
