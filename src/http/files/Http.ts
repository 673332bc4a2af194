/**
 * GET /api/v3/files/{file_uuid}: the MediaLookup use case over HTTP: the
 * file with its stored MIME type and original file name, single byte ranges,
 * or its metadata. A uuid that was skipped, not yet fetched, failed, or lost
 * from disk is a 404 saying which, and what to do about it.
 */
import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import { ScopedAccess } from "../../app/ScopedAccess.js"
import { HTTP_WAY_IN, mediaNotAvailableDetail } from "../../contract/FailureDetails.js"
import { TgscApi } from "../Api.js"
import { CurrentSession } from "../CurrentSession.js"
import { NotFound } from "../ApiErrors.js"
import { detailResponse } from "../DetailErrors.js"
import { requireTelegram } from "../RequireTelegram.js"
import { telegramErrorToHttp } from "../TelegramHttpErrors.js"

export type RangeRequest =
  | { readonly _tag: "Full" }
  | { readonly _tag: "Partial"; readonly start: number; readonly end: number }
  | { readonly _tag: "Unsatisfiable" }

/**
 * One `bytes=` range against a file of `size` bytes (RFC 9110 14.2). Several
 * ranges, other units and malformed values are ignored: the whole file is sent.
 */
export const parseRange = (header: string | undefined, size: number): RangeRequest => {
  const match = header === undefined ? null : /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header)
  if (match === null) return { _tag: "Full" }
  const [, first, last] = match as unknown as [string, string, string]
  if (first === "" && last === "") return { _tag: "Full" }
  if (first === "") {
    const suffix = Number(last)
    if (suffix === 0 || size === 0) return { _tag: "Unsatisfiable" }
    return { _tag: "Partial", start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  if (last !== "" && Number(last) < start) return { _tag: "Full" }
  if (start >= size) return { _tag: "Unsatisfiable" }
  return { _tag: "Partial", start, end: last === "" ? size - 1 : Math.min(Number(last), size - 1) }
}

/** `attachment` with an ASCII fallback name and the exact one in RFC 5987 form. */
export const contentDisposition = (fileName: string): string => {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_")
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`
}

const PASSIVE_TYPES = new Set(["text/plain", "application/pdf", "application/zip", "application/octet-stream"])

/**
 * The Content-Type a file is served with: its stored MIME type when that is
 * passive content (a plain image, audio or video type, text/plain, PDF, a
 * zip, raw bytes), otherwise `application/octet-stream`. An HTML, SVG, XML
 * or script file from a chat is served as bytes, never as a page or script
 * of this origin (metadata_only still reports the stored type).
 */
export const servedContentType = (mimeType: string | null): string => {
  const type = (mimeType ?? "").split(";")[0]!.trim().toLowerCase()
  const [top, sub = ""] = type.split("/", 2) as [string, string?]
  const plainMedia = (top === "image" || top === "audio" || top === "video") &&
    /^[a-z0-9][a-z0-9.+-]*$/.test(sub) && !/xml|svg|html|script/.test(sub)
  return plainMedia || PASSIVE_TYPES.has(type) ? type : "application/octet-stream"
}

/**
 * Beside the safe Content-Type and `attachment`: nothing in a media
 * response may run or load anything, even if a browser renders it.
 */
const MEDIA_HEADERS = {
  "content-security-policy": "default-src 'none'; sandbox",
  "x-content-type-options": "nosniff"
}

export const FilesHandlersLive = HttpApiBuilder.group(TgscApi, "files", (handlers) =>
  Effect.gen(function*() {
    const access = yield* ScopedAccess

    return handlers.handle("getFile", ({ path, urlParams }) =>
      Effect.gen(function*() {
        yield* requireTelegram
        const { name, scope } = yield* CurrentSession
        // A file of a dialog outside the request's scope is a 404, as an unknown uuid.
        const file = yield* access.file(name, scope, path.file_uuid).pipe(
          // Our own storage failing is a 500, not something the client can fix.
          Effect.catchTags({ MediaIndexError: Effect.die, MediaFileError: Effect.die }),
          Effect.mapError((e) =>
            e._tag === "MediaNotFound" || e._tag === "MediaNotDownloaded"
              ? new NotFound({ detail: mediaNotAvailableDetail(e, HTTP_WAY_IN) })
              : telegramErrorToHttp(e)
          )
        )
        if (urlParams.metadata_only) {
          return {
            file_path: file.path,
            original_filename: file.originalFileName,
            size: file.size,
            mime_type: file.mimeType
          }
        }
        const request = yield* HttpServerRequest.HttpServerRequest
        const range = parseRange(request.headers["range"], file.size)
        const headers = {
          ...MEDIA_HEADERS,
          "accept-ranges": "bytes",
          "content-disposition": contentDisposition(file.originalFileName ?? file.storedName)
        }
        const contentType = servedContentType(file.mimeType)
        switch (range._tag) {
          case "Unsatisfiable":
            return detailResponse(416, `Range '${request.headers["range"]}' is outside the file's ${file.size} bytes`, {
              "content-range": `bytes */${file.size}`
            })
          case "Partial":
            return HttpServerResponse.stream(file.read({ start: range.start, end: range.end }), {
              status: 206,
              contentType,
              contentLength: range.end - range.start + 1,
              headers: { ...headers, "content-range": `bytes ${range.start}-${range.end}/${file.size}` }
            })
          case "Full":
            return HttpServerResponse.stream(file.read(), { contentType, contentLength: file.size, headers })
        }
      }))
  }))
