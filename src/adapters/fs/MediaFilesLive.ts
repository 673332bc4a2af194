/**
 * The MediaFiles port on the local file system: `{uuid}{ext}` in
 * `{data_dir}/accounts/{account}/dialogs/{dialog}/media/`. Downloads go to a
 * hidden `.part` file that is synced, then renamed into place; a failed or
 * interrupted download removes its temporary file. Directories 0700, files
 * 0600 (PrivateFiles).
 */
import { randomUUID } from "node:crypto"
import { createReadStream } from "node:fs"
import * as fs from "node:fs/promises"
import * as nodePath from "node:path"
import { NodeStream } from "@effect/platform-node"
import { Effect, Exit, Layer, Option, Stream } from "effect"
import { MediaFileError, type MediaFileRef, MediaFiles } from "../../ports/MediaFiles.js"
import { mediaDirectory } from "../sqlite/DialogLayout.js"
import { makePrivateDir, PRIVATE_FILE_MODE } from "./PrivateFiles.js"

export interface MediaFilesOptions {
  /** `{data_dir}/accounts` */
  readonly accountsDir: string
}

const EXTENSIONS: Record<string, string> = {
  "image/jpeg": ".jpg",
  "image/png": ".png",
  "image/gif": ".gif",
  "image/webp": ".webp",
  "image/heic": ".heic",
  "video/mp4": ".mp4",
  "video/quicktime": ".mov",
  "video/webm": ".webm",
  "audio/ogg": ".ogg",
  "audio/mpeg": ".mp3",
  "audio/mp4": ".m4a",
  "audio/x-wav": ".wav",
  "application/pdf": ".pdf",
  "application/zip": ".zip",
  "application/x-tgsticker": ".tgs",
  "text/plain": ".txt"
}

/** The original name's extension when it is a plain one, else one for the MIME type, else none. */
export const extensionFor = (mimeType: string | null, fileName: string | null): string => {
  const fromName = fileName === null ? "" : nodePath.extname(fileName)
  if (/^\.[A-Za-z0-9]{1,10}$/.test(fromName)) return fromName.toLowerCase()
  return (mimeType !== null ? EXTENSIONS[mimeType.toLowerCase()] : undefined) ?? ""
}

export const MediaFilesLive = (options: MediaFilesOptions) =>
  Layer.sync(
    MediaFiles,
    () => {
      const absolutePath = (ref: MediaFileRef) =>
        nodePath.join(mediaDirectory(options.accountsDir, ref.accountId, ref.dialogId), ref.name)

      const attempt = <A>(operation: string, path: string, run: () => Promise<A>) =>
        Effect.tryPromise({ try: run, catch: (cause) => new MediaFileError({ operation, path, cause }) })

      return MediaFiles.of({
        absolutePath,

        write: (file, bytes) =>
          Effect.gen(function*() {
            const dir = mediaDirectory(options.accountsDir, file.accountId, file.dialogId)
            const ref: MediaFileRef = {
              accountId: file.accountId,
              dialogId: file.dialogId,
              name: `${file.uuid}${extensionFor(file.mimeType, file.fileName)}`
            }
            const finalPath = absolutePath(ref)
            const tempPath = nodePath.join(dir, `.${ref.name}.${randomUUID().slice(0, 8)}.part`)
            yield* attempt("create directory", dir, () => makePrivateDir(dir))
            const size = yield* Effect.acquireUseRelease(
              attempt("create", tempPath, () => fs.open(tempPath, "wx", PRIVATE_FILE_MODE)),
              (handle) =>
                Effect.gen(function*() {
                  let written = 0
                  yield* Stream.runForEach(bytes, (chunk) =>
                    Effect.map(attempt("write", tempPath, () => handle.write(chunk)), () => {
                      written += chunk.byteLength
                    }))
                  yield* attempt("sync", tempPath, () => handle.sync())
                  return written
                }),
              (handle) => Effect.promise(() => handle.close().catch(() => undefined))
            ).pipe(
              Effect.filterOrFail(
                (written) => file.expectedSize <= 0 || written >= file.expectedSize,
                (written) =>
                  new MediaFileError({
                    operation: "download",
                    path: tempPath,
                    cause: new Error(`incomplete: ${written} of ${file.expectedSize} bytes`)
                  })
              ),
              Effect.tap(() => attempt("rename", finalPath, () => fs.rename(tempPath, finalPath))),
              Effect.onExit((exit) =>
                Exit.isSuccess(exit) ? Effect.void : Effect.promise(() => fs.rm(tempPath, { force: true }))
              )
            )
            return { ref, size }
          }),

        size: (ref) =>
          Effect.tryPromise({
            try: () =>
              fs.stat(absolutePath(ref)).then(
                (s) => (s.isFile() ? Option.some(s.size) : Option.none()),
                (error: NodeJS.ErrnoException) => {
                  if (error.code === "ENOENT" || error.code === "ENOTDIR") return Option.none<number>()
                  throw error
                }
              ),
            catch: (cause) => new MediaFileError({ operation: "stat", path: absolutePath(ref), cause })
          }),

        read: (ref, range) =>
          NodeStream.fromReadable(
            () => createReadStream(absolutePath(ref), range === undefined ? {} : { start: range.start, end: range.end }),
            (cause) => new MediaFileError({ operation: "read", path: absolutePath(ref), cause })
          ),

        remove: (ref) => attempt("remove", absolutePath(ref), () => fs.rm(absolutePath(ref), { force: true }))
      })
    }
  )
