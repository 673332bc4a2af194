/**
 * The API token (asked once, kept in sessionStorage: gone when the tab
 * closes) and the session to read as. The server's saved sessions come from
 * GET /api/v3/sessions (the admin token's); a named token may not list them
 * (403), so the names used before are remembered here too (names only, never
 * a secret); a name is checked with a real request before it is used. A session can be
 * logged out (DELETE /api/v3/sessions/{name}: Telegram ends the login, the
 * server forgets it); new ones log in on /login.
 */
import { useEffect, useState } from "preact/hooks"
import { ApiError, request, storeToken } from "./api.js"

const KNOWN_KEY = "tgsc.sessions"

export const knownSessions = (): Array<string> => {
  try {
    const v = JSON.parse(localStorage.getItem(KNOWN_KEY) ?? "[]") as unknown
    return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : []
  } catch {
    return []
  }
}
const saveKnown = (names: ReadonlyArray<string>) => localStorage.setItem(KNOWN_KEY, JSON.stringify([...new Set(names)].sort()))

export const TokenPrompt = (props: { readonly onDone: () => void; readonly refused: boolean }) => {
  const [token, setToken] = useState("")
  return (
    <section class="panel" aria-label="API token">
      <h1>tgsc</h1>
      <form onSubmit={(e) => {
        e.preventDefault()
        storeToken(token.trim())
        props.onDone()
      }}>
        <p>
          {props.refused ? "The server refused the API token (or needs one). " : ""}
          This server asks for an API token: TGSC_API_TOKEN, or one made with <code>tgsc-auth token create</code>. It is kept
          in this tab only (sessionStorage) and sent in a header, never in a URL.
        </p>
        <label for="token">API token</label>
        <input id="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken((e.target as HTMLInputElement).value)} required />
        <button type="submit">Use this token</button>
      </form>
    </section>
  )
}

export const SessionPicker = (props: { readonly current: string | null; readonly onPick: (name: string | null) => void }) => {
  const [known, setKnown] = useState(knownSessions)
  const [name, setName] = useState("")
  const [status, setStatus] = useState<{ text: string; error: boolean }>({ text: "", error: false })
  const [confirming, setConfirming] = useState<string | null>(null)

  // The server's list, when this token may read it; the remembered names stay for a token that may not.
  useEffect(() => {
    const aborter = new AbortController()
    request<{ sessions: ReadonlyArray<{ name: string }> }>(null, "/api/v3/sessions", { signal: aborter.signal })
      .then((answer) => {
        saveKnown([...knownSessions(), ...answer.sessions.map((entry) => entry.name)])
        setKnown(knownSessions())
      })
      .catch(() => {
        // 403 for a named token, or aborted: the remembered names are what there is.
      })
    return () => aborter.abort()
  }, [])

  const open = async (candidate: string) => {
    setStatus({ text: `Checking session '${candidate}'...`, error: false })
    try {
      await request(candidate, "/api/v3/folders")
      const next = [...known, candidate]
      saveKnown(next)
      setKnown(knownSessions())
      setStatus({ text: "", error: false })
      props.onPick(candidate)
    } catch (e) {
      setStatus({ text: e instanceof ApiError ? e.detail : String(e), error: true })
    }
  }

  const logOut = async (candidate: string) => {
    setConfirming(null)
    setStatus({ text: `Logging '${candidate}' out...`, error: false })
    try {
      const answer = await request<{ message: string }>(null, `/api/v3/sessions/${encodeURIComponent(candidate)}`, { method: "DELETE" })
      const next = known.filter((k) => k !== candidate)
      saveKnown(next)
      setKnown(next)
      setStatus({ text: answer.message, error: false })
      if (props.current === candidate) props.onPick(null)
    } catch (e) {
      setStatus({ text: e instanceof ApiError ? e.detail : String(e), error: true })
    }
  }

  return (
    <section class="panel sessions" aria-label="Sessions">
      <h1>tgsc</h1>
      <h2>Sessions</h2>
      {known.length > 0 && (
        <ul class="session-list">
          {known.map((k) => (
            <li key={k}>
              <button type="button" class="session" aria-current={k === props.current ? "true" : undefined} onClick={() => open(k)}>{k}</button>
              {confirming === k
                ? (
                  <span class="confirm">
                    Log '{k}' out of Telegram and delete it here?{" "}
                    <button type="button" class="danger" onClick={() => logOut(k)}>Yes, log out</button>{" "}
                    <button type="button" onClick={() => setConfirming(null)}>Cancel</button>
                  </span>
                )
                : <button type="button" class="logout" onClick={() => setConfirming(k)} aria-label={`Log out ${k}`}>Log out</button>}
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={(e) => {
        e.preventDefault()
        if (name.trim() !== "") void open(name.trim())
      }}>
        <label for="session-name">Session name</label>
        <input id="session-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="me" required />
        <button type="submit">Open</button>
      </form>
      <p>
        No session yet? <a href="/login">Log in to Telegram</a> (by QR code or a code sent to your phone), then open it here.
      </p>
      <p role="status" class={status.error ? "error" : ""}>{status.text}</p>
      <button type="button" class="linkish" onClick={() => {
        storeToken(null)
        location.reload()
      }}>Forget the API token</button>
    </section>
  )
}
