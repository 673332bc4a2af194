/**
 * The system routes of the HTTP API: Liveness and service information.
 * Declared here, handled in Http.ts beside it; src/http/Api.ts adds the
 * group to TgscApi.
 */
import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"

export class SystemGroup extends HttpApiGroup.make("system")
  .add(
    HttpApiEndpoint.get("health", "/health")
      .addSuccess(Schema.Struct({ status: Schema.Literal("healthy") }))
      .annotate(OpenApi.Summary, "Liveness check")
  )
  .add(
    HttpApiEndpoint.get("info", "/")
      .addSuccess(Schema.Struct({ name: Schema.String, version: Schema.String, docs: Schema.String, openapi: Schema.String }))
      .annotate(OpenApi.Summary, "Service information")
  )
  .annotate(OpenApi.Title, "System")
{}
