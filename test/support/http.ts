import { expect } from "vitest"
/** A response body as loosely-typed JSON, for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const json = (response: Response): Promise<any> => response.json()

/** The contract's answer to a Telegram rate limit over the flood threshold: 429, Retry-After and its detail. */
export const expectRateLimited = (
  res: { readonly status: number; readonly headers: Headers; readonly body: unknown },
  seconds: number
): void => {
  expect(res.status).toBe(429)
  expect(res.headers.get("retry-after")).toBe(String(seconds))
  expect(res.body).toEqual({ detail: `Telegram rate limit exceeded. Retry after ${seconds} seconds.` })
}
