/**
 * QR login over GramJS, written against the raw API rather than GramJS's
 * signInUserWithQrCode, whose refresh loop lets the token expire before it
 * asks for a new one. Here the token is re-exported a few seconds before
 * Telegram's expiry (read against Telegram's clock, not ours), the scan arrives as the pushed UpdateLoginToken, a home
 * DC elsewhere is followed (LoginTokenMigrateTo), and 2FA runs the SRP check
 * as often as the user needs.
 */
import { Api, type TelegramClient } from "telegram"
import { Raw } from "telegram/events/index.js"
import { computeCheck } from "telegram/Password.js"
import { Deferred, Duration, Effect, Either, Layer, Option, Redacted } from "effect"
import { TelegramLogin } from "../../ports/TelegramLogin.js"
import { SessionRevoked, type TelegramError, TelegramRpcError, TelegramUnavailable } from "../../ports/TelegramGateway.js"
import { connectClient, failWhenConnectionLost, isConnectionLost, serverClockOffsetMillis } from "./ClientConnect.js"
import { destroyClient, InvalidSavedSession, makeClient } from "./TelegramClientFactory.js"
import { DEFAULT_TELEGRAM_TIMEOUT_SECONDS, TelegramAdapterConfig } from "./TelegramAdapterConfig.js"
import { telegramCall } from "./TelegramErrors.js"
import { accountOf } from "./Mapping.js"

/** Refresh this long before Telegram's expiry (less for short-lived tokens), so the code shown is always scannable. */
const REFRESH_MARGIN_MS = 5_000

/**
 * How long to show a token before exporting a new one: 5 s before Telegram's
 * `expires` (a 30 s token is replaced after about 25 s), or half way for
 * short-lived tokens, since `expires` is rounded up to whole seconds.
 */
export const qrRefreshDelayMillis = (expiresEpochSeconds: number, nowMillis: number): number => {
  const life = expiresEpochSeconds * 1000 - nowMillis
  return Math.max(250, life - Math.min(REFRESH_MARGIN_MS, life / 2))
}

export const qrUrlOf = (token: Uint8Array) => `tg://login?token=${Buffer.from(token).toString("base64url")}`

