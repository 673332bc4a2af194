/**
 * The saved sessions, by name: what a client picks from (the web app's
 * session list, an operator's script). Names only: a session's file holds
 * its Telegram login, which never leaves the server.
 */
import { Effect } from "effect"
import type { SessionName } from "../domain/SessionName.js"
import { SessionStore } from "../ports/SessionStore.js"

export const makeSessionListing = Effect.gen(function*() {
  const sessions = yield* SessionStore
  const list = Effect.fn("SessionListing.list")(function*() {
    const names = yield* sessions.list
    return [...names].sort((a, b) => a.localeCompare(b)) as ReadonlyArray<SessionName>
  })
  return { list } as const
})

/** Listing the saved sessions. */
export class SessionListing extends Effect.Service<SessionListing>()("app/SessionListing", { effect: makeSessionListing }) {}
