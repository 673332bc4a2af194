/**
 * Swagger UI at /docs, rendered by @effect/platform's own HttpApiSwagger
 * route, but built on the first request instead of at start-up.
 * HttpApiSwagger.layer renders the page (about 2 MB of bundled JavaScript)
 * when the server starts and holds it for good: over 20 MB resident in a
 * server that may never serve it (bench/RESULTS.md, Notes). The route and its
 * assets live in SwaggerDocsApp, imported on demand.
 */
import { HttpApi, HttpApiBuilder } from "@effect/platform"
import { Duration, Effect, RcRef } from "effect"

export const SwaggerDocsLive = (options: { readonly path: `/${string}` }) =>
  HttpApiBuilder.Router.use((router) =>
    Effect.gen(function*() {
      const { api } = yield* HttpApi.Api
      // Built once and kept; an RcRef rather than Effect.cached, which would
      // keep an interruption as the result when the first request is cut short.
      const docs = yield* RcRef.make({
        acquire: Effect.promise(() => import("./SwaggerDocsApp.js")).pipe(
          Effect.flatMap((m) => m.swaggerDocsApp(api, options.path))
        ),
        idleTimeToLive: Duration.infinity
      })
      yield* router.get(options.path, Effect.flatten(Effect.scoped(RcRef.get(docs))))
    })
  )
