/**
 * The phone-code login over GramJS, on the raw API (GramJS's `start()` asks
 * for everything through prompts of its own): auth.sendCode (GramJS follows
 * PHONE_MIGRATE to the account's home DC by itself), then auth.signIn with
 * each code the user gives, auth.resendCode when they ask for another (a
 * new auth.sendCode once the code has expired, which cannot be resent), the
 * 2FA check when Telegram says SESSION_PASSWORD_NEEDED. A login abandoned
 * before Telegram accepted it withdraws the code it had sent
 * (auth.cancelCode), as Telegram asks clients to.
 */
import { Api, type TelegramClient } from "telegram"
import { Duration, Effect, Either, Exit, Redacted, type Scope } from "effect"
import { type FloodWait, type TelegramError, TelegramRpcError } from "../../ports/TelegramGateway.js"
import type { CodeAnswer, CodeDelivery, CodeRetry, LoginSuccess, PhoneLoginCallbacks, SentCode } from "../../ports/TelegramLogin.js"
import { checkPassword, type LoginCall, loginSuccess, orPasswordNeeded } from "./LoginClient.js"
import type { HeldCredentials } from "./TelegramAdapterConfig.js"

const deliveryOf = (type: { readonly className: string } | undefined | null): CodeDelivery | null => {
  switch (type?.className) {
    case undefined:
      return null
    case "auth.SentCodeTypeApp":
      return "app"
    case "auth.SentCodeTypeSms":
    case "auth.SentCodeTypeSmsWord":
    case "auth.SentCodeTypeSmsPhrase":
    case "auth.SentCodeTypeFirebaseSms":
    case "auth.CodeTypeSms":
      return "sms"
    case "auth.SentCodeTypeCall":
    case "auth.CodeTypeCall":
      return "call"
    case "auth.SentCodeTypeFlashCall":
    case "auth.CodeTypeFlashCall":
      return "flash_call"
    case "auth.SentCodeTypeMissedCall":
    case "auth.CodeTypeMissedCall":
      return "missed_call"
    case "auth.SentCodeTypeEmailCode":
      return "email"
    case "auth.SentCodeTypeFragmentSms":
    case "auth.CodeTypeFragmentSms":
      return "fragment_sms"
    default:
      return "other"
  }
}

export const sentCodeOf = (sent: Api.auth.SentCode): SentCode => ({
  type: deliveryOf(sent.type) ?? "other",
  nextType: deliveryOf(sent.nextType),
  timeout: sent.timeout ?? null,
  length: "length" in sent.type && typeof sent.type.length === "number" ? sent.type.length : null
})

/** Withdrawing a code is a courtesy: a shutdown does not wait longer for it. */
const WITHDRAW_TIMEOUT = Duration.seconds(5)

const rpcMessage = (e: TelegramError): string | undefined => (e._tag === "TelegramRpcError" ? e.message : undefined)

type SentOrDone = { readonly sent: Api.auth.SentCode } | { readonly user: Api.TypeUser }

/** The code sent, or a login already done (auth.sentCodeSuccess: Telegram needs no code from this client). */
const sentOrDone = (result: Api.auth.TypeSentCode): SentOrDone => {
  if (result instanceof Api.auth.SentCode) return { sent: result }
  if (result instanceof Api.auth.SentCodeSuccess && result.authorization instanceof Api.auth.Authorization) {
    return { user: result.authorization.user }
  }
  throw new Error(`unexpected ${result.className}`)
}

type SignInOutcome =
  | Api.auth.TypeAuthorization
  | "password"
  | { readonly _tag: "WrongCode" }
  | { readonly _tag: "CodeExpired" }
  | { readonly _tag: "CodeRefused"; readonly error: FloodWait }

/**
 * auth.signIn with one code: the login, the 2FA step, or why the code was not
 * taken. A FLOOD_WAIT leaves the code unchecked, so the login goes on: the
 * user gives it again after the wait (the client sleeps through no wait).
 */
