/** The contract's file metadata object (section 5, `metadata_only=true`). */
import { Schema } from "effect"

export const FileMetadata = Schema.Struct({
  file_path: Schema.String,
  original_filename: Schema.NullOr(Schema.String),
  size: Schema.Number,
  mime_type: Schema.NullOr(Schema.String)
}).annotations({ identifier: "FileMetadata" })
