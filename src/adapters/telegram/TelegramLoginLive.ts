/**
 * QR login over GramJS, written against the raw API rather than GramJS's
 * signInUserWithQrCode, whose refresh loop lets the token expire before it
 * asks for a new one. Here the token is re-exported a few seconds before
 * Telegram's expiry (read against Telegram's clock, not ours), the scan arrives as the pushed UpdateLoginToken, a home
 * DC elsewhere is followed (LoginTokenMigrateTo), and 2FA runs the SRP check
 * as often as the user needs. The phone-code login is PhoneCodeLogin's.
 */
import { Api } from "telegram"
import { Raw } from "telegram/events/index.js"
import { Deferred, Duration, Effect, Either, Layer, Redacted } from "effect"
import { TelegramLogin } from "../../ports/TelegramLogin.js"
import { SessionRevoked, type TelegramError, TelegramRpcError, TelegramUnavailable } from "../../ports/TelegramGateway.js"
import { connectClient, failWhenConnectionLost, isConnectionLost, serverClockOffsetMillis } from "./ClientConnect.js"
import { destroyClient, InvalidSavedSession, makeClient } from "./TelegramClientFactory.js"
import { DEFAULT_TELEGRAM_TIMEOUT_SECONDS, type HeldCredentials, TelegramAdapterConfig } from "./TelegramAdapterConfig.js"
import { telegramCall } from "./TelegramErrors.js"
import { checkPassword, loginCall, loginClient, loginSuccess, orPasswordNeeded } from "./LoginClient.js"
import { phoneCodeLogin } from "./PhoneCodeLogin.js"

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
            try: () => makeClient(saved, { credentials, emulator: config.emulator, proxy: config.proxy }),
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

    const clientOptions = (credentials: HeldCredentials) => ({ credentials, emulator: config.emulator, proxy: config.proxy })
    const call = loginCall(requestTimeout)

    return TelegramLogin.of({
      logOut,
      phoneLogin: (phone, callbacks) =>
        Effect.gen(function*() {
          const credentials = yield* credentialsOf
          const client = yield* loginClient(clientOptions(credentials))
          // A connection GramJS gives up on would leave the login waiting for ever: end it instead.
          return yield* Effect.raceFirst(phoneCodeLogin(client, credentials, call, phone, callbacks), failWhenConnectionLost(client))
        }),
      qrLogin: (callbacks) =>
        Effect.gen(function*() {
          const credentials = yield* credentialsOf
          const scanned = yield* Deferred.make<void>()
          const client = yield* loginClient(clientOptions(credentials), (c) =>
            c.addEventHandler((update: unknown) => {
              if (update instanceof Api.UpdateLoginToken) Deferred.unsafeDone(scanned, Effect.void)
            }, new Raw({})))

          const flow = Effect.gen(function*() {
            const exportToken = orPasswordNeeded(call("auth.ExportLoginToken", () =>
              client.invoke(
                new Api.auth.ExportLoginToken({ apiId: credentials.apiId, apiHash: Redacted.value(credentials.apiHash), exceptIds: [] })
              )))

            // Telegram's clock, which token expiry is in (help.getConfig's date); ours if it cannot be read.
            const clockOffset = yield* call("help.GetConfig", () => client.invoke(new Api.help.GetConfig())).pipe(
              Effect.map((config) => serverClockOffsetMillis(config.date, Date.now())),
              Effect.orElseSucceed(() => 0)
            )

            // Show codes until one is scanned.
            let outcome: Api.auth.TypeLoginToken | "password" | undefined
            while (outcome === undefined) {
              const token = yield* exportToken
              if (token === "password" || token.className !== "auth.LoginToken") {
                outcome = token
                break
              }
              const { expires } = token
              yield* callbacks.onQrUrl(qrUrlOf(token.token), expires)
              const wait = qrRefreshDelayMillis(expires, Date.now() + clockOffset)
              const wasScanned = yield* Deferred.await(scanned).pipe(
                Effect.as(true),
                Effect.timeout(Duration.millis(wait)),
                Effect.orElseSucceed(() => false)
              )
              if (wasScanned) outcome = yield* exportToken
            }

            if (outcome !== "password" && outcome.className === "auth.LoginTokenMigrateTo") {
              const migrate = outcome
              const switched = yield* call("switchDC", () => client._switchDC(migrate.dcId))
              if (switched === false) {
                return yield* new TelegramUnavailable({ reason: `could not connect to Telegram DC ${migrate.dcId}` })
              }
              outcome = yield* orPasswordNeeded(call("auth.ImportLoginToken", () =>
                client.invoke(new Api.auth.ImportLoginToken({ token: migrate.token }))))
            }
            if (outcome === "password") return yield* loginSuccess(client, yield* checkPassword(client, call, callbacks.password))
            if (outcome.className === "auth.LoginTokenSuccess" && outcome.authorization.className === "auth.Authorization") {
              return yield* loginSuccess(client, outcome.authorization.user)
            }
            return yield* new TelegramRpcError({ code: 500, message: `unexpected ${outcome.className}`, method: "auth.ExportLoginToken" })
          })
          return yield* Effect.raceFirst(flow, failWhenConnectionLost(client))
        })
    })
  })
)
