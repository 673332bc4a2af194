/**
 * One account's updates loop: it follows the account's update sequences
 * (the common box and each channel) on one session's live connection.
 *
 * At start it subscribes to the connection's pushes (kept in a queue),
 * then catches up from the persisted state with updates.getDifference and
 * each known channel's updates.getChannelDifference; only then does it take
 * the pushes, each checked against its sequence (domain/LiveUpdates.ts
 * ptsVerdict): applied in order, skipped when already applied, and a hole,
 * a reconnect, `updatesTooLong` or a short update send it back to the
 * difference before anything newer is applied. Every change is applied to
 * the caches (LiveApply) and its events committed with the state it brings
 * the sequences to (UpdateLog), one transaction, then announced.
 *
 * A too-long answer starts a new chain for its box, and the caches' follow
 * marks of the old chain stop counting (no hole is recorded as covered).
 * For a channel, the messages of the gap are read from its history (after
 * the newest one told, up to the newest the answer names) and told as new
 * messages; edits and deletions of older messages in the gap are not told
 * (Telegram does not say them). The common box's gap is not told.
 */
import { randomUUID } from "node:crypto"
import { Effect, Fiber, Queue, Stream } from "effect"
import { type AccountId, DialogId } from "../domain/Ids.js"
import { gapPageRequest, gapStep, type LiveChange, ptsVerdict, type SequencedUpdate } from "../domain/LiveUpdates.js"
import type { SessionName } from "../domain/SessionName.js"
import type { MessageStoreError } from "../ports/MessageStore.js"
import type { PeerNotFound, TelegramError, TelegramGatewayService } from "../ports/TelegramGateway.js"
import type { ChannelDifference, CommonState, TelegramUpdatesService, UpdatePush } from "../ports/TelegramUpdates.js"
import type { ChannelPosition, LoggedEvent, UpdateLogError, UpdateLogService } from "../ports/UpdateLog.js"
import { type LiveApply, type PendingEvent, settleEvents } from "./LiveApply.js"
import { type LiveDialogs, newDialogsIn } from "./LiveDialogs.js"

export type LoopError = TelegramError | UpdateLogError | MessageStoreError

export interface LoopDeps {
  readonly updates: TelegramUpdatesService
  readonly log: UpdateLogService
  readonly apply: LiveApply["apply"]
  /** A channel's history, for the messages of a gap its difference does not tell. */
  readonly history: TelegramGatewayService["history"]
  /** The account's dialogs, for the `dialog` event of a new one. */
  readonly dialogs: LiveDialogs
  /** Told the events of each commit, after it. */
  readonly announce: (account: AccountId, events: ReadonlyArray<LoggedEvent>) => Effect.Effect<void>
  /** Told once the account's followed state is in the log: whatever Telegram tells from then on will be. */
  readonly followed: (account: AccountId) => Effect.Effect<void>
}

const newChain = () => randomUUID()

/** How many channels' first differences are asked ahead while catching up. */
const ASK_AHEAD = 4

/** Messages per history page when reading a channel's gap (Telegram's most). */
const GAP_PAGE = 100

/** A channel's newest message id told after `changes`. */
const topAfter = (top: number, changes: ReadonlyArray<LiveChange>) =>
  changes.reduce((t, c) => c._tag === "NewMessage" ? Math.max(t, c.message.id) : t, top)

/** The loop's view of the followed state, written through at every commit. */
interface Followed {
  common: CommonState
  chain: string
  readonly channels: Map<DialogId, ChannelPosition>
  /** The dialogs known (UpdateLog); `added`: those not committed yet. */
  readonly dialogs: Set<DialogId>
  readonly added: Array<DialogId>
}

type QueueItem = UpdatePush | { readonly _tag: "Lost"; readonly error: TelegramError }

