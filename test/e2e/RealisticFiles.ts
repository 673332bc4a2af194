/**
 * For end-to-end tests that count the emulator's calls and may run in its
 * realistic mode (test/emulator/Realism.ts, `TGSC_E2E_REALISM=all`): there
 * every 25th call of messages.getHistory, upload.getFile and the searches
 * fails once with -503 Timeout, and the server asks again, so a count of
 * calls is the work done plus one per timeout. Which call meets one depends
 * on every such call since the emulator started, so the test asks the
 * emulator how many it sent instead of guessing; in exact mode it sends none.
 */
import { RpcError } from "../emulator/RpcContext.js"
import type { World } from "../emulator/World.js"

/**
 * Watches the world from now on: the returned function gives how many
 * -503 Timeouts it has answered to calls of `method` (e.g.
 * `upload.GetFile`). The world is only observed: every call is answered as
 * before.
 */
export const watchTimeouts = (world: World): ((method: string) => number) => {
  const sent = new Map<string, number>()
  const handle = world.handle
  const watched: World["handle"] = (request, ctx) =>
    handle(request, ctx).catch((error: unknown) => {
      if (error instanceof RpcError && error.code === -503) {
        const method = (request as { className?: string } | null)?.className ?? "?"
        sent.set(method, (sent.get(method) ?? 0) + 1)
      }
      throw error
    })
  // The dispatcher reads world.handle at every call.
  Object.defineProperty(world, "handle", { value: watched, configurable: true })
  return (method) => sent.get(method) ?? 0
}
