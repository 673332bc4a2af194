/**
 * The TelegramGateway port over GramJS. One client per session name,
 * created on first use, shared by concurrent requests, closed after an idle
 * period and at shutdown (an RcMap keyed by session). Every call goes
 * through the same error mapping and flood-wait retry.
 */
import { Api, type TelegramClient } from "telegram"
import bigInt from "big-integer"
import { Context, Duration, Effect, Either, Layer, Option, RcMap, type Scope } from "effect"
import { markPeerId } from "../../domain/PeerId.js"
import type { SessionName } from "../../domain/SessionName.js"
import { SessionStore } from "../../ports/SessionStore.js"
import {
  type AccountInfo,
  PeerNotFound,
  SessionRevoked,
  TelegramGateway,
  type TelegramError,
  TelegramUnavailable,
  UserNotFound
} from "../../ports/TelegramGateway.js"
import { connectClient, isConnectionLost, serverClockOffsetMillis } from "./ClientConnect.js"
import { retryFloodWaits } from "./FloodRetry.js"
import { dialogsRequest, listDialogs } from "./DialogListing.js"
import { accountOf, folderOf, messagesOf } from "./Mapping.js"
import { PeerCache } from "./PeerCache.js"
import { connectionLogFor, destroyClient, InvalidSavedSession, makeClient } from "./TelegramClientFactory.js"
import { isPeerInvalid, isUserInvalid, telegramCall } from "./TelegramErrors.js"
import { DEFAULT_CLIENT_IDLE, DEFAULT_TELEGRAM_TIMEOUT_SECONDS, TelegramAdapterConfig } from "./TelegramAdapterConfig.js"
import { downloadFile } from "./FileDownload.js"
import { messagesByIdsOf, participantsOf } from "./PeerRequests.js"
import { searchGlobalPage } from "./GlobalSearch.js"
import { dateBounds } from "./SearchDates.js"
import { threadCalls } from "./ThreadCalls.js"
import { makeTakeouts } from "./Takeout.js"
import { DialogId } from "../../domain/Ids.js"
import { TelegramUpdates } from "../../ports/TelegramUpdates.js"
import { updatesCalls } from "./UpdatesCalls.js"

/** A session's live client and what it learnt. */
interface Connection {
  readonly client: TelegramClient
  /** The saved session this client was made from: a different one on disk means a new login. */
  readonly saved: string
  readonly account: AccountInfo
  /** How far Telegram's clock is ahead of ours, measured when the client connected. */
  readonly clockOffsetMillis: number
  /** Input peers of the account's dialogs (and anything seen since), by marked id; min peers through their message. */
  readonly peers: PeerCache
  /** Whether the client's connection is lost for good (see `isConnectionLost`). */
  readonly lost: () => boolean
}

const rememberPeers = (
  connection: Connection,
  users: ReadonlyArray<Api.TypeUser>,
  chats: ReadonlyArray<Api.TypeChat>,
  messages?: ReadonlyArray<Api.TypeMessage>
) => connection.peers.remember(users, chats, messages)

