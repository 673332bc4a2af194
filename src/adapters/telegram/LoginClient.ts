/**
 * What the QR and the phone-code logins share over GramJS: a fresh client
 * of their own (no saved session), connected and dropped with the login's
 * scope; the SRP check of the 2FA password, as often as the user needs; and
 * the saved form of the login once Telegram accepted it.
 */
import { Api, type TelegramClient } from "telegram"
import { computeCheck } from "telegram/Password.js"
import { Duration, Effect, Option, type Scope } from "effect"
import { type TelegramError, TelegramRpcError, TelegramUnavailable } from "../../ports/TelegramGateway.js"
import type { LoginSuccess } from "../../ports/TelegramLogin.js"
import { connectClient } from "./ClientConnect.js"
import { accountOf } from "./Mapping.js"
import { destroyClient, makeClient } from "./TelegramClientFactory.js"
import type { EmulatorConfig, HeldCredentials } from "./TelegramAdapterConfig.js"
import type { TelegramProxy } from "./TelegramProxy.js"
import { telegramCall } from "./TelegramErrors.js"

/** One request of a login, failing as the port's errors, within the request timeout. */
export type LoginCall = <A>(method: string, run: () => Promise<A>) => Effect.Effect<A, TelegramError>

export const loginCall = (requestTimeout: Duration.DurationInput): LoginCall => (method, run) =>
  telegramCall(method, "(login)", requestTimeout, run)

/** A new, connected client for one login; `prepare` runs before it connects (event handlers). */
export const loginClient = (
  options: {
    readonly credentials: HeldCredentials
    readonly emulator: EmulatorConfig | undefined
    readonly proxy: TelegramProxy | undefined
  },
  prepare: (client: TelegramClient) => void = () => {}
): Effect.Effect<TelegramClient, TelegramError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => makeClient("", options),
      catch: (cause) =>
        new TelegramUnavailable({
          reason: `cannot set up the Telegram client: ${cause instanceof Error ? cause.message : String(cause)}`,
          cause
        })
    }),
    (c) => Effect.promise(() => destroyClient(c).catch(() => undefined))
  ).pipe(
    Effect.tap((client) => Effect.sync(() => prepare(client))),
    Effect.tap((client) => connectClient(client, "(login)"))
  )

const isRpc = (message: string) => (e: TelegramError) => e._tag === "TelegramRpcError" && e.message === message

/** Telegram said SESSION_PASSWORD_NEEDED: `password` for a call that may end in the 2FA step. */
export const orPasswordNeeded = <A, R>(effect: Effect.Effect<A, TelegramError, R>): Effect.Effect<A | "password", TelegramError, R> =>
  effect.pipe(
    Effect.map((a): A | "password" => a),
    Effect.catchIf(isRpc("SESSION_PASSWORD_NEEDED"), () => Effect.succeed("password" as const))
  )

/** The 2FA step: asks for the password until Telegram accepts one; the user it logs in. */
export const checkPassword = (
  client: TelegramClient,
  call: LoginCall,
  ask: (hint: string | null, previousError: string | null) => Effect.Effect<string>
): Effect.Effect<Api.TypeUser, TelegramError> =>
  Effect.gen(function*() {
    let previousError: string | null = null
    for (;;) {
      const passwordInfo = yield* call("account.GetPassword", () => client.invoke(new Api.account.GetPassword()))
      const password = yield* ask(passwordInfo.hint ?? null, previousError)
      const check = yield* call("computeCheck", () => computeCheck(passwordInfo, password))
      const result = yield* call("auth.CheckPassword", () => client.invoke(new Api.auth.CheckPassword({ password: check }))).pipe(
        Effect.map(Option.some),
        Effect.catchIf(isRpc("PASSWORD_HASH_INVALID"), () => Effect.succeed(Option.none()))
      )
      if (Option.isNone(result)) {
        previousError = "Wrong 2FA password, try again"
        continue
      }
      if (result.value.className !== "auth.Authorization") {
        return yield* new TelegramRpcError({ code: 500, message: "sign-up required", method: "auth.CheckPassword" })
      }
      return result.value.user
    }
  })

/** The login Telegram accepted, as the SessionStore keeps it. */
export const loginSuccess = (client: TelegramClient, user: Api.TypeUser): Effect.Effect<LoginSuccess, TelegramError> =>
  user.className !== "User"
    ? Effect.fail(new TelegramRpcError({ code: 500, message: "empty user", method: "auth" }))
    : Effect.succeed({ session: (client.session.save() as unknown as string) ?? "", account: accountOf(user) })
