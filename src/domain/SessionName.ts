/**
 * Session names become file names under {data_dir}/sessions/, so they are
 * validated before anything touches the disk: no separators, no leading dot,
 * nothing that could climb out of the sessions folder.
 */
import { Data, Either } from "effect"

export const SESSION_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/

export type SessionName = string & { readonly SessionName: unique symbol }

export const validateSessionName = (name: string): Either.Either<SessionName, string> =>
  SESSION_NAME_PATTERN.test(name)
    ? Either.right(name as SessionName)
    : Either.left(
      `Invalid session name ${JSON.stringify(name.length > 80 ? name.slice(0, 80) + "..." : name)}: ` +
        "use 1-64 characters from A-Z, a-z, 0-9, '_', '.', '-', not starting with '.' or '-'"
    )

export class InvalidSessionName extends Data.TaggedError("InvalidSessionName")<{
  readonly name: string
  readonly reason: string
}> {
  override get message() {
    return this.reason
  }
}

/**
 * The same check as a typed failure, for programs: an Either is an Effect,
 * so `yield* sessionName("me")` in Effect.gen fails with InvalidSessionName.
 */
export const sessionName = (name: string): Either.Either<SessionName, InvalidSessionName> =>
  Either.mapLeft(validateSessionName(name), (reason) => new InvalidSessionName({ name, reason }))
