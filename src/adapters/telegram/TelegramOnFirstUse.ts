/**
 * The Telegram adapter as the server runs it: TelegramGateway and
 * TelegramLogin whose GramJS implementations (TelegramGatewayLive,
 * TelegramLoginLive) are imported and built on first use, not at start-up.
 * Loading GramJS, which generates its TL classes as it loads, would cost a
 * server that has not talked to Telegram yet about 0.3 s of start-up and
 * 20 MB resident (bench/RESULTS.md, Notes). So this module, and whatever it
 * imports statically, must stay free of GramJS: only types come from the
 * implementations.
 */
import { Context, Duration, Effect, Layer, RcRef, type Scope, Stream } from "effect"
import { TelegramGateway, TelegramUnavailable } from "../../ports/TelegramGateway.js"
import { TelegramLogin } from "../../ports/TelegramLogin.js"
import { TelegramUpdates } from "../../ports/TelegramUpdates.js"

type GatewayNeeds = Layer.Layer.Context<typeof import("./TelegramGatewayLive.js").TelegramGatewayLive>
type LoginNeeds = Layer.Layer.Context<typeof import("./TelegramLoginLive.js").TelegramLoginLive>

/**
 * An effect giving the service `tag` from the layer `load` resolves to,
 * imported and built on its first run and kept until the calling layer is
 * released (shutdown), built with that layer's context. An RcRef, not
 * Effect.cached: concurrent first runs share one build, and a first run
 * interrupted midway (a client gone) leaves nothing behind for the next to
 * trip over, where Effect.cached would keep the interruption as the result.
 */
const onFirstUse = <I, R>(
  load: () => Promise<Layer.Layer<I, never, R>>
): Effect.Effect<Effect.Effect<Context.Context<I>>, never, R | Scope.Scope> =>
  Effect.map(
    RcRef.make({ acquire: Effect.flatMap(Effect.promise(load), Layer.build), idleTimeToLive: Duration.infinity }),
    (built) => Effect.scoped(RcRef.get(built))
  )

/** TelegramGateway and TelegramUpdates: one GramJS adapter (the same clients), built once. */
export const TelegramGatewayOnFirstUse: Layer.Layer<TelegramGateway | TelegramUpdates, never, GatewayNeeds> = Layer.scopedContext(
  Effect.gen(function*() {
    const built = yield* onFirstUse(() => import("./TelegramGatewayLive.js").then((m) => m.TelegramGatewayLive))
    const gateway = Effect.map(built, (c) => Context.get(c, TelegramGateway))
    const updates = Effect.map(built, (c) => Context.get(c, TelegramUpdates))
    return Context.make(TelegramGateway, TelegramGateway.of({
      account: (...args) => Effect.flatMap(gateway, (g) => g.account(...args)),
      clockOffset: (...args) => Effect.flatMap(gateway, (g) => g.clockOffset(...args)),
      dialogs: (...args) => Effect.flatMap(gateway, (g) => g.dialogs(...args)),
      folders: (...args) => Effect.flatMap(gateway, (g) => g.folders(...args)),
      messageCount: (...args) => Effect.flatMap(gateway, (g) => g.messageCount(...args)),
      participantsCount: (...args) => Effect.flatMap(gateway, (g) => g.participantsCount(...args)),
      messagesByIds: (...args) => Effect.flatMap(gateway, (g) => g.messagesByIds(...args)),
      history: (...args) => Effect.flatMap(gateway, (g) => g.history(...args)),
      thread: (...args) => Effect.flatMap(gateway, (g) => g.thread(...args)),
      replies: (...args) => Effect.flatMap(gateway, (g) => g.replies(...args)),
      topics: (...args) => Effect.flatMap(gateway, (g) => g.topics(...args)),
      search: (...args) => Effect.flatMap(gateway, (g) => g.search(...args)),
      searchGlobal: (...args) => Effect.flatMap(gateway, (g) => g.searchGlobal(...args)),
      download: (...args) => Stream.unwrap(Effect.map(gateway, (g) => g.download(...args))),
      forget: (...args) => Effect.flatMap(gateway, (g) => g.forget(...args)),
      takeout: (...args) => Effect.flatMap(gateway, (g) => g.takeout === undefined ? Effect.void : g.takeout(...args))
    })).pipe(Context.add(TelegramUpdates, TelegramUpdates.of({
      pushes: (...args) => Stream.unwrap(Effect.map(updates, (u) => u.pushes(...args))),
      state: (...args) => Effect.flatMap(updates, (u) => u.state(...args)),
      dialogStates: (...args) => Effect.flatMap(updates, (u) => u.dialogStates(...args)),
      difference: (...args) => Effect.flatMap(updates, (u) => u.difference(...args)),
      channelDifference: (...args) => Effect.flatMap(updates, (u) => u.channelDifference(...args))
    })))
  })
)

export const TelegramLoginOnFirstUse: Layer.Layer<TelegramLogin, never, LoginNeeds> = Layer.scoped(
  TelegramLogin,
  Effect.gen(function*() {
    const built = yield* onFirstUse(() => import("./TelegramLoginLive.js").then((m) => m.TelegramLoginLive))
    const login = Effect.map(built, (c) => Context.get(c, TelegramLogin))
    return TelegramLogin.of({
      qrLogin: (...args) => Effect.flatMap(login, (l) => l.qrLogin(...args)),
      phoneLogin: (...args) =>
        Effect.flatMap(login, (l) =>
          l.phoneLogin === undefined
            ? Effect.fail(new TelegramUnavailable({ reason: "this Telegram adapter cannot log in by phone code" }))
            : l.phoneLogin(...args)),
      logOut: (...args) => Effect.flatMap(login, (l) => l.logOut(...args))
    })
  })
)
