/**
 * Who a tool call acts for and how to reach its client while it runs. The
 * transport that received the request provides it (as a service in the
 * context the RPC server runs the request with): the session and scope the
 * stdio command was started with, or those of the HTTP request that
 * carried the call; the progress token the request gave; and a way to send
 * a notification to that client on the call's own connection.
 */
import { Context, type Effect } from "effect"
import type { AccessScope } from "../domain/AccessScope.js"
import type { SessionName } from "../domain/SessionName.js"
import type { ProgressToken } from "./JsonRpcCodec.js"

export interface Caller {
  readonly session: SessionName
  readonly scope: AccessScope
}

export interface McpCallShape {
  readonly caller: Caller
  /** `params._meta.progressToken` of the request, when the client asked for progress notifications. */
  readonly progressToken: ProgressToken | undefined
  /** Sends a JSON-RPC notification to the client that made the call. */
  readonly notify: (method: string, params: Record<string, unknown>) => Effect.Effect<void>
}

export class McpCall extends Context.Tag("mcp/McpCall")<McpCall, McpCallShape>() {}