export const runUpdateLoop = (deps: LoopDeps, session: SessionName, account: AccountId): Effect.Effect<never, LoopError> =>
  Effect.scoped(Effect.gen(function*() {
    const { apply, log, updates } = deps
    // Subscribed first: what arrives while catching up waits here, and is checked against the state after it.
    const queue = yield* Queue.unbounded<QueueItem>()
    yield* Stream.runForEach(updates.pushes(session), (push) => Queue.offer(queue, push)).pipe(
      Effect.catchAll((error) => Queue.offer(queue, { _tag: "Lost", error })),
      Effect.forkScoped
    )

    /** The events (each message's once its media is resolved, LiveApply.ts) and where the sequences stand, in one commit. */
    const commit = (f: Followed, pending: ReadonlyArray<PendingEvent>, channels: ReadonlyArray<DialogId> = [], common = true) =>
      Effect.gen(function*() {
        const events = yield* settleEvents(pending)
        const logged = yield* log.commit(account, events, {
          common: common ? { state: f.common, chain: f.chain } : undefined,
          channels: channels.map((channelId) => ({ channelId, position: f.channels.get(channelId) ?? null })),
          dialogs: f.added.length > 0 ? f.added.splice(0) : undefined
        })
        if (logged.length > 0) yield* deps.announce(account, logged)
      })

    const chainOf = (f: Followed, change: LiveChange) => {
      const dialogId = change.dialogId
      if (dialogId === null || dialogId > -1_000_000_000_000) return f.chain
      return f.channels.get(dialogId)?.chain ?? newChain()
    }

    /** The `dialog` events of the dialogs of `ids` not known yet, which are known from then on. */
    const newDialogs = (f: Followed, ids: ReadonlyArray<DialogId>) =>
      Effect.gen(function*() {
        const fresh = ids.filter((id) => !f.dialogs.has(id))
        const told = new Map(fresh.length === 0 ? [] : yield* deps.dialogs.events(session, fresh))
        for (const id of fresh) {
          f.dialogs.add(id)
          f.added.push(id)
        }
        return told
      })

    /** The changes applied in order, a new dialog's `dialog` event before its first message's. */
    const applyAll = (f: Followed, changes: ReadonlyArray<LiveChange>, into: Array<PendingEvent>) =>
      Effect.gen(function*() {
        const told = yield* newDialogs(f, newDialogsIn(changes, f.dialogs))
        for (const change of changes) {
          const dialogEvent = change._tag === "NewMessage" ? told.get(change.dialogId) : undefined
          if (dialogEvent !== undefined) {
            into.push(dialogEvent)
            told.delete(dialogEvent.dialogId!)
          }
          into.push(...yield* apply(account, change, chainOf(f, change)))
        }
      })

    /**
     * Updates in order against their sequences (the common box's, each channel's); a channel first seen starts
     * where its update says. Returns whether the common box has a hole, the channels with one (to ask for their
     * difference) and those moved on. Nothing of a sequence after its hole is applied.
     */
    const applyUpdates = (f: Followed, list: ReadonlyArray<SequencedUpdate>, into: Array<PendingEvent>) =>
      Effect.gen(function*() {
        let commonHole = false
        const holes = new Set<DialogId>()
        const moved = new Set<DialogId>()
        for (const u of list) {
          if (u.box._tag === "Common") {
            if (commonHole) continue
            const verdict = ptsVerdict(f.common.pts, u.pts, u.ptsCount)
            if (verdict === "gap") commonHole = true
            else if (verdict === "apply") {
              f.common = { ...f.common, pts: u.pts }
              if (u.change !== null) yield* applyAll(f, [u.change], into)
            }
            continue
          }
          const id = u.box.channelId
          if (holes.has(id)) continue
          const position = f.channels.get(id) ?? { pts: u.pts - u.ptsCount, chain: newChain(), top: 0 }
          const verdict = ptsVerdict(position.pts, u.pts, u.ptsCount)
          if (verdict === "gap") {
            holes.add(id)
            continue
          }
          if (verdict === "skip") continue
          f.channels.set(id, { ...position, pts: u.pts, top: u.change === null ? position.top : topAfter(position.top, [u.change]) })
          moved.add(id)
          if (u.change !== null) yield* applyAll(f, [u.change], into)
        }
        return { commonHole, holes, moved }
      })

    /**
     * After a channel's "too long": a new chain, and the messages after the newest one told up to the newest one
     * now read from the history, a page at a time, each page committed with how far it read (a crash goes on from
     * there: the difference answers "too long" again). Then the sequence goes on from the answer's pts.
     */
    const fillChannelGap = (f: Followed, channelId: DialogId, from: ChannelPosition, answer: { pts: number; top: number }) =>
      Effect.gen(function*() {
        const chain = newChain()
        let after = from.top
        if (after === 0 && answer.top > 0) {
          yield* Effect.logWarning(`channel ${channelId}: messages before ${answer.top} Telegram did not tell are not told ` +
            `(the newest one told is not known)`)
        }
        for (let done = after === 0 || after >= answer.top; !done;) {
          const page = yield* deps.history(session, channelId, gapPageRequest(after, answer.top, GAP_PAGE)).pipe(
            Effect.catchTag("PeerNotFound", () => Effect.succeed(null))
          )
          if (page === null) break
          const step = gapStep(after, answer.top, page)
          f.channels.set(channelId, { pts: from.pts, chain, top: step.after })
          const events: Array<PendingEvent> = []
          yield* applyAll(f, step.messages.map((message) => ({ _tag: "NewMessage", dialogId: channelId, message })), events)
          yield* commit(f, events, [channelId], false)
          after = step.after
          done = step.done
        }
        f.channels.set(channelId, { pts: answer.pts, chain, top: Math.max(after, answer.top) })
        yield* commit(f, [], [channelId], false)
      })

    /**
     * A channel's difference from `pts`: the one asked ahead for it (catchUpChannels) when it was asked from the
     * same pts, else asked now. Asked earlier, it tells less, never wrongly: what came after is pushed.
     */
    const ahead = new Map<DialogId, { readonly pts: number; readonly fiber: Fiber.Fiber<ChannelDifference, TelegramError | PeerNotFound> }>()
    const channelDifference = (channelId: DialogId, pts: number) => {
      const asked = ahead.get(channelId)
      ahead.delete(channelId)
      return asked !== undefined && asked.pts === pts ? Fiber.join(asked.fiber) : updates.channelDifference(session, channelId, pts)
    }

    /** Each channel's catch-up in turn, the first difference of the next few asked meanwhile (Telegram's time overlaps ours). */
    const catchUpChannels = (f: Followed, ids: ReadonlyArray<DialogId>) =>
      Effect.gen(function*() {
        for (let i = 0; i < ids.length; i++) {
          for (const next of ids.slice(i, i + ASK_AHEAD)) {
            const position = f.channels.get(next)
            if (position === undefined || ahead.has(next)) continue
            ahead.set(next, { pts: position.pts, fiber: yield* Effect.fork(updates.channelDifference(session, next, position.pts)) })
          }
          yield* catchUpChannel(f, ids[i]!)
        }
      }).pipe(Effect.ensuring(Effect.suspend(() => {
        const left = [...ahead.values()].map((a) => a.fiber)
        ahead.clear()
        return Fiber.interruptAll(left)
      })))

    const catchUpChannel = (f: Followed, channelId: DialogId): Effect.Effect<void, LoopError> =>
      Effect.gen(function*() {
        for (;;) {
          const position = f.channels.get(channelId)
          if (position === undefined) return
          const answer = yield* channelDifference(channelId, position.pts).pipe(
            Effect.catchTag("PeerNotFound", () => Effect.succeed(null))
          )
          if (answer === null) {
            // The account left it (or cannot see it any more): it is no longer followed.
            f.channels.delete(channelId)
            return yield* commit(f, [], [channelId], false)
          }
          if (answer._tag === "TooLong") return yield* fillChannelGap(f, channelId, position, answer)
          const events: Array<PendingEvent> = []
          if (answer._tag === "Changes") yield* applyAll(f, answer.changes, events)
          const top = answer._tag === "Changes" ? topAfter(position.top, answer.changes) : position.top
          f.channels.set(channelId, { ...position, pts: answer.pts, top })
          yield* commit(f, events, [channelId], false)
          if (answer.final) return
        }
      })

    /** The common box's difference, then that of each channel it named; returns those channels. */
    const catchUpCommon = (f: Followed): Effect.Effect<ReadonlySet<DialogId>, LoopError> =>
      Effect.gen(function*() {
        const channelsToAsk = new Set<DialogId>()
        for (;;) {
          const answer = yield* updates.difference(session, f.common)
          if (answer._tag === "Empty") {
            f.common = { ...f.common, date: answer.date, seq: answer.seq }
            yield* commit(f, [])
            break
          }
          if (answer._tag === "TooLong") {
            f.common = { ...f.common, pts: answer.pts }
            f.chain = newChain()
            yield* commit(f, [])
            continue
          }
          const events: Array<PendingEvent> = []
          yield* applyAll(f, answer.changes, events)
          const { holes, moved } = yield* applyUpdates(f, answer.channelUpdates, events)
          for (const id of holes) channelsToAsk.add(id)
          for (const hint of answer.channelsTooLong) {
            channelsToAsk.add(hint.channelId)
            // A channel not followed yet (joined meanwhile): followed from where Telegram says it is, and told as new.
            if (f.channels.has(hint.channelId) || hint.pts === null) continue
            f.channels.set(hint.channelId, { pts: hint.pts, chain: newChain(), top: 0 })
            moved.add(hint.channelId)
            events.push(...(yield* newDialogs(f, [hint.channelId])).values())
          }
          f.common = answer.state
          yield* commit(f, events, [...moved])
          if (answer.final) break
        }
        yield* catchUpChannels(f, [...channelsToAsk])
        return channelsToAsk
      })

    const catchUpAll = (f: Followed) =>
      Effect.gen(function*() {
        const asked = yield* catchUpCommon(f)
        // Every followed channel (Telegram's difference need not name each one that changed), once.
        yield* catchUpChannels(f, [...f.channels.keys()].filter((id) => !asked.has(id)))
      })

    const onUpdates = (f: Followed, list: ReadonlyArray<SequencedUpdate>) =>
      Effect.gen(function*() {
        const events: Array<PendingEvent> = []
        const { commonHole, holes, moved } = yield* applyUpdates(f, list, events)
        yield* commit(f, events, [...moved])
        const asked = commonHole ? yield* catchUpCommon(f) : new Set<DialogId>()
        yield* catchUpChannels(f, [...holes].filter((id) => !asked.has(id)))
      })

    // The state to start from: the persisted one, or, the first time, Telegram's now (nothing before it is told).
    const persisted = yield* log.state(account)
    const followed: Followed = persisted !== null
      ? {
        common: persisted.common,
        chain: persisted.chain,
        channels: new Map(persisted.channels),
        dialogs: new Set(persisted.dialogs ?? []),
        added: []
      }
      : yield* Effect.gen(function*() {
        const common = yield* updates.state(session)
        // The dialogs the account has now are not new.
        const states = yield* updates.dialogStates(session)
        const f: Followed = {
          common,
          chain: newChain(),
          channels: new Map([...states.channels].map(([id, c]) => [id, { pts: c.pts, chain: newChain(), top: c.top }])),
          dialogs: new Set(states.dialogs),
          added: [...states.dialogs]
        }
        yield* commit(f, [], [...f.channels.keys()])
        return f
      })
    // Followed by a release that did not keep the known dialogs: the dialogs the account has now are not new.
    if (persisted !== null && persisted.dialogs == null) {
      for (const id of yield* deps.dialogs.listed(session)) followed.dialogs.add(id)
      followed.added.push(...followed.dialogs)
      yield* commit(followed, [], [], false)
    }
    yield* deps.followed(account)
    yield* Effect.logInfo(`following updates of account ${account} (session ${session})`)
    yield* catchUpAll(followed)

    /** A push other than updates, in its turn. */
    const onOther = (item: Exclude<QueueItem, { readonly _tag: "Updates" }>) =>
      Effect.gen(function*() {
        switch (item._tag) {
          case "Lost":
            return yield* Effect.fail(item.error)
          case "Short":
            if (ptsVerdict(followed.common.pts, item.pts, item.ptsCount) !== "skip") yield* catchUpCommon(followed)
            break
          case "TooLong":
            yield* catchUpCommon(followed)
            break
          case "ChannelTooLong":
            yield* catchUpChannel(followed, DialogId(item.channelId))
            break
          case "Connected":
            yield* catchUpAll(followed)
            break
        }
      })

    for (;;) {
      // Everything queued at once: consecutive pushes of updates are checked in one pass and committed together.
      const items = [yield* Queue.take(queue), ...(yield* Queue.takeAll(queue))]
      for (let i = 0; i < items.length;) {
        const item = items[i++]!
        if (item._tag !== "Updates") {
          yield* onOther(item)
          continue
        }
        const list = [...item.updates]
        for (let next = items[i]; next?._tag === "Updates"; next = items[++i]) list.push(...next.updates)
        yield* onUpdates(followed, list)
      }
    }
  }))
