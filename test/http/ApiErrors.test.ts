/** The HTTP errors' statuses, read from each error's own annotation (the one /openapi.json shows). */
import { describe, expect, it } from "vitest"
import { isApiError, NotFound, RateLimited, statusOf } from "../../src/http/ApiErrors.js"

describe("statusOf", () => {
  it("gives every error the status it declares", () => {
    expect(statusOf).toEqual({
      BadRequest: 400,
      Unauthorized: 401,
      Forbidden: 403,
      NotFound: 404,
      Conflict: 409,
      Gone: 410,
      Unprocessable: 422,
      RateLimited: 429,
      BadGateway: 502,
      ServiceUnavailable: 503
    })
  })

  it("knows an API error by its tag and detail", () => {
    expect(isApiError(new NotFound({ detail: "x" }))).toBe(true)
    expect(isApiError(new RateLimited({ detail: "x", retryAfter: 1 }))).toBe(true)
    expect(isApiError({ _tag: "NotFound" })).toBe(false)
    expect(isApiError(new Error("x"))).toBe(false)
  })
})
