/**
 * /openapi.json as the server really answers. HttpApi documents each error
 * by its schema (`{_tag, detail}`, `{_tag, detail, retryAfter}`, the 400 of
 * parameter decoding as `{issues, message, _tag}`), while DetailErrors sends
 * every error as `{"detail": "..."}`, with `Retry-After` on a 429. This
 * rewrites the generated spec's error responses to that, in one place (an
 * `OpenApi.Transform` on the API), and drops the schemas nothing refers to
 * any more.
 */

type Json = Record<string, any>

const ERROR_DETAIL = "ErrorDetail"
const errorRef = { $ref: `#/components/schemas/${ERROR_DETAIL}` }

const errorDetailSchema = {
  type: "object",
  required: ["detail"],
  properties: { detail: { type: "string", description: "What went wrong, for a person to read" } },
  additionalProperties: false
}

const errorContent = () => ({ "application/json": { schema: { ...errorRef } } })

const retryAfter = {
  "Retry-After": {
    description: "Seconds to wait before retrying",
    required: true,
    schema: { type: "integer", minimum: 1 }
  }
}

/** Responses every operation can give, beside the ones it declares. */
const commonErrors: Record<string, string> = {
  "500": "Internal server error (logged with the request id the detail names)"
}

/** Only operations that read a body can answer these. */
const bodyErrors: Record<string, string> = {
  "413": "The request body is over 64 KB (declared by Content-Length, or streamed); the connection is closed",
  "415": "The request has a Content-Type that is not JSON, or a body without Content-Type: " +
    "send Content-Type: application/json"
}

/** State-changing operations (not GET) can answer these. */
const writeErrors: Record<string, string> = {
  "403": "The Origin header names another site than this server (cross-site request), or the Host is not allowed"
}

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"])

const describeOperation = (method: string, op: Json) => {
  const responses: Json = op.responses ?? {}
  const writes = method !== "get" && method !== "head" && method !== "options"
  const extra = {
    ...commonErrors,
    ...(writes ? writeErrors : {}),
    ...(op.requestBody !== undefined ? bodyErrors : {})
  }
  for (const [status, description] of Object.entries(extra)) {
    // A status the operation declares for its own reason (403 for a named token) can also come from here.
    if (responses[status] === undefined) responses[status] = { description }
    else responses[status].description = `${responses[status].description}; or: ${description}`
  }
  for (const [status, response] of Object.entries(responses)) {
    if (Number(status) < 400) continue
    response.content = errorContent()
    if (status === "400") response.description = "Invalid parameters or request body"
    if (status === "429") response.headers = { ...response.headers, ...retryAfter }
  }
  op.responses = responses
}

/** Names of the component schemas `value` refers to. */
const refsIn = (value: unknown, into: Set<string>): Set<string> => {
  if (Array.isArray(value)) {
    for (const v of value) refsIn(v, into)
  } else if (typeof value === "object" && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (key === "$ref" && typeof v === "string" && v.startsWith("#/components/schemas/")) {
        into.add(v.slice("#/components/schemas/".length))
      } else {
        refsIn(v, into)
      }
    }
  }
  return into
}

/** Keeps the component schemas reachable from outside `components.schemas`. */
const pruneSchemas = (spec: Json) => {
  const schemas: Json = spec.components?.schemas ?? {}
  const used = refsIn({ ...spec, components: { ...spec.components, schemas: {} } }, new Set())
  const pending = [...used]
  while (pending.length > 0) {
    for (const name of refsIn(schemas[pending.pop()!], new Set())) {
      if (!used.has(name)) {
        used.add(name)
        pending.push(name)
      }
    }
  }
  for (const name of Object.keys(schemas)) if (!used.has(name)) delete schemas[name]
}

export const describeErrorBodies = (generated: Json): Json => {
  const spec = structuredClone(generated)
  for (const item of Object.values<Json>(spec.paths ?? {})) {
    for (const [method, op] of Object.entries<Json>(item)) if (HTTP_METHODS.has(method)) describeOperation(method, op)
  }
  spec.components ??= {}
  spec.components.schemas ??= {}
  spec.components.schemas[ERROR_DETAIL] = errorDetailSchema
  pruneSchemas(spec)
  return spec
}
