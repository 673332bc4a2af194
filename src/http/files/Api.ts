/**
 * The files routes of the HTTP API: Downloaded media files, with Range (contract section 5).
 * Declared here, handled in Http.ts beside it; src/http/Api.ts adds the
 * group to TgscApi.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { FileMetadata } from "../../contract/Files.js"
import { BadGateway, NotFound, RateLimited, ServiceUnavailable } from "../ApiErrors.js"
import { SessionAuth } from "../CurrentSession.js"
import { BoolParam, withDefault } from "../Params.js"

export class FilesGroup extends HttpApiGroup.make("files")
  .add(
    HttpApiEndpoint.get("getFile", "/api/v3/files/:file_uuid")
      .setPath(Schema.Struct({ file_uuid: Schema.String }))
      .setUrlParams(Schema.Struct({ metadata_only: withDefault(BoolParam, false) }))
      .addSuccess(FileMetadata.annotations({
        description: "with metadata_only=true; otherwise the file's bytes with its MIME type and original name " +
          "(a single `Range: bytes=` range gives 206, an unsatisfiable one 416)"
      }))
      .addError(NotFound)
      .addError(RateLimited)
      .addError(BadGateway)
      .addError(ServiceUnavailable)
      .annotate(OpenApi.Summary, "Download a media file, or its metadata")
  )
  .middleware(SessionAuth)
  .annotate(OpenApi.Title, "Files")
{}
