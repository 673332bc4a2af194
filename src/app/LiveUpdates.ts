/**
 * Live updates: the cache follows the account, and clients follow the
 * cache's event log without missing anything.
 *
 * While following is on (the setting `follow_updates`, or the server's
 * `--follow-updates`), one updates loop runs per account with a saved
 * session (UpdateLoop.ts), started at once and checked again every few
 * seconds (new logins, sessions removed, the setting changed), restarted
 * after a failure with a growing pause. Every commit of the loop is
 * announced; readers (`open`, `page`) read the persisted log, so a reader
 * resumes exactly after the last event it saw, also after a restart, as
 * long as the log's retention still holds it (domain/LiveUpdates.ts).
 */
import { Context, Data, Deferred, Duration, Effect, Either, Fiber, FiberId, Schedule, type Scope, Stream } from "effect"
import type { AccessScope } from "../domain/AccessScope.js"
import { scopeAdmitsId } from "../domain/AccessScope.js"
import { SERVICE_CHAT_ID } from "../domain/DialogFilters.js"
import { FolderNotFound, resolveFolder, selectionContains } from "../domain/FolderMembership.js"
import type { AccountId, DialogId } from "../domain/Ids.js"
import { resumePoint } from "../domain/LiveUpdates.js"
import type { SessionName } from "../domain/SessionName.js"
import { SessionStore } from "../ports/SessionStore.js"
import { SettingsStore } from "../ports/SettingsStore.js"
import { TelegramGateway, type TelegramError, TelegramUnavailable } from "../ports/TelegramGateway.js"
import { TelegramUpdates } from "../ports/TelegramUpdates.js"
import { type LoggedEvent, UpdateLog, type UpdateLogError } from "../ports/UpdateLog.js"
import { AccountCache } from "./AccountCache.js"
import { HistorySync } from "./HistorySync.js"
import { makeLiveApply } from "./LiveApply.js"
import { makeLiveDialogs } from "./LiveDialogs.js"
import { runUpdateLoop } from "./UpdateLoop.js"
import { workStream } from "./WorkStream.js"

/** Following is off: nothing is added to the log. */
export class UpdatesOff extends Data.TaggedError("UpdatesOff")<{}> {
  override get message() {
    return "Live updates are off: set follow_updates (PATCH /api/v3/settings {\"follow_updates\": true}, or start the " +
      "server with --follow-updates)"
  }
}

/** A resume from before what the log still holds (its retention). */
export class EventsGone extends Data.TaggedError("EventsGone")<{ readonly since: number; readonly oldest: number }> {
  override get message() {
    return `Events after ${this.since} are no longer kept (retention: 7 days or 1,000,000 events); the oldest available ` +
      `event id is ${this.oldest}: resume from ${this.oldest - 1}, or start afresh without an id`
  }
}

/** A resume from an id this log never gave (a log deleted since, another account's id). */
export class UnknownEventId extends Data.TaggedError("UnknownEventId")<{ readonly since: number; readonly newest: number }> {
  override get message() {
    return `Event id ${this.since} is after the newest event of this account (${this.newest}): resume from an id it gave`
  }
}

export interface UpdatesRequest {
  /** Resume after this event id; null: from now on. */
  readonly since: number | null
  /** Only these dialogs' events; null for all. */
  readonly dialogIds: ReadonlyArray<DialogId> | null
  /** Only the dialogs of this folder (id or title, as elsewhere); null for all. */
  readonly folder: string | null
  /** The caller's scope (a named token's): events of dialogs outside it are left out. */
  readonly scope: AccessScope
}

export type FeedItem = LoggedEvent | { readonly _tag: "Heartbeat" }

export type UpdatesOpenError = UpdatesOff | EventsGone | UnknownEventId | FolderNotFound | TelegramError | UpdateLogError

export interface LiveUpdatesOptions {
  /** Follow whatever the setting says (the server's --follow-updates). */
  readonly forced: boolean
  /** How often the sessions and the setting are checked again. */
  readonly check: Duration.Duration
}

export class LiveUpdatesOptionsTag extends Context.Tag("app/LiveUpdatesOptions")<LiveUpdatesOptionsTag, LiveUpdatesOptions>() {}

export const defaultLiveUpdatesOptions: LiveUpdatesOptions = { forced: false, check: Duration.seconds(5) }

/** Events read from the log at a time. */
const PAGE = 500

const RESTART = Schedule.exponential(Duration.seconds(1)).pipe(Schedule.modifyDelay((d) => Duration.min(d, Duration.minutes(1))))

