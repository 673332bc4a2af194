/**
 * GET /api/v3/files/{file_uuid}: a downloaded media file of the session's
 * own account, found through the account's media index, with its stored
 * MIME type and original file name, single byte ranges, or its metadata.
 * A uuid that was skipped, not yet fetched, failed, or lost from disk is a
 * 404 saying which, and what to do about it.
 */
import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Option } from "effect"
import { MediaFiles, type MediaFileRef } from "../../../ports/MediaFiles.js"
import { MediaIndex, type MediaIndexEntry } from "../../../ports/MediaIndex.js"
import { TelegramGateway } from "../../../ports/TelegramGateway.js"
import { CurrentSession, TgscApi } from "../Api.js"
import { NotFound } from "../ApiErrors.js"
import { detailResponse } from "../DetailErrors.js"
import { requireTelegram } from "../RequireTelegram.js"
import { mapTelegramErrors } from "../TelegramHttpErrors.js"

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

const unavailable = (entry: MediaIndexEntry): string | null => {
  switch (entry.status) {
    case "skipped":
      return `Media ${entry.uuid} was not downloaded: skipped by settings (${entry.reason ?? "unknown reason"}). ` +
        "Allow it with PATCH /api/v3/settings, then request the dialog's history again (repair_media fetches it)"
    case "pending":
      return `Media ${entry.uuid} has not been downloaded yet: request the dialog's history again to fetch it`
    case "failed":
      return `Media ${entry.uuid} could not be downloaded (${entry.reason ?? "unknown reason"}): ` +
        "request the dialog's history again to retry"
    case "downloaded":
      return null
  }
}

export const FilesHandlersLive = HttpApiBuilder.group(TgscApi, "files", (handlers) =>
  Effect.gen(function*() {
    const gateway = yield* TelegramGateway
    const index = yield* MediaIndex
    const files = yield* MediaFiles

    return handlers.handle("getFile", ({ path, urlParams }) =>
      Effect.gen(function*() {
        yield* requireTelegram
        const { name } = yield* CurrentSession
        // The index is per account, so another account's uuid is simply unknown here.
        const account = yield* mapTelegramErrors(gateway.account(name))
        const uuid = path.file_uuid
        const found = yield* Effect.orDie(index.get(account.userId, uuid))
        if (Option.isNone(found)) {
          return yield* new NotFound({ detail: `No media file with id '${uuid}' for this account` })
        }
        const entry = found.value
        const problem = unavailable(entry)
        if (problem !== null || entry.storedName === null) {
          return yield* new NotFound({ detail: problem ?? `Media ${uuid} has no stored file` })
        }
        const ref: MediaFileRef = { accountId: account.userId, dialogId: entry.dialogId, name: entry.storedName }
        const filePath = files.absolutePath(ref)
        const size = yield* Effect.orDie(files.size(ref))
        if (Option.isNone(size)) {
          return yield* new NotFound({
            detail: `Media file ${uuid} is missing on disk (${filePath}): request the dialog's history again to download it again`
          })
        }
        if (urlParams.metadata_only === true) {
          return {
            file_path: filePath,
            original_filename: entry.originalFileName,
            size: size.value,
            mime_type: entry.mimeType
          }
        }
        const request = yield* HttpServerRequest.HttpServerRequest
        const range = parseRange(request.headers["range"], size.value)
        const headers = {
          "accept-ranges": "bytes",
          "content-disposition": contentDisposition(entry.originalFileName ?? entry.storedName)
        }
        const contentType = entry.mimeType ?? "application/octet-stream"
        switch (range._tag) {
          case "Unsatisfiable":
            return detailResponse(416, `Range '${request.headers["range"]}' is outside the file's ${size.value} bytes`, {
              "content-range": `bytes */${size.value}`
            })
          case "Partial":
            return HttpServerResponse.stream(files.read(ref, { start: range.start, end: range.end }), {
              status: 206,
              contentType,
              contentLength: range.end - range.start + 1,
              headers: { ...headers, "content-range": `bytes ${range.start}-${range.end}/${size.value}` }
            })
          case "Full":
            return HttpServerResponse.stream(files.read(ref), { contentType, contentLength: size.value, headers })
        }
      }))
  }))
