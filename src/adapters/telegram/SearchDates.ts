/** Search date bounds in the form Telegram takes them. */

/** Telegram's dates are signed 32-bit seconds. */
const LAST_TELEGRAM_DATE = 2 ** 31 - 1

/**
 * A search's date bounds as Telegram takes them: 0 means "no bound", and a
 * value outside 32 bits cannot be sent. Every message is dated after 1970
 * and before 2038, so a lower bound before 1970 is no bound, an upper bound
 * after 2038 is the last date, and an upper bound before 1970 becomes the
 * first second (which nothing precedes) rather than 0, which would lift it.
 */
export const dateBounds = (request: { readonly minDate: number | null; readonly maxDate: number | null }) => ({
  minDate: request.minDate === null || request.minDate <= 0 ? 0 : Math.min(Math.floor(request.minDate), LAST_TELEGRAM_DATE),
  maxDate: request.maxDate === null ? 0 : Math.max(1, Math.min(Math.floor(request.maxDate), LAST_TELEGRAM_DATE))
})
