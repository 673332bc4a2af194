/**
 * Telegram economy: an account's dialog list and folders are fetched once
 * and reused for a short TTL; message counts and full-chat participant
 * counts are fetched per dialog, only when asked for, and cached the same
 * way. A repeated search inside the TTL makes no Telegram call.
 *
 * Failures are not kept (a rate limit or an outage must not outlive its
 * cause), except "this account cannot see that dialog", which is an answer.
 *
 * What is cached for a session name belongs to the login saved under it:
 * when another login is saved under the name (a forced login, tgsc-auth, a
 * file replaced by hand), possibly another account's, the name's entries
 * (counts included) are dropped when its dialog list or folders are next
 * asked for, as every search does first, not left to serve the old account
 * until the TTL.
 */
import { Cache, Context, Duration, Effect, Either, Option } from "effect"
import type { DialogRecord, FolderRule } from "../domain/Dialog.js"
import type { SessionName } from "../domain/SessionName.js"
import { SessionStore } from "../ports/SessionStore.js"
import { type PeerNotFound, TelegramGateway, type TelegramError } from "../ports/TelegramGateway.js"
import { DEFAULTS } from "../domain/Defaults.js"
import { DialogId } from "../domain/Ids.js"

export interface AccountCacheOptions {
  readonly timeToLive: Duration.Duration
}

export class AccountCacheOptionsTag extends Context.Tag("app/AccountCacheOptions")<AccountCacheOptionsTag, AccountCacheOptions>() {}

export const DEFAULT_ACCOUNT_CACHE_TTL = Duration.seconds(DEFAULTS.dialogCacheTtlSeconds)

const CAPACITY = 100_000
/** Dialog lookups done at once when counts are needed for many survivors. */
export const COUNT_CONCURRENCY = 4

type DialogKey = `${number}@${string}`

const dialogKey = (session: SessionName, dialogId: DialogId): DialogKey => `${dialogId}@${session}`

const parseDialogKey = (key: DialogKey) => {
  const at = key.indexOf("@")
  return { dialogId: DialogId(Number(key.slice(0, at))), session: key.slice(at + 1) as SessionName }
}

/** Gets from a cache, dropping the entry again when its lookup failed. */
const getFresh = <K, V, E>(cache: Cache.Cache<K, V, E>, key: K) =>
  Effect.tapError(cache.get(key), () => cache.invalidate(key))

/** Per-dialog lookups whose "not visible" answer is cached like a value. */
const makeDialogCache = <A>(
  timeToLive: Duration.Duration,
  lookup: (session: SessionName, dialogId: DialogId) => Effect.Effect<A, TelegramError | PeerNotFound>
) =>
  Effect.map(
    Cache.make<DialogKey, Either.Either<A, PeerNotFound>, TelegramError>({
      capacity: CAPACITY,
      timeToLive,
      lookup: (key) => {
        const { dialogId, session } = parseDialogKey(key)
        return lookup(session, dialogId).pipe(
          Effect.map(Either.right),
          Effect.catchTag("PeerNotFound", (e) => Effect.succeed(Either.left(e)))
        )
      }
    }),
    (cache) => ({
      get: (session: SessionName, dialogId: DialogId): Effect.Effect<A, TelegramError | PeerNotFound> =>
        Effect.flatMap(getFresh(cache, dialogKey(session, dialogId)), (answer) => answer),
      /** The cached value, if one is there; never asks Telegram. */
      peek: (session: SessionName, dialogId: DialogId): Effect.Effect<Option.Option<A>> =>
        Effect.map(cache.getOptionComplete(dialogKey(session, dialogId)), Option.flatMap(Either.getRight)),
      forget: (session: SessionName) =>
        Effect.flatMap(cache.keys, (keys) =>
          Effect.forEach(keys.filter((k) => k.endsWith(`@${session}`)), (k) => cache.invalidate(k), { discard: true }))
    })
  )

const makeAccountCache = Effect.gen(function*() {
  const gateway = yield* TelegramGateway
  const options = yield* Effect.serviceOption(AccountCacheOptionsTag)
  const timeToLive = Option.match(options, { onNone: () => DEFAULT_ACCOUNT_CACHE_TTL, onSome: (o) => o.timeToLive })

  const dialogs = yield* Cache.make<SessionName, ReadonlyArray<DialogRecord>, TelegramError>({
    capacity: 1_000,
    timeToLive,
    lookup: (session) => gateway.dialogs(session)
  })
  const folders = yield* Cache.make<SessionName, ReadonlyArray<FolderRule>, TelegramError>({
    capacity: 1_000,
    timeToLive,
    lookup: (session) => gateway.folders(session)
  })
  const counts = yield* makeDialogCache(timeToLive, gateway.messageCount)
  const participants = yield* makeDialogCache(timeToLive, gateway.participantsCount)

  const invalidate = (session: SessionName) =>
    Effect.all([dialogs.invalidate(session), folders.invalidate(session), counts.forget(session), participants.forget(session)], {
      discard: true
    })

  // The saved login each name's entries were made with (when a SessionStore is there to ask).
  const sessions = yield* Effect.serviceOption(SessionStore)
  const cachedFor = new Map<SessionName, string>()
  /** Drops the name's entries when its saved login is not the one they were made with. */
  const current = (session: SessionName): Effect.Effect<void> =>
    Option.match(sessions, {
      onNone: () => Effect.void,
      onSome: (store) =>
        Effect.flatMap(store.load(session).pipe(Effect.orElseSucceed(() => Option.none<string>())), (saved) => {
          const now = Option.getOrElse(saved, () => "")
          const before = cachedFor.get(session)
          if (before === now) return Effect.void
          cachedFor.set(session, now)
          return before === undefined ? Effect.void : invalidate(session)
        })
    })
  const afterCheck = <A, E>(session: SessionName, effect: Effect.Effect<A, E>) => Effect.zipRight(current(session), effect)

  return {
    /** Every dialog of the account, archived ones included. */
    dialogs: (session: SessionName) => afterCheck(session, getFresh(dialogs, session)),
    /** Custom folders (All Chats is implicit). */
    folders: (session: SessionName) => afterCheck(session, getFresh(folders, session)),
    // Counts are asked for by the thousand after the dialog list, which has just checked the saved login: not again here.
    /** The real number of messages in a dialog. */
    messageCount: counts.get,
    /** Participants from the full chat info (for entities that omit the count). */
    participantsCount: participants.get,
    /** A full-chat participant count already fetched, without asking Telegram. */
    knownParticipantsCount: participants.peek,
    /**
     * The dialog list asked for again next time, nothing else: a dialog new to the account (live updates) changes
     * the list, not the folders' rules nor any other dialog's counts.
     */
    refreshDialogs: (session: SessionName) => dialogs.invalidate(session),
    /** Forget everything about a session (e.g. after it logged in again, or was deleted). */
    invalidate
  } as const
})

/** The account-level cache of dialogs, folders and counts; needs AccountCacheOptionsTag. */
export class AccountCache extends Effect.Service<AccountCache>()("app/AccountCache", { effect: makeAccountCache }) {}

/** The use case's layer (the name earlier releases exported). */
export const AccountCacheLive = AccountCache.Default
