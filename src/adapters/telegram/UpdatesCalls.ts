/**
 * The TelegramUpdates port over GramJS, on the gateway's clients (one per
 * session, shared with TelegramGateway): the connection's pushes, tapped
 * where GramJS's sender hands them over (before GramJS splits containers,
 * so sequence numbers and entities come whole), and updates.getState,
 * updates.getDifference, updates.getChannelDifference. GramJS 2.26.22 keeps
 * no update state of its own: the use case does (app/UpdateLoop.ts).
 */
import { Api, type TelegramClient } from "telegram"
import { Effect, Schedule, type Scope, Stream } from "effect"
import { DialogId } from "../../domain/Ids.js"
import type { SessionName } from "../../domain/SessionName.js"
import { PeerNotFound, type TelegramError, TelegramUnavailable } from "../../ports/TelegramGateway.js"
import { isPeerInvalid } from "./TelegramErrors.js"
import type { ChannelState, TelegramUpdatesService, UpdatePush } from "../../ports/TelegramUpdates.js"
import { dialogsRequest, listDialogs } from "./DialogListing.js"
import { num } from "./Longs.js"
import { markPeerId } from "../../domain/PeerId.js"
import type { PeerCache } from "./PeerCache.js"
import { channelDifferenceOf, differenceOf, pushesOf, type Remember } from "./UpdatesMapping.js"

/** What the updates need of a session's connection. */
export interface UpdatesConnection {
  readonly client: TelegramClient
  readonly selfId: number
  readonly peers: PeerCache
  readonly remember: Remember
  /** Lost for good, or replaced by a newer client of the session (which Telegram now pushes to). */
  readonly lost: () => boolean
  /** The input peer of a dialog the account can see. */
  readonly peer: (dialogId: DialogId) => Effect.Effect<Api.TypeInputPeer, TelegramError | PeerNotFound>
}

export interface UpdatesEnv {
  /** The session's connection, held (kept open) until the scope closes. */
  readonly hold: (session: SessionName) => Effect.Effect<UpdatesConnection, TelegramError, Scope.Scope>
  readonly withConnection: <A, E>(
    session: SessionName,
    f: (c: UpdatesConnection) => Effect.Effect<A, E | TelegramError>
  ) => Effect.Effect<A, E | TelegramError>
  readonly call: <A>(session: SessionName, method: string, run: () => Promise<A>, c: UpdatesConnection) => Effect.Effect<A, TelegramError>
}

type Tap = (update: unknown) => void

const taps = new WeakMap<TelegramClient, Set<Tap>>()

/**
 * Listens to everything the client's main sender receives as updates. The
 * sender's callback is wrapped once per client; GramJS's own handling runs
 * after the taps, unchanged. Returns the removal.
 */
const tapUpdates = (client: TelegramClient, tap: Tap): (() => void) => {
  let set = taps.get(client)
  if (set === undefined) {
    const sender = (client as unknown as { _sender?: { _updateCallback?: (c: unknown, u: unknown) => unknown } })._sender
    if (sender === undefined) throw new Error("the Telegram client has no connection")
    const original = sender._updateCallback
    const own = new Set<Tap>()
    sender._updateCallback = (c, update) => {
      for (const t of own) {
        try {
          t(update)
        } catch {
          // A listener's failure must never break the connection.
        }
      }
      return original?.(c, update)
    }
    taps.set(client, own)
    set = own
  }
  const mine = set
  mine.add(tap)
  return () => mine.delete(tap)
}

const LOST_CHECK = Schedule.spaced("2 seconds")

export const updatesCalls = (env: UpdatesEnv): TelegramUpdatesService => ({
  pushes: (session) =>
    Stream.asyncScoped<UpdatePush, TelegramError>((emit) =>
      Effect.gen(function*() {
        const c = yield* env.hold(session)
        const remove = yield* Effect.try({
          try: () => tapUpdates(c.client, (update) => {
            for (const push of pushesOf(update, c.selfId, c.remember)) void emit.single(push)
          }),
          catch: (cause) => new TelegramUnavailable({ reason: "cannot listen to the Telegram connection", cause })
        })
        yield* Effect.addFinalizer(() => Effect.sync(remove))
        // Lost for good (GramJS gave up reconnecting): the stream fails, and whoever runs it connects again.
        yield* Effect.suspend(() =>
          c.lost() ? Effect.sync(() => void emit.fail(new TelegramUnavailable({ reason: "the connection to Telegram was lost" }))) : Effect.void
        ).pipe(Effect.repeat(LOST_CHECK), Effect.forkScoped)
      })
    ),

  state: (session) =>
    env.withConnection(session, (c) =>
      Effect.map(env.call(session, "updates.GetState", () => c.client.invoke(new Api.updates.GetState()), c), (s) => ({
        pts: s.pts,
        qts: s.qts,
        date: s.date,
        seq: s.seq
      }))),

  dialogStates: (session) =>
    env.withConnection(session, (c) => {
      const positions = new Map<DialogId, ChannelState>()
      return Effect.map(
        listDialogs(c.peers, (request) =>
          env.call(session, "messages.GetDialogs", () => c.client.invoke(dialogsRequest(request)), c).pipe(
            Effect.tap((page) => {
              if (page.className === "messages.DialogsNotModified") return
              for (const d of page.dialogs) {
                if (d.className === "Dialog" && d.peer.className === "PeerChannel" && d.pts !== undefined) {
                  positions.set(DialogId(markPeerId("channel", num(d.peer.channelId))), { pts: d.pts, top: d.topMessage })
                }
              }
            })
          )),
        (records) => ({ dialogs: records.map((r) => r.id), channels: positions })
      )
    }),

  difference: (session, from) =>
    env.withConnection(session, (c) =>
      Effect.map(
        env.call(session, "updates.GetDifference", () =>
          c.client.invoke(new Api.updates.GetDifference({ pts: from.pts, date: from.date, qts: from.qts })), c),
        (d) => differenceOf(d, c.selfId, c.remember)
      )),

  channelDifference: (session, channelId, pts) =>
    env.withConnection(session, (c) =>
      Effect.gen(function*() {
        const peer = yield* c.peer(channelId)
        if (peer.className !== "InputPeerChannel") {
          return yield* new TelegramUnavailable({ reason: `dialog ${channelId} is not a channel` })
        }
        const answer = yield* env.call(session, "updates.GetChannelDifference", () =>
          c.client.invoke(
            new Api.updates.GetChannelDifference({
              channel: new Api.InputChannel({ channelId: peer.channelId, accessHash: peer.accessHash }),
              filter: new Api.ChannelMessagesFilterEmpty(),
              pts,
              limit: 100,
              force: true
            })
          ), c).pipe(
            Effect.catchIf(isPeerInvalid, (e) =>
              Effect.fail(new PeerNotFound({ dialogId: channelId, ...(e._tag === "TelegramRpcError" ? { reason: e.message } : {}) })))
          )
        return channelDifferenceOf(answer, c.selfId, c.remember, pts)
      }))
})

