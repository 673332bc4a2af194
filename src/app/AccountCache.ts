/**
 * Telegram economy: an account's dialog list and folders are fetched once
 * and reused for a short TTL; message counts and full-chat participant
 * counts are fetched per dialog, only when asked for, and cached the same
 * way. A repeated search inside the TTL makes no Telegram call.
 */
import { Cache, Context, Duration, Effect, Layer, Option } from "effect"
import type { DialogRecord, FolderRule } from "../domain/Dialog.js"
import type { SessionName } from "../domain/SessionName.js"
import { type PeerNotFound, TelegramGateway, type TelegramError } from "../ports/TelegramGateway.js"

export interface AccountCacheOptions {
  readonly timeToLive: Duration.Duration
}

export class AccountCacheOptionsTag extends Context.Tag("app/AccountCacheOptions")<AccountCacheOptionsTag, AccountCacheOptions>() {}

const CAPACITY = 100_000
/** Dialog lookups done at once when counts are needed for many survivors. */
export const COUNT_CONCURRENCY = 4

export const makeAccountCache = Effect.gen(function*() {
  const gateway = yield* TelegramGateway
  const options = yield* Effect.serviceOption(AccountCacheOptionsTag)
  const timeToLive = Option.match(options, { onNone: () => Duration.seconds(60), onSome: (o) => o.timeToLive })

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
  const key = (session: SessionName, dialogId: number) => `${dialogId}@${session}`
  const parse = (k: string) => {
    const at = k.indexOf("@")
    return { dialogId: Number(k.slice(0, at)), session: k.slice(at + 1) as SessionName }
  }
  const counts = yield* Cache.make<string, number, TelegramError | PeerNotFound>({
    capacity: CAPACITY,
    timeToLive,
    lookup: (k) => {
      const { dialogId, session } = parse(k)
      return gateway.messageCount(session, dialogId)
    }
  })
  const participants = yield* Cache.make<string, number | null, TelegramError | PeerNotFound>({
    capacity: CAPACITY,
    timeToLive,
    lookup: (k) => {
      const { dialogId, session } = parse(k)
      return gateway.participantsCount(session, dialogId)
    }
  })

  return {
    dialogs: (session: SessionName) => dialogs.get(session),
    folders: (session: SessionName) => folders.get(session),
    messageCount: (session: SessionName, dialogId: number) => counts.get(key(session, dialogId)),
    participantsCount: (session: SessionName, dialogId: number) => participants.get(key(session, dialogId)),
    /** Forget everything about a session (e.g. after it logged in again). */
    invalidate: (session: SessionName) =>
      Effect.all([dialogs.invalidate(session), folders.invalidate(session)], { discard: true })
  } as const
})

export class AccountCache extends Context.Tag("app/AccountCache")<AccountCache, Effect.Effect.Success<typeof makeAccountCache>>() {}

export const AccountCacheLive = Layer.effect(AccountCache, makeAccountCache)