const signInWith = (client: TelegramClient, call: LoginCall, request: Api.auth.SignIn): Effect.Effect<SignInOutcome, TelegramError> =>
  orPasswordNeeded(call("auth.SignIn", () => client.invoke(request))).pipe(
    Effect.catchIf(
      (e) => ["PHONE_CODE_INVALID", "PHONE_CODE_EMPTY"].includes(rpcMessage(e) ?? ""),
      () => Effect.succeed({ _tag: "WrongCode" } as const)
    ),
    Effect.catchIf((e) => rpcMessage(e) === "PHONE_CODE_EXPIRED", () => Effect.succeed({ _tag: "CodeExpired" } as const)),
    Effect.catchTag("FloodWait", (error) => Effect.succeed({ _tag: "CodeRefused", error } as const))
  )

export const phoneCodeLogin = (
  client: TelegramClient,
  credentials: HeldCredentials,
  call: LoginCall,
  phone: Redacted.Redacted<string>,
  callbacks: PhoneLoginCallbacks
): Effect.Effect<LoginSuccess, TelegramError, Scope.Scope> =>
  Effect.gen(function*() {
    const phoneNumber = Redacted.value(phone)
    const sendCode = call("auth.SendCode", () =>
      client.invoke(
        new Api.auth.SendCode({
          phoneNumber,
          apiId: credentials.apiId,
          apiHash: Redacted.value(credentials.apiHash),
          settings: new Api.CodeSettings({})
        })
      ).then(sentOrDone))
    const first = yield* sendCode
    if ("user" in first) return yield* loginSuccess(client, first.user)
    let hash = first.sent.phoneCodeHash
    let done = false
    // Withdrawn when the login ends any other way than Telegram accepting it (cancel, expiry, too many wrong
    // codes, shutdown). A finalizer of the login's scope, not an onInterrupt: that would run in the raced
    // fiber, which an interrupted race does not wait for, so the client could be gone by then.
    yield* Effect.addFinalizer((exit) =>
      Exit.isSuccess(exit) || done
        ? Effect.void
        : call("auth.CancelCode", () => client.invoke(new Api.auth.CancelCode({ phoneNumber, phoneCodeHash: hash }))).pipe(
          Effect.timeout(WITHDRAW_TIMEOUT),
          Effect.ignore
        )
    )

    const signIn = Effect.gen(function*() {
      yield* callbacks.onCodeSent(sentCodeOf(first.sent))
      let retry: CodeRetry | null = null
      for (;;) {
        const answer: CodeAnswer = yield* callbacks.code(retry)
        retry = null
        if (answer._tag === "Resend") {
          const resent = yield* call("auth.ResendCode", () =>
            client.invoke(new Api.auth.ResendCode({ phoneNumber, phoneCodeHash: hash })).then(sentOrDone)).pipe(
              // An expired code cannot be resent: Telegram sends a new one for a new auth.sendCode.
              Effect.catchIf((e) => rpcMessage(e) === "PHONE_CODE_EXPIRED", () => sendCode),
              Effect.either
            )
          if (Either.isLeft(resent)) {
            retry = { _tag: "ResendRefused", error: resent.left }
            continue
          }
          if ("user" in resent.right) return resent.right.user
          hash = resent.right.sent.phoneCodeHash
          yield* callbacks.onCodeSent(sentCodeOf(resent.right.sent))
          continue
        }
        const result: SignInOutcome = yield* signInWith(client, call, new Api.auth.SignIn({
          phoneNumber,
          phoneCodeHash: hash,
          phoneCode: Redacted.value(answer.code).trim()
        }))
        if (result === "password") {
          done = true
          return yield* checkPassword(client, call, callbacks.password)
        }
        if ("_tag" in result) {
          retry = result
          continue
        }
        done = true
        if (result instanceof Api.auth.AuthorizationSignUpRequired) {
          // Telegram would sign this number up as a new account: not for a tool reading an existing one's history.
          return yield* new TelegramRpcError({ code: 400, message: "PHONE_NUMBER_UNOCCUPIED", method: "auth.SignIn" })
        }
        return result.user
      }
    })
    return yield* loginSuccess(client, yield* signIn)
  })