export const TelegramLoginLive = Layer.effect(
  TelegramLogin,
  Effect.gen(function*() {
    const config = yield* TelegramAdapterConfig
    const requestTimeout = config.requestTimeout ?? Duration.seconds(DEFAULT_TELEGRAM_TIMEOUT_SECONDS)
    const credentialsOf = Either.match(config.credentials, {
      onLeft: (reason) => Effect.fail(new TelegramUnavailable({ reason })),
      onRight: Effect.succeed
    })

    /** A client of its own for the saved login (a server's client for it may be busy or closing), dropped after. */
    const logOut = (saved: string) =>
      Effect.scoped(Effect.gen(function*() {
        const credentials = yield* credentialsOf
        const client = yield* Effect.acquireRelease(
          Effect.try({
            try: () => makeClient(saved, { credentials, emulator: config.emulator }),
            catch: (cause): TelegramError =>
              cause instanceof InvalidSavedSession
                ? new SessionRevoked({ session: "(logout)", reason: cause.message })
                : new TelegramUnavailable({
                  reason: `cannot set up the Telegram client: ${cause instanceof Error ? cause.message : String(cause)}`,
                  cause
                })
          }),
          (c) => Effect.promise(() => destroyClient(c).catch(() => undefined))
        )
        yield* connectClient(client, "(logout)")
        yield* telegramCall("auth.LogOut", "(logout)", requestTimeout, () => client.invoke(new Api.auth.LogOut()), () =>
          isConnectionLost(client))
      }))

    return TelegramLogin.of({
      logOut,
      qrLogin: (callbacks) =>
        Effect.gen(function*() {
          const credentials = yield* credentialsOf
          const call = <A>(method: string, run: () => Promise<A>): Effect.Effect<A, TelegramError> =>
            telegramCall(method, "(login)", requestTimeout, run)

          const client: TelegramClient = yield* Effect.acquireRelease(
            Effect.try({
              try: () => makeClient("", { credentials, emulator: config.emulator }),
              catch: (cause) =>
                new TelegramUnavailable({
                  reason: `cannot set up the Telegram client: ${cause instanceof Error ? cause.message : String(cause)}`,
                  cause
                })
            }),
            (c) => Effect.promise(() => destroyClient(c).catch(() => undefined))
          )
          const scanned = yield* Deferred.make<void>()
          client.addEventHandler((update: unknown) => {
            if (update instanceof Api.UpdateLoginToken) Deferred.unsafeDone(scanned, Effect.void)
          }, new Raw({}))
          yield* connectClient(client, "(login)")

          // A connection GramJS gives up on would leave the login waiting for ever: end it instead.
          const flow = Effect.gen(function*() {
            const exportToken = call("auth.ExportLoginToken", () =>
              client.invoke(
                new Api.auth.ExportLoginToken({ apiId: credentials.apiId, apiHash: Redacted.value(credentials.apiHash), exceptIds: [] })
              ))

            // Telegram's clock, which token expiry is in (help.getConfig's date); ours if it cannot be read.
            const clockOffset = yield* call("help.GetConfig", () => client.invoke(new Api.help.GetConfig())).pipe(
              Effect.map((config) => serverClockOffsetMillis(config.date, Date.now())),
              Effect.orElseSucceed(() => 0)
            )

            // Show codes until one is scanned.
            let outcome: Api.auth.TypeLoginToken | "password" | undefined
            while (outcome === undefined) {
              const token = yield* exportToken.pipe(
                Effect.map(Option.some),
                Effect.catchIf(
                  (e) => e._tag === "TelegramRpcError" && e.message === "SESSION_PASSWORD_NEEDED",
                  () => Effect.succeed(Option.none<Api.auth.TypeLoginToken>())
                )
              )
              if (Option.isNone(token)) {
                outcome = "password"
                break
              }
              if (token.value.className !== "auth.LoginToken") {
                outcome = token.value
                break
              }
              const { expires } = token.value
              yield* callbacks.onQrUrl(qrUrlOf(token.value.token), expires)
              const wait = qrRefreshDelayMillis(expires, Date.now() + clockOffset)
              const wasScanned = yield* Deferred.await(scanned).pipe(
                Effect.as(true),
                Effect.timeout(Duration.millis(wait)),
                Effect.orElseSucceed(() => false)
              )
              if (wasScanned) {
                const after = yield* exportToken.pipe(
                  Effect.map((t): Api.auth.TypeLoginToken | "password" => t),
                  Effect.catchIf(
                    (e) => e._tag === "TelegramRpcError" && e.message === "SESSION_PASSWORD_NEEDED",
                    () => Effect.succeed("password" as const)
                  )
                )
                outcome = after
              }
            }

            let user: Api.TypeUser | undefined
            if (outcome !== "password" && outcome.className === "auth.LoginTokenMigrateTo") {
              const migrate = outcome
              const switched = yield* call("switchDC", () => client._switchDC(migrate.dcId))
              if (switched === false) {
                return yield* new TelegramUnavailable({ reason: `could not connect to Telegram DC ${migrate.dcId}` })
              }
              const imported = yield* call("auth.ImportLoginToken", () =>
                client.invoke(new Api.auth.ImportLoginToken({ token: migrate.token }))).pipe(
                  Effect.map((t): Api.auth.TypeLoginToken | "password" => t),
                  Effect.catchIf(
                    (e) => e._tag === "TelegramRpcError" && e.message === "SESSION_PASSWORD_NEEDED",
                    () => Effect.succeed("password" as const)
                  )
                )
              outcome = imported
            }
            if (outcome !== "password") {
              if (outcome.className === "auth.LoginTokenSuccess" && outcome.authorization.className === "auth.Authorization") {
                user = outcome.authorization.user
              } else {
                return yield* new TelegramRpcError({ code: 500, message: `unexpected ${outcome.className}`, method: "auth.ExportLoginToken" })
              }
            } else {
              let previousError: string | null = null
              while (user === undefined) {
                const passwordInfo = yield* call("account.GetPassword", () => client.invoke(new Api.account.GetPassword()))
                const password = yield* callbacks.password(passwordInfo.hint ?? null, previousError)
                const check = yield* call("computeCheck", () => computeCheck(passwordInfo, password))
                const result = yield* call("auth.CheckPassword", () =>
                  client.invoke(new Api.auth.CheckPassword({ password: check }))).pipe(
                    Effect.map(Option.some),
                    Effect.catchIf(
                      (e) => e._tag === "TelegramRpcError" && e.message === "PASSWORD_HASH_INVALID",
                      () => Effect.succeed(Option.none())
                    )
                  )
                if (Option.isNone(result)) {
                  previousError = "Wrong 2FA password, try again"
                  continue
                }
                if (result.value.className !== "auth.Authorization") {
                  return yield* new TelegramRpcError({ code: 500, message: "sign-up required", method: "auth.CheckPassword" })
                }
                user = result.value.user
              }
            }
            if (user.className !== "User") {
              return yield* new TelegramRpcError({ code: 500, message: "empty user", method: "auth" })
            }
            const session = (client.session.save() as unknown as string) ?? ""
            return {
              session,
              account: accountOf(user)
            }
          })
          return yield* Effect.raceFirst(flow, failWhenConnectionLost(client))
        })
    })
  })
)
