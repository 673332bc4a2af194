/**
 * Telegram call counts in tests that also run against the emulator's
 * realistic mode (TGSC_E2E_REALISM, test/emulator/Realism.ts): there every
 * TIMEOUT_EVERY-th call of some methods fails once with -503 Timeout and
 * the server asks again, so a request that needs `exact` calls makes up to
 * ceil(exact / (TIMEOUT_EVERY - 1)) more, never fewer.
 */
import { expect } from "vitest"
import { realismFromEnv, TIMEOUT_EVERY, TIMEOUT_METHODS } from "../emulator/Realism.js"

/** The most calls of `method` a request needing `exact` of them can make in the mode this run uses. */
export const maxCalls = (method: string, exact: number): number =>
  realismFromEnv()?.timeouts === true && TIMEOUT_METHODS.has(method) ? exact + Math.ceil(exact / (TIMEOUT_EVERY - 1)) : exact

/** `actual` calls of `method` where `exact` are needed: exactly, or within the retries of the realistic mode. */
export const expectCalls = (method: string, actual: number | undefined, exact: number): void => {
  const max = maxCalls(method, exact)
  if (max === exact) expect(actual ?? 0, method).toBe(exact)
  else {
    expect(actual ?? 0, method).toBeGreaterThanOrEqual(exact)
    expect(actual ?? 0, method).toBeLessThanOrEqual(max)
  }
}