const makeLiveUpdates = Effect.gen(function*() {
  const options = yield* Effect.serviceOption(LiveUpdatesOptionsTag).pipe(Effect.map((o) => o._tag === "Some" ? o.value : defaultLiveUpdatesOptions))
  const gateway = yield* TelegramGateway
  const updates = yield* TelegramUpdates
  const log = yield* UpdateLog
  const settings = yield* SettingsStore
  const sessions = yield* SessionStore
  const accounts = yield* AccountCache
  const liveApply = yield* makeLiveApply((yield* HistorySync).media)
  const dialogs = yield* makeLiveDialogs
  const scope = yield* Effect.scope

  /** The account's signal in `signals`, made when it has none. */
  const signalIn = (signals: Map<AccountId, Deferred.Deferred<void>>, account: AccountId) => {
    const known = signals.get(account)
    if (known !== undefined) return known
    const signal = Deferred.unsafeMake<void>(FiberId.none)
    signals.set(account, signal)
    return signal
  }

  /**
   * Per account, what a reader with nothing left to read waits on: completed when the next commit is announced,
   * then replaced by the next reader that waits (a deferred: far cheaper per commit than a subscription's stream).
   */
  const nextCommit = new Map<AccountId, Deferred.Deferred<void>>()
  const nextCommitOf = (account: AccountId) => Effect.sync(() => signalIn(nextCommit, account))
  const announce = (account: AccountId, _events: ReadonlyArray<LoggedEvent>) =>
    Effect.suspend(() => {
      const signal = nextCommit.get(account)
      if (signal === undefined) return Effect.void
      nextCommit.delete(account)
      return Deferred.succeed(signal, undefined)
    })

  /** Per account, completed by its loop once its followed state is in the log (kept: the state stays there). */
  const followedSignals = new Map<AccountId, Deferred.Deferred<void>>()
  const followed = (account: AccountId) => Effect.asVoid(Deferred.succeed(signalIn(followedSignals, account), undefined))

  const loops = new Map<AccountId, { readonly session: SessionName; readonly fiber: Fiber.RuntimeFiber<unknown, unknown> }>()
  const accountOf = new Map<SessionName, AccountId>()
  const lock = yield* Effect.makeSemaphore(1)

  const enabled = Effect.map(settings.get, (s) => options.forced || s.follow_updates)

  const loopOf = (session: SessionName, account: AccountId) =>
    runUpdateLoop({ updates, log, apply: liveApply.forSession(session).apply, announce, followed, history: gateway.history, dialogs }, session, account)
      .pipe(
      Effect.tapErrorCause((cause) => Effect.logWarning(`updates loop of account ${account} stopped; restarting`, cause)),
      Effect.retry(RESTART),
      Effect.annotateLogs("session", session)
    )

  /** The account's loop, started if it is not running. */
  const ensure = (session: SessionName, account: AccountId) =>
    lock.withPermits(1)(Effect.gen(function*() {
      accountOf.set(session, account)
      if (loops.has(account)) return
      const fiber = yield* Effect.forkIn(loopOf(session, account), scope)
      loops.set(account, { session, fiber })
    }))

  const stop = (account: AccountId) =>
    Effect.gen(function*() {
      const loop = loops.get(account)
      loops.delete(account)
      if (loop !== undefined) yield* Fiber.interrupt(loop.fiber)
    })

  const check = Effect.gen(function*() {
    if (!(yield* enabled)) {
      for (const account of [...loops.keys()]) yield* stop(account)
      return
    }
    const names = yield* Effect.orElseSucceed(sessions.list, () => [] as ReadonlyArray<SessionName>)
    // A session logged out or deleted: its account is no longer followed (unless another session of it is).
    for (const account of [...loops.keys()]) {
      const session = loops.get(account)!.session
      if (!names.includes(session) && !(yield* Effect.orElseSucceed(sessions.exists(session), () => true))) yield* stop(account)
    }
    for (const session of names) {
      const account = accountOf.get(session) ?? (yield* Effect.option(Effect.map(gateway.account(session), (a) => a.userId)))
      if (typeof account === "number") yield* ensure(session, account)
      else if (account._tag === "Some") yield* ensure(session, account.value)
    }
  })
  yield* check.pipe(Effect.catchAllCause((cause) => Effect.logWarning("checking the sessions to follow failed", cause)),
    Effect.repeat(Schedule.spaced(options.check)), Effect.forkScoped)

  /** Which dialogs the request admits: its dialog ids, its folder and its scope; never Telegram's service chat. */
  const admitter = (session: SessionName, request: UpdatesRequest) =>
    Effect.gen(function*() {
      const ids = request.dialogIds === null ? null : new Set<number>(request.dialogIds)
      const hidden = (id: DialogId | null) => id === SERVICE_CHAT_ID || (ids !== null && (id === null || !ids.has(id)))
      if (request.scope._tag === "Everything" && request.folder === null) {
        return (id: DialogId | null): Effect.Effect<boolean, TelegramError> => Effect.succeed(!hidden(id))
      }
      const folders = yield* accounts.folders(session)
      const selection = request.folder === null ? null : yield* Either.match(resolveFolder(request.folder, folders), {
        onLeft: (e) => Effect.fail(e),
        onRight: Effect.succeed
      })
      return (id: DialogId | null): Effect.Effect<boolean, TelegramError> =>
        hidden(id) || id === null ? Effect.succeed(false) : Effect.map(accounts.dialogs(session), (dialogs) => {
          const record = dialogs.find((d) => d.id === id)
          if (request.scope._tag !== "Everything" && !scopeAdmitsId(request.scope, folders, id, record)) return false
          if (selection === null) return true
          if (record !== undefined) return selectionContains(selection, record)
          return selection._tag === "Custom" && (selection.rule.includePeers.includes(id) || selection.rule.pinnedPeers.includes(id))
        })
    })

  /** The account, its log's resume point for `since`, and the admitter. */
  const prepare = (session: SessionName, request: UpdatesRequest) =>
    Effect.gen(function*() {
      const account = (yield* gateway.account(session)).userId
      const admits = yield* admitter(session, request)
      const bounds = yield* log.bounds(account)
      const point = resumePoint(request.since, bounds.oldest, bounds.newest)
      if (point._tag === "Gone") return yield* new EventsGone({ since: request.since!, oldest: point.oldest })
      if (point._tag === "Unknown") return yield* new UnknownEventId({ since: request.since!, newest: point.newest })
      return { account, admits, after: point.after }
    })

  /**
   * The account's loop runs and has the state it follows from: whatever
   * Telegram tells from now on will be in the log. Right after following was
   * turned on the loop is only starting; "from now on" must not begin
   * before it has asked Telegram where the account stands.
   */
  const startedFor = (session: SessionName, account: AccountId) =>
    Effect.gen(function*() {
      yield* ensure(session, account)
      if ((yield* log.state(account)) !== null) return
      yield* Deferred.await(signalIn(followedSignals, account)).pipe(
        Effect.timeoutFail({
          duration: Duration.seconds(30),
          onTimeout: () => new TelegramUnavailable({ reason: "following the account's updates could not start" })
        })
      )
    })
  const started = (session: SessionName) => Effect.flatMap(gateway.account(session), (a) => startedFor(session, a.userId))

  /**
   * The events after the resume point, then each new one as it is committed,
   * for as long as the stream is read; `heartbeat` when nothing came for
   * that long.
   */
  const open = (
    session: SessionName,
    request: UpdatesRequest,
    heartbeat?: Duration.DurationInput
  ): Effect.Effect<Stream.Stream<FeedItem, TelegramError | UpdateLogError>, UpdatesOpenError, Scope.Scope> =>
    Effect.gen(function*() {
      if (!(yield* enabled)) return yield* new UpdatesOff()
      const prepared = yield* prepare(session, request)
      const { account, admits } = prepared
      // From now on: from once the loop follows (whatever it commits meanwhile comes after the newest id read). A
      // resume reads the log, which the loop fills when it can.
      if (request.since === null) yield* startedFor(session, account)
      else yield* ensure(session, account)
      let after = prepared.after
      return yield* workStream<FeedItem, TelegramError | UpdateLogError, never>((emit) =>
        Effect.forever(Effect.gen(function*() {
          // Taken before reading: a commit after the read completes it.
          const signal = yield* nextCommitOf(account)
          const page = yield* log.read(account, after, PAGE, request.dialogIds)
          if (page.length === 0) {
            yield* Deferred.await(signal)
            return
          }
          after = page[page.length - 1]!.id
          const kept = yield* Effect.filter(page, (e) => admits(e.dialogId))
          if (kept.length > 0) yield* emit(kept)
        })), heartbeat === undefined ? undefined : { every: heartbeat, event: { _tag: "Heartbeat" } })
    })

  /**
   * Up to `limit` events after `since` (null: the oldest kept), and the id to
   * ask from next time (the last one read, even if left out by the filters).
   */
  const page = (session: SessionName, request: UpdatesRequest, limit: number) =>
    Effect.gen(function*() {
      const bounds = yield* Effect.flatMap(gateway.account(session), (a) => log.bounds(a.userId))
      const since = request.since ?? bounds.oldest - 1
      const prepared = yield* prepare(session, { ...request, since })
      const read = yield* log.read(prepared.account, prepared.after, limit, request.dialogIds)
      const events = yield* Effect.filter(read, (e) => prepared.admits(e.dialogId))
      return { events, next: read.length === 0 ? prepared.after : read[read.length - 1]!.id, following: yield* enabled }
    })

  return {
    open,
    /** `open` as a plain stream of events (no heartbeats), failing with what `open` fails with. */
    stream: (session: SessionName, request: UpdatesRequest): Stream.Stream<LoggedEvent, UpdatesOpenError> =>
      Stream.unwrapScoped(open(session, request)).pipe(
        Stream.filter((item): item is LoggedEvent => !("_tag" in item))
      ),
    page,
    /** Whether following is on now. */
    enabled,
    started,
    /** The newest event id of the session's account (0 before any): where a follow after a read starts. */
    newestId: (session: SessionName) =>
      Effect.flatMap(gateway.account(session), (a) => Effect.map(log.bounds(a.userId), (b) => b.newest)),
    /** Checks the sessions now (tests; after a login). */
    check
  }
})

export class LiveUpdates extends Effect.Service<LiveUpdates>()("app/LiveUpdates", { scoped: makeLiveUpdates }) {}