/** TelegramGateway and TelegramUpdates, on the same clients. */
export const TelegramGatewayLive = Layer.scopedContext(
  Effect.gen(function*() {
    const config = yield* TelegramAdapterConfig
    const sessions = yield* SessionStore
    const threshold = config.floodThresholdSeconds

    const requestTimeout = config.requestTimeout ?? Duration.seconds(DEFAULT_TELEGRAM_TIMEOUT_SECONDS)
    /** A Telegram call; with the connection it is made on, it fails at once if that connection is lost for good. */
    const call = <A>(
      session: SessionName,
      method: string,
      run: () => Promise<A>,
      connection?: Connection
    ): Effect.Effect<A, TelegramError> => telegramCall(method, session, requestTimeout, run, connection?.lost)

    /** Each session's newest client: an older one still held (by the updates) is superseded. */
    const latest = new Map<SessionName, TelegramClient>()

    const connect = (session: SessionName) =>
      Effect.gen(function*() {
        const credentials = yield* Either.match(config.credentials, {
          onLeft: (reason) => Effect.fail(new TelegramUnavailable({ reason })),
          onRight: Effect.succeed
        })
        const saved = yield* sessions.load(session).pipe(
          Effect.mapError((e) => new TelegramUnavailable({ reason: `cannot read session ${session}`, cause: e }))
        )
        if (Option.isNone(saved)) {
          return yield* new SessionRevoked({ session, reason: "no saved session" })
        }
        const connectionLog = yield* connectionLogFor(session)
        const client = yield* Effect.acquireRelease(
          Effect.try({
            try: () => makeClient(saved.value, { credentials, emulator: config.emulator, proxy: config.proxy, connectionLog }),
            catch: (cause): TelegramError =>
              cause instanceof InvalidSavedSession
                ? new SessionRevoked({ session, reason: cause.message })
                : new TelegramUnavailable({
                  reason: `cannot set up the Telegram client: ${cause instanceof Error ? cause.message : String(cause)}`,
                  cause
                })
          }),
          (client) =>
            Effect.promise(() => destroyClient(client).catch(() => undefined)).pipe(
              Effect.zipRight(Effect.logDebug(`closed Telegram client for ${session}`))
            )
        )
        yield* connectClient(client, session)
        const me = yield* call(session, "users.GetFullUser", () => client.getMe())
        // Telegram's clock (help.getConfig's date); ours when it cannot be read, which the history's tail margin covers up to a minute.
        const clockOffsetMillis = yield* call(session, "help.GetConfig", () => client.invoke(new Api.help.GetConfig())).pipe(
          Effect.map((config) => serverClockOffsetMillis(config.date, Date.now())),
          Effect.tapError((e) => Effect.logWarning(`cannot read Telegram's clock for session ${session}: ${e.message}`)),
          Effect.orElseSucceed(() => 0)
        )
        yield* Effect.logInfo(`connected Telegram client for session ${session}`)
        latest.set(session, client)
        const connection: Connection = {
          client,
          saved: saved.value,
          account: accountOf(me),
          clockOffsetMillis,
          peers: new PeerCache(),
          lost: () => isConnectionLost(client)
        }
        return connection
      })

    const clients = yield* RcMap.make({
      lookup: connect,
      idleTimeToLive: config.idleTimeToLive ?? DEFAULT_CLIENT_IDLE
    })

    /**
     * The session's client. A failed connect is not kept (the next request
     * tries again), nor a client whose connection is lost for good; and a
     * session saved anew under the name since the client was made (a forced
     * QR login, tgsc-auth) replaces it, and one removed closes it.
     */
    const connectionOf = (session: SessionName): Effect.Effect<Connection, TelegramError, Scope.Scope> =>
      Effect.gen(function*() {
        const connection = yield* RcMap.get(clients, session).pipe(
          Effect.tapError(() => RcMap.invalidate(clients, session))
        )
        const saved = yield* sessions.load(session).pipe(Effect.orElseSucceed(() => Option.some(connection.saved)))
        if (Option.isNone(saved)) {
          // Logged out or deleted meanwhile: the client must not outlive its login.
          yield* RcMap.invalidate(clients, session)
          return yield* new SessionRevoked({ session, reason: "no saved session" })
        }
        const renewed = saved.value !== connection.saved
        const lost = isConnectionLost(connection.client)
        if (!renewed && !lost) return connection
        yield* Effect.logInfo(
          renewed
            ? `session ${session} was saved anew: reconnecting with the new login`
            : `the connection to Telegram for session ${session} was lost: reconnecting`
        )
        yield* RcMap.invalidate(clients, session)
        return yield* RcMap.get(clients, session).pipe(Effect.tapError(() => RcMap.invalidate(clients, session)))
      })

    /**
     * Runs `f` with the session's client. Its Telegram calls are made with
     * the connection (`call(..., connection)`), so they fail instead of
     * waiting forever if the connection is lost for good meanwhile. A revoked
     * session or a lost connection drops the cached client, so the next call
     * starts afresh.
     */
    const withClient = <A, E>(
      session: SessionName,
      f: (connection: Connection) => Effect.Effect<A, E | TelegramError>
    ): Effect.Effect<A, E | TelegramError> =>
      Effect.scoped(
        Effect.flatMap(connectionOf(session), f)
      ).pipe(
        retryFloodWaits(threshold) as <X, R>(e: Effect.Effect<X, E | TelegramError, R>) => Effect.Effect<X, E | TelegramError, R>,
        Effect.tapError((e) => {
          const tag = (e as { _tag?: string })._tag
          return tag === "SessionRevoked" || tag === "TelegramUnavailable" ? RcMap.invalidate(clients, session) : Effect.void
        })
      )

    const takeouts = makeTakeouts({ run: (session, method, f) => withClient(session, (c) => call(session, method, () => f(c.client), c)) })

    const fetchDialogs = (session: SessionName, connection: Connection) =>
      listDialogs(connection.peers, (request) =>
        call(session, "messages.GetDialogs", () => connection.client.invoke(dialogsRequest(request)), connection))

    /** The input peer of a dialog the account can see; loads the dialog list once if needed. */
    const resolvePeer = (session: SessionName, connection: Connection, dialogId: DialogId) =>
      Effect.gen(function*() {
        if (dialogId === markPeerId("user", connection.account.userId)) return new Api.InputPeerSelf() as Api.TypeInputPeer
        const known = connection.peers.get(dialogId)
        if (known !== undefined) return known
        yield* fetchDialogs(session, connection)
        const loaded = connection.peers.get(dialogId)
        if (loaded !== undefined) return loaded
        return yield* new PeerNotFound({ dialogId })
      })

    /**
     * The input peer of a user to filter by (search `from_user`): Telegram
     * wants the user's access hash, so the user must have been seen: in the
     * dialog list, in an earlier answer, among a basic group's members or the
     * senders of a chat's recent messages. Never guessed (a zero access hash
     * is PEER_ID_INVALID, which would read as "dialog not found").
     */
    const resolveUser = (
      session: SessionName,
      connection: Connection,
      dialog: Api.TypeInputPeer,
      userId: number
    ): Effect.Effect<Api.TypeInputPeer, TelegramError | UserNotFound> =>
      Effect.gen(function*() {
        if (userId === connection.account.userId) return new Api.InputPeerSelf()
        const marked = markPeerId("user", userId)
        const attempts: ReadonlyArray<Effect.Effect<unknown, TelegramError>> = [
          fetchDialogs(session, connection),
          dialog.className === "InputPeerChat"
            ? call(session, "messages.GetFullChat", async () => {
              const full = await connection.client.invoke(new Api.messages.GetFullChat({ chatId: dialog.chatId }))
              rememberPeers(connection, full.users, full.chats)
            }, connection)
            : dialog.className === "InputPeerChannel"
            ? call(session, "messages.GetHistory", async () => {
              const page = await connection.client.invoke(
                new Api.messages.GetHistory({
                  peer: dialog,
                  offsetId: 0,
                  offsetDate: 0,
                  addOffset: 0,
                  limit: 100,
                  maxId: 0,
                  minId: 0,
                  hash: bigInt.zero
                })
              )
              if (page.className !== "messages.MessagesNotModified") rememberPeers(connection, page.users, page.chats, page.messages)
            }, connection)
            : Effect.void
        ]
        for (const attempt of [Effect.void, ...attempts]) {
          yield* attempt
          const known = connection.peers.get(marked)
          if (known !== undefined) return known
        }
        return yield* new UserNotFound({ userId })
      })

    const peerCall = <A>(
      session: SessionName,
      dialogId: DialogId,
      method: string,
      run: (connection: Connection, peer: Api.TypeInputPeer) => Promise<A>
    ) =>
      withClient(session, (connection) =>
        Effect.flatMap(resolvePeer(session, connection, dialogId), (peer) =>
          call(session, method, () => run(connection, peer), connection).pipe(
            Effect.catchIf(isPeerInvalid, (e) =>
              Effect.fail(new PeerNotFound({ dialogId, ...(e._tag === "TelegramRpcError" ? { reason: e.message } : {}) })))
          )
        )
      )

    const history = (
      session: SessionName,
      dialogId: DialogId,
      request: { offsetId: number; offsetDate: number; addOffset: number; limit: number; minId: number; maxId: number }
    ) =>
      peerCall(session, dialogId, "messages.GetHistory", async (connection, peer) => {
        const result = await takeouts.invoke(connection.client, session, new Api.messages.GetHistory({ peer, ...request, hash: bigInt.zero }))
        if (result.className !== "messages.MessagesNotModified") rememberPeers(connection, result.users, result.chats, result.messages)
        const { count, ids, messages } = messagesOf(result, connection.account.userId)
        return { messages, count, ids }
      })

    const threads = threadCalls((session, dialogId, method, run) =>
      peerCall(session, DialogId(dialogId), method, (c, peer) =>
        run({ client: c.client, selfId: c.account.userId, remember: (u, ch, m) => rememberPeers(c, u, ch, m) }, peer)))

    const updates = updatesCalls({
      hold: (session) => Effect.map(connectionOf(session), (c) => updatesConnection(session, c)),
      withConnection: (session, f) => withClient(session, (c) => f(updatesConnection(session, c))),
      call: (session, method, run, c) => telegramCall(method, session, requestTimeout, run, c.lost)
    })
    const updatesConnection = (session: SessionName, c: Connection) => ({
      client: c.client,
      selfId: c.account.userId,
      peers: c.peers,
      remember: (u: ReadonlyArray<Api.TypeUser>, ch: ReadonlyArray<Api.TypeChat>, m?: ReadonlyArray<Api.TypeMessage>) => rememberPeers(c, u, ch, m),
      lost: () => c.lost() || latest.get(session) !== c.client,
      peer: (dialogId: DialogId) => resolvePeer(session, c, dialogId)
    })

    return Context.make(TelegramGateway, TelegramGateway.of({
      ...threads,
      account: (session) => withClient(session, (c) => Effect.succeed(c.account)),
      clockOffset: (session) => withClient(session, (c) => Effect.succeed(c.clockOffsetMillis)),

      dialogs: (session) => withClient(session, (c) => fetchDialogs(session, c)),

      folders: (session) =>
        withClient(session, (c) =>
          call(session, "messages.GetDialogFilters", () => c.client.invoke(new Api.messages.GetDialogFilters()), c).pipe(
            Effect.map((result) => {
              const filters = Array.isArray(result) ? result : result.filters
              return filters.map((f) => folderOf(f, c.account.userId)).filter((f) => f !== null)
            })
          )),

      messageCount: (session, dialogId) =>
        Effect.map(
          history(session, dialogId, { offsetId: 0, offsetDate: 0, addOffset: 0, limit: 1, minId: 0, maxId: 0 }),
          (page) => page.count
        ),

      participantsCount: (session, dialogId) =>
        peerCall(session, dialogId, "messages.GetFullChat", (c, peer) => participantsOf(c.client, peer)),

      messagesByIds: (session, dialogId, ids) =>
        peerCall(session, dialogId, "messages.GetMessages", async (c, peer) => {
          const { messages, result } = await messagesByIdsOf(c.client, c.account.userId, peer, ids)
          if (result.className !== "messages.MessagesNotModified") rememberPeers(c, result.users, result.chats, result.messages)
          return messages
        }),

      history,

      search: (session, dialogId, request) =>
        withClient(session, (connection) =>
          Effect.gen(function*() {
            const peer = yield* resolvePeer(session, connection, dialogId)
            const fromId = request.fromUserId === null
              ? undefined
              : yield* resolveUser(session, connection, peer, request.fromUserId)
            const result = yield* call(session, "messages.Search", () =>
              connection.client.invoke(
                new Api.messages.Search({
                  peer,
                  q: request.query,
                  filter: new Api.InputMessagesFilterEmpty(),
                  ...dateBounds(request),
                  offsetId: request.offsetId,
                  addOffset: 0,
                  limit: request.limit,
                  maxId: 0,
                  minId: 0,
                  hash: bigInt.zero,
                  ...(fromId === undefined ? {} : { fromId }),
                  ...(request.topicId == null ? {} : { topMsgId: request.topicId })
                })
              ), connection).pipe(
                Effect.catchIf(isPeerInvalid, (e) =>
                  Effect.fail(
                    request.fromUserId !== null && isUserInvalid(e, peer)
                      ? new UserNotFound({ userId: request.fromUserId })
                      : new PeerNotFound({ dialogId, ...(e._tag === "TelegramRpcError" ? { reason: e.message } : {}) })
                  ))
              )
            if (result.className !== "messages.MessagesNotModified") rememberPeers(connection, result.users, result.chats, result.messages)
            const { count, ids, messages } = messagesOf(result, connection.account.userId)
            return { messages, count, ids }
          })),

      searchGlobal: (session, request) =>
        withClient(session, (connection) =>
          call(session, "messages.SearchGlobal", () =>
            searchGlobalPage(connection.client, connection.peers, connection.account.userId, request, (u, ch, m) =>
              rememberPeers(connection, u, ch, m)), connection)),

      forget: (session) => RcMap.invalidate(clients, session),
      takeout: takeouts.takeout,

      download: (session, locatorText) => downloadFile(session, locatorText, { connectionOf, call, threshold, file: takeouts.file })
    })).pipe(Context.add(TelegramUpdates, updates))
  })
)

