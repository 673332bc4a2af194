/**
 * A port-level fake of TelegramUpdates: each session's account has a common
 * box and channels, each change stamped with the next pts of its box, as
 * Telegram numbers them; the difference calls answer from those stamps, and
 * every change is pushed to the running `pushes` streams unless pushes are
 * dropped. Posting also writes the message to a TelegramFake (history), so
 * the history and the updates see the same account.
 */
import { Effect, PubSub, Stream } from "effect"
import { DialogId, MessageId } from "../../src/domain/Ids.js"
import type { LiveChange, SequencedUpdate } from "../../src/domain/LiveUpdates.js"
import type { MessageRecord } from "../../src/domain/Message.js"
import { PeerNotFound, TelegramUnavailable } from "../../src/ports/TelegramGateway.js"
import { type ChannelDifference, TelegramUpdates, type UpdatePush } from "../../src/ports/TelegramUpdates.js"
import type { TelegramFake } from "./HistoryTelegramFake.js"

const isChannel = (id: number) => id < -1_000_000_000_000

interface Stamped {
  readonly pts: number
  readonly change: LiveChange
}

interface Box {
  pts: number
  readonly log: Array<Stamped>
}

interface Account {
  readonly common: Box
  readonly channels: Map<number, Box>
}

export class UpdatesFake {
  readonly accounts = new Map<string, Account>()
  readonly pubsub = Effect.runSync(PubSub.unbounded<{ readonly session: string; readonly push: UpdatePush }>())
  /** Pushes are not delivered (the difference still has them). */
  dropPushes = false
  /** The next common difference answers "too long" (then the sequence goes on from now). */
  differenceTooLong = false
  /** Calls made, by name, in order. */
  readonly calls: Array<string> = []
  /**
   * Most new messages a channel difference tells: with more waiting it
   * answers "too long" (Telegram: 100 for a user's account); null: no limit.
   */
  channelDifferenceLimit: number | null = null
  /** How long updates.getState takes (a far Telegram). */
  stateDelayMillis = 0
  /** Fails the next `pushes` subscriptions (a lost connection). */
  failPushes = 0
  clock = 1_700_000_000

  constructor(readonly history: TelegramFake) {}

  account(session: string): Account {
    let a = this.accounts.get(session)
    if (a === undefined) {
      a = { common: { pts: 1, log: [] }, channels: new Map() }
      this.accounts.set(session, a)
    }
    return a
  }

  private box(session: string, dialogId: number): Box {
    const a = this.account(session)
    if (!isChannel(dialogId)) return a.common
    let b = a.channels.get(dialogId)
    if (b === undefined) {
      b = { pts: 1, log: [] }
      a.channels.set(dialogId, b)
    }
    return b
  }

  private record(session: string, dialogId: number, change: LiveChange) {
    const box = this.box(session, dialogId)
    box.pts += 1
    box.log.push({ pts: box.pts, change })
    const update: SequencedUpdate = {
      box: isChannel(dialogId) ? { _tag: "Channel", channelId: DialogId(dialogId) } : { _tag: "Common" },
      pts: box.pts,
      ptsCount: 1,
      change
    }
    if (!this.dropPushes) Effect.runSync(PubSub.publish(this.pubsub, { session, push: { _tag: "Updates", updates: [update] } }))
  }

  /** A new message (also in the history fake). */
  post(session: string, dialogId: number, message: MessageRecord) {
    this.history.set(dialogId, [...(this.history.dialogs.get(dialogId) ?? []), message])
    this.record(session, dialogId, { _tag: "NewMessage", dialogId: DialogId(dialogId), message })
  }

  edit(session: string, dialogId: number, id: number, text: string) {
    this.history.edit(dialogId, id, { text, editDate: this.clock })
    const message = this.history.dialogs.get(dialogId)!.find((m) => m.id === id)!
    this.record(session, dialogId, { _tag: "EditMessage", dialogId: DialogId(dialogId), message })
  }

  remove(session: string, dialogId: number, ids: ReadonlyArray<number>) {
    for (const id of ids) this.history.remove(dialogId, id)
    this.record(session, dialogId, {
      _tag: "DeleteMessages",
      dialogId: isChannel(dialogId) ? DialogId(dialogId) : null,
      ids: ids.map(MessageId)
    })
  }

  push(session: string, push: UpdatePush) {
    Effect.runSync(PubSub.publish(this.pubsub, { session, push }))
  }

  layer() {
    const fake = this
    const since = (box: Box, pts: number) => box.log.filter((s) => s.pts > pts).map((s) => s.change)
    const top = (dialogId: number) => (fake.history.dialogs.get(dialogId) ?? []).reduce((t, m) => Math.max(t, m.id), 0)
    return TelegramUpdates.of({
      pushes: (session) =>
        Stream.suspend(() => {
          fake.calls.push(`pushes:${session}`)
          if (fake.failPushes > 0) {
            fake.failPushes--
            return Stream.fail(new TelegramUnavailable({ reason: "lost" }))
          }
          return Stream.fromPubSub(fake.pubsub).pipe(Stream.filter((p) => p.session === session), Stream.map((p) => p.push))
        }),
      state: (session) =>
        Effect.delay(
          Effect.sync(() => {
            fake.calls.push(`state:${session}`)
            return { pts: fake.account(session).common.pts, qts: 0, date: fake.clock, seq: 0 }
          }),
          fake.stateDelayMillis
        ),
      // As the adapter: one walk of the dialog list (the history fake's) gives the dialogs and the channels' positions.
      dialogStates: (session) =>
        Effect.sync(() => ({
          dialogs: [...fake.history.dialogs.keys()].map(DialogId),
          channels: new Map([...fake.account(session).channels].map(([id, b]) => [DialogId(id), { pts: b.pts, top: top(id) }]))
        })),
      difference: (session, from) =>
        Effect.sync(() => {
          fake.calls.push(`difference:${session}:${from.pts}`)
          const box = fake.account(session).common
          if (fake.differenceTooLong) {
            fake.differenceTooLong = false
            return { _tag: "TooLong" as const, pts: box.pts }
          }
          // As Telegram: every channel of the account, to ask for its own difference, with where it stands.
          const hints = () => [...fake.account(session).channels].map(([id, b]) => ({ channelId: DialogId(id), pts: b.pts }))
          const changes = since(box, from.pts)
          const state = { pts: box.pts, qts: 0, date: fake.clock, seq: 0 }
          return changes.length === 0
            ? { _tag: "Empty" as const, date: fake.clock, seq: 0 }
            : { _tag: "Changes" as const, state, final: true, changes, channelUpdates: [], channelsTooLong: hints() }
        }),
      channelDifference: (session, channelId, pts) =>
        Effect.suspend((): Effect.Effect<ChannelDifference, PeerNotFound> => {
          fake.calls.push(`channelDifference:${session}:${channelId}:${pts}`)
          const box = fake.account(session).channels.get(channelId)
          if (box === undefined) return Effect.fail(new PeerNotFound({ dialogId: channelId }))
          const changes = since(box, pts)
          const limit = fake.channelDifferenceLimit
          if (limit !== null && changes.filter((c) => c._tag === "NewMessage").length > limit) {
            return Effect.succeed({ _tag: "TooLong" as const, pts: box.pts, top: top(channelId) })
          }
          return Effect.succeed(
            changes.length === 0
              ? { _tag: "Empty" as const, pts: box.pts, final: true }
              : { _tag: "Changes" as const, pts: box.pts, final: true, changes }
          )
        })
    })
  }
}
