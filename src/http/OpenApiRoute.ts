/**
 * GET /openapi.json: the API's OpenAPI document, as @effect/platform's own
 * `HttpApiBuilder.middlewareOpenApi` writes it, but written on the first
 * request and kept, instead of while the server starts. Walking every
 * endpoint's schemas into JSON Schema took about 25 ms of each start-up
 * (some 7% of it, bench/RESULTS.md) for a document most runs never serve.
 */
import { HttpApi, HttpApiBuilder, HttpServerResponse, OpenApi } from "@effect/platform"
import { Effect } from "effect"

export const OpenApiRouteLive = (options: { readonly path: `/${string}` }) =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function*() {
      const { api } = yield* HttpApi.Api
      // fromApi is synchronous and pure: the first request writes it, whichever that is, and the rest reuse it.
      let document: OpenApi.OpenAPISpec | undefined
      yield* router.get(
        options.path,
        Effect.suspend(() => HttpServerResponse.json(document ??= OpenApi.fromApi(api))).pipe(Effect.orDie)
      )
    })
  )
