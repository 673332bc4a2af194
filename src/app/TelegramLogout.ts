/**
 * Ending a saved login at Telegram without letting Telegram's answer decide
 * anything else: the outcome says whether Telegram ended it, had already
 * ended it, or could not be asked (then the login may still be active, and
 * the user can end it in Telegram > Settings > Devices).
 */
import { Duration, Effect } from "effect"
import { describeTelegramError, TelegramUnavailable } from "../ports/TelegramGateway.js"
import type { TelegramLoginService } from "../ports/TelegramLogin.js"

/** What Telegram said to the logout. */
export type TelegramLogout =
  /** Telegram ended the login. */
  | { readonly _tag: "LoggedOut" }
  /** Telegram no longer knew the login (revoked from another device, logged out elsewhere, or an unusable file). */
  | { readonly _tag: "AlreadyEnded"; readonly reason: string }
  /** Telegram could not be asked, or did not confirm: the login may still be active there. */
  | { readonly _tag: "NotConfirmed"; readonly reason: string }

/** How long Telegram may take to confirm a logout before it is given up. */
export const LOGOUT_TIMEOUT = Duration.seconds(15)


/** Ends the saved login at Telegram; never fails. */
export const logOutAtTelegram = (login: TelegramLoginService, saved: string): Effect.Effect<TelegramLogout> =>
  login.logOut(saved).pipe(
    Effect.timeoutFail({
      duration: LOGOUT_TIMEOUT,
      onTimeout: () => new TelegramUnavailable({ reason: `no answer within ${Duration.format(LOGOUT_TIMEOUT)}` })
    }),
    Effect.as<TelegramLogout>({ _tag: "LoggedOut" }),
    Effect.catchAll((e) =>
      Effect.succeed<TelegramLogout>(
        e._tag === "SessionRevoked" ? { _tag: "AlreadyEnded", reason: e.reason } : { _tag: "NotConfirmed", reason: describeTelegramError(e) }
      )
    )
  )
