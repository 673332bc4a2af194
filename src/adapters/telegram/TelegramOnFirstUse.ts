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
const onFirstUse = <I, S, R>(
  tag: Context.Tag<I, S>,
  load: () => Promise<Layer.Layer<I, never, R>>
): Effect.Effect<Effect.Effect<S>, never, R | Scope.Scope> =>
  Effect.map(
    RcRef.make({
      acquire: Effect.promise(load).pipe(
        Effect.flatMap(Layer.build),
        Effect.map((built) => Context.get(built, tag))
      ),
      idleTimeToLive: Duration.infinity
    }),
    (service) => Effect.scoped(RcRef.get(service))
  )

export const TelegramGatewayOnFirstUse: Layer.Layer<TelegramGateway, never, GatewayNeeds> = Layer.scoped(
  TelegramGateway,
  Effect.gen(function*() {
    const gateway = yield* onFirstUse(
      TelegramGateway,
      () => import("./TelegramGatewayLive.js").then((m) => m.TelegramGatewayLive)
    )
    return TelegramGateway.of({
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
    })
  })
)

export const TelegramLoginOnFirstUse: Layer.Layer<TelegramLogin, never, LoginNeeds> = Layer.scoped(
  TelegramLogin,
  Effect.gen(function*() {
    const login = yield* onFirstUse(
      TelegramLogin,
      () => import("./TelegramLoginLive.js").then((m) => m.TelegramLoginLive)
    )
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
