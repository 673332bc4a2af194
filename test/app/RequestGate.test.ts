/**
 * The request gate's pure decisions, case by case (the server-level tests in
 * test/http/bodyLimits, test/e2e/api-token-routes and test/e2e/cross-site
 * run them end to end): same origin, what headers alone refuse, the logged
 * path, the Content-Type media is served with, token comparison.
 */
import { describe, expect, it } from "vitest"
import { bearerToken, sameSecret } from "../../src/http/ApiToken.js"
import { servedContentType } from "../../src/http/files/Http.js"
import { isStateChanging, MAX_BODY_BYTES, refusedByHeaders } from "../../src/http/JsonBody.js"
import { loggedPath } from "../../src/http/RequestLog.js"
import { isSameOrigin } from "../../src/http/SameOrigin.js"
import { applyServerTimeouts, SERVER_TIMEOUTS } from "../../src/http/NodeServer.js"
import { createServer } from "node:http"

describe("isSameOrigin", () => {
  it.each([
    ["http://localhost:8000", "localhost:8000"],
    ["http://LocalHost:8000", "localhost:8000"],
    ["http://127.0.0.1:8000", "127.0.0.1:8000"],
    ["http://[::1]:8000", "[::1]:8000"],
    ["http://localhost", "localhost:80"],
    ["https://tgsc.example", "tgsc.example"]
  ])("%s is the origin of Host %s", (origin, host) => {
    expect(isSameOrigin(origin, host)).toBe(true)
  })
  it.each([
    ["null", "localhost:8000"],
    ["https://evil.example", "localhost:8000"],
    ["http://localhost:8001", "localhost:8000"],
    ["http://localhost:8000.evil.example", "localhost:8000"],
    ["http://localhost:8000/", "localhost:8000"],
    ["http://user@localhost:8000", "localhost:8000"],
    ["http://localhost:80", "localhost"],
    ["file://", "localhost:8000"],
    ["chrome-extension://abc", "localhost:8000"],
    ["http://localhost:8000", undefined],
    ["http://localhost:8000", "localhost:8000/x"],
    ["", "localhost:8000"]
  ])("%j is not the origin of Host %j", (origin, host) => {
    expect(isSameOrigin(origin, host)).toBe(false)
  })
})

describe("refusedByHeaders", () => {
  const statusOf = (method: string, headers: Record<string, string>) => refusedByHeaders(method, headers)?.status
  it("a declared body over the limit is a 413 whatever the method", () => {
    for (const method of ["GET", "POST", "DELETE"]) {
      expect(statusOf(method, { "content-length": String(MAX_BODY_BYTES + 1), "content-type": "application/json" })).toBe(413)
      expect(statusOf(method, { "content-length": String(MAX_BODY_BYTES), "content-type": "application/json" })).toBeUndefined()
    }
  })
  it("writes need a JSON Content-Type when they say one or have a body; reads are not checked", () => {
    expect(statusOf("POST", { "content-type": "application/json; charset=utf-8", "content-length": "2" })).toBeUndefined()
    expect(statusOf("PATCH", { "content-type": "application/merge-patch+json", "content-length": "2" })).toBeUndefined()
    expect(statusOf("POST", {})).toBeUndefined()
    expect(statusOf("DELETE", { "content-length": "0" })).toBeUndefined()
    for (const type of ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x", "application/jsonx"]) {
      expect(statusOf("POST", { "content-type": type }), type).toBe(415)
      expect(statusOf("DELETE", { "content-type": type }), type).toBe(415)
      expect(statusOf("GET", { "content-type": type }), type).toBeUndefined()
    }
    expect(statusOf("POST", { "content-length": "5" })).toBe(415)
    expect(statusOf("PUT", { "transfer-encoding": "chunked" })).toBe(415)
    expect(refusedByHeaders("POST", { "content-length": "5" })?.detail).toMatch(/needs a Content-Type: .*application\/json/)
  })
  it("only GET, HEAD and OPTIONS are reads", () => {
    expect(["GET", "HEAD", "OPTIONS", "get"].map(isStateChanging)).toEqual([false, false, false, false])
    expect(["POST", "PUT", "PATCH", "DELETE", "PROPFIND"].map(isStateChanging)).toEqual([true, true, true, true, true])
  })
})

describe("loggedPath", () => {
  it.each([
    ["/api/v3/auth/qr/AbC_-12/2fa", "/api/v3/auth/qr/***/2fa"],
    ["/api/v3/auth/qr/tok?x=1", "/api/v3/auth/qr/***"],
    ["/API//v3/Auth/QR/tok/qr.svg", "/API/v3/Auth/QR/***/qr.svg"],
    ["http://h:1/api/v3/auth/qr/tok", "/api/v3/auth/qr/***"],
    ["/api/v3/auth/qr/%74ok;jsessionid=1", "/api/v3/auth/qr/***"],
    ["/api/v3/auth/qr", "/api/v3/auth/qr"],
    ["/api/v3/search/dialogs?q=secret", "/api/v3/search/dialogs"],
    ["/%E0%A4%A", "/%E0%A4%A"]
  ])("%s is logged as %s", (url, logged) => {
    expect(loggedPath(url)).toBe(logged)
  })
})

describe("servedContentType", () => {
  it.each([
    ["image/jpeg", "image/jpeg"],
    ["image/webp", "image/webp"],
    ["video/mp4", "video/mp4"],
    ["audio/ogg; codecs=opus", "audio/ogg"],
    ["application/pdf", "application/pdf"],
    ["text/plain; charset=utf-8", "text/plain"],
    ["image/svg+xml", "application/octet-stream"],
    ["text/html", "application/octet-stream"],
    ["application/xhtml+xml", "application/octet-stream"],
    ["text/javascript", "application/octet-stream"],
    ["application/xml", "application/octet-stream"],
    ["text/csv", "application/octet-stream"],
    ["image/", "application/octet-stream"],
    [null, "application/octet-stream"]
  ])("%j is served as %s", (stored, served) => {
    expect(servedContentType(stored)).toBe(served)
  })
})

describe("API token", () => {
  // As ApiTokenLive checks a request's Authorization header.
  const carriesToken = (header: string | undefined, expected: string) => {
    const given = bearerToken(header)
    return given !== undefined && sameSecret(given, expected)
  }

  it("compares whole tokens whatever their lengths", () => {
    expect(sameSecret("s3cret", "s3cret")).toBe(true)
    for (const other of ["s3cre", "s3crets", "", "S3CRET"]) expect(sameSecret(other, "s3cret")).toBe(false)
    expect(carriesToken("Bearer s3cret", "s3cret")).toBe(true)
    expect(carriesToken("bearer   s3cret ", "s3cret")).toBe(true)
    for (const header of [undefined, "", "s3cret", "Basic s3cret", "Bearer s3cret2", "Bearer"]) {
      expect(carriesToken(header, "s3cret"), String(header)).toBe(false)
    }
  })
})

describe("server timeouts", () => {
  it("bound receiving a request, not answering it (SSE streams run on)", () => {
    const server = applyServerTimeouts(createServer())
    expect(server.headersTimeout).toBe(SERVER_TIMEOUTS.headersTimeout)
    expect(server.requestTimeout).toBe(SERVER_TIMEOUTS.requestTimeout)
    expect(server.keepAliveTimeout).toBe(SERVER_TIMEOUTS.keepAliveTimeout)
    expect(server.timeout).toBe(0)
    expect(SERVER_TIMEOUTS.headersTimeout).toBeLessThanOrEqual(SERVER_TIMEOUTS.requestTimeout)
  })
})
