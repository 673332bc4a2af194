/**
 * The steps QR and phone-code logins share on the wire, answered the same
 * way for both: the 2FA password and the cancel. Both kinds of login are
 * PendingLogins underneath, so their errors are the same too; the errors'
 * own messages are the details.
 */
import { Effect } from "effect"
import type { LoginAlreadyFinished, LoginNotFound, NotAwaitingPassword } from "../../app/PendingLogins.js"
import { BadRequest, Conflict, type NotFound } from "../ApiErrors.js"

/** POST .../2fa: an empty password is a 400, a login not waiting for one a 409. */
export const passwordStep = <S, A>(
  password: string,
  submit: (password: string) => Effect.Effect<S, LoginNotFound | NotAwaitingPassword>,
  notFound: (e: LoginNotFound) => NotFound,
  view: (state: S) => A
): Effect.Effect<A, BadRequest | NotFound | Conflict> =>
  password.length === 0
    ? Effect.fail(new BadRequest({ detail: "password must not be empty" }))
    : submit(password).pipe(
      Effect.catchTags({
        LoginNotFound: (e) => Effect.fail(notFound(e)),
        NotAwaitingPassword: (e) => Effect.fail(new Conflict({ detail: e.message }))
      }),
      Effect.map(view)
    )

/** DELETE: the login cancelled with `message`, or a 409 when it had already ended. */
export const cancelStep = (
  cancel: Effect.Effect<unknown, LoginNotFound | LoginAlreadyFinished>,
  message: string,
  notFound: (e: LoginNotFound) => NotFound
): Effect.Effect<{ readonly status: "cancelled"; readonly message: string }, NotFound | Conflict> =>
  cancel.pipe(
    Effect.as({ status: "cancelled" as const, message }),
    Effect.catchTags({
      LoginNotFound: (e) => Effect.fail(notFound(e)),
      LoginAlreadyFinished: (e) => Effect.fail(new Conflict({ detail: e.message }))
    })
  )
