/**
 * The Telegram emulator's own speed: history messages per second it serves
 * to one GramJS client paging a generated 100k-message channel with
 * messages.getHistory (limit 100, each page's offset_id the last id of the
 * one before), as the server's history sync pages it. The emulator runs in
 * a child process (as `npm run emulator` does), the client here.
 *
 * Baseline: the same child on the same world, through the same MTProto
 * machinery (framing, AES-IGE, gzip of large answers) and the same client
 * loop, except that every messages.getHistory is answered with one page
 * computed and serialised once up front (the channel's newest 100
 * messages): no index lookup, no rendering of messages, no TL
 * serialisation. The ratio is therefore what the world itself costs on top
 * of the wire and of GramJS's own parsing.
 *
 * Also runnable alone as that child: `tsx bench/emulator.ts --serve
 * world|prebuilt --count n` prints the emulator's ready line.
 */
import { parseArgs } from "node:util"
import bigInt from "big-integer"
import { Api, type TelegramClient } from "telegram"
import { type RunningEmulator, startEmulator } from "../test/emulator/Emulator.js"
import { encodeResult } from "../test/emulator/encodeResult.js"
import type { CallContext } from "../test/emulator/RpcContext.js"
import { destroyTestClient, makeTestClient } from "../test/emulator/TestClient.js"
import { World } from "../test/emulator/World.js"
import { dialogInputPeers, qrLogin } from "../test/emulator-e2e/NetworkHarness.js"
import { median, percentile, type Row, repeat } from "./lib/Measure.js"
import { benchEnv, firstLine, projectRoot, run, type Running } from "./lib/Processes.js"

const ACCOUNT = 1001
const CHANNEL = 3001
const PAGE = 100

/** One account whose one broadcast channel holds `count` generated posts, a photo or document every 100th. */
/** The bench account in `channels` channels (3001, 3002, ...; the first is "Firehose"), `count` messages each. */
export const benchScenario = (count: number, channels = 1) => {
  const ids = Array.from({ length: channels }, (_, k) => CHANNEL + k)
  return {
    users: [{ id: ACCOUNT, first_name: "Bench" }],
    channels: ids.map((id, k) => ({ id, title: k === 0 ? "Firehose" : `Firehose ${k + 1}`, username: k === 0 ? "firehose" : `firehose${k + 1}`, participants_count: 100_000 })),
    accounts: [{ user: ACCOUNT, dialogs: ids.map((id) => ({ peer: `channel:${id}` })) }],
    generate: ids.map((id, k) => ({
      peer: `channel:${id}`, count, start: "2015-01-01 00:00:00", end: "2025-01-01 00:00:00", media_every: 100, seed: 42 + k
    }))
  }
}

type Mode = "world" | "prebuilt"

/** The child: the emulator on the bench world, its history answered by the world or by one prebuilt page. */
const serve = async (mode: Mode, count: number): Promise<void> => {
  const world = World.fromScenario(benchScenario(count))
  let prebuilt: Buffer | undefined
  const handle = async (request: { className: string }, ctx: CallContext): Promise<unknown> => {
    if (mode === "prebuilt" && request.className === "messages.GetHistory") {
      // The first call computes the page (the client's warm-up pays for it); every later one is these bytes.
      prebuilt ??= encodeResult(await world.handle(request, ctx))
      return prebuilt
    }
    return world.handle(request, ctx)
  }
  const emulator = await startEmulator({
    world: { dcIds: world.dcIds, scan: world.scan, appendMessages: world.appendMessages, mediaBytes: world.mediaBytes, handle }
  })
  const stop = () => void emulator.stop().then(() => process.exit(0))
  process.on("SIGTERM", stop)
  process.on("SIGINT", stop)
  process.stdout.write(`${JSON.stringify({ env: emulator.env, control: emulator.control })}\n`)
}

const startChild = async (mode: Mode, count: number): Promise<{ readonly proc: Running; readonly emulator: RunningEmulator }> => {
  const proc = run(process.execPath, ["--import", "tsx", "bench/emulator.ts", "--serve", mode, "--count", String(count)], {
    env: benchEnv(),
    cwd: projectRoot
  })
  const ready = await firstLine(proc, "the emulator")
  const { env, control } = JSON.parse(ready) as Pick<RunningEmulator, "env" | "control">
  // The client side only needs the addresses.
  return { proc, emulator: { env, control } as RunningEmulator }
}

/** Pages `pages` times from the newest message down; the elapsed milliseconds of each page. */
const page = async (client: TelegramClient, peer: Api.TypeInputPeer, pages: number): Promise<{ messages: number; pageMs: Array<number> }> => {
  let offsetId = 0
  let messages = 0
  const pageMs: Array<number> = []
  for (let i = 0; i < pages; i++) {
    const started = performance.now()
    const result = await client.invoke(new Api.messages.GetHistory({ peer, offsetId, limit: PAGE, hash: bigInt.zero }))
    pageMs.push(performance.now() - started)
    if (result.className !== "messages.ChannelMessages") throw new Error(`unexpected ${result.className}`)
    if (result.messages.length !== PAGE) throw new Error(`a page of ${result.messages.length} messages`)
    messages += result.messages.length
    offsetId = result.messages.at(-1)!.id
  }
  return { messages, pageMs }
}

interface Side {
  readonly client: TelegramClient
  readonly peer: Api.TypeInputPeer
  readonly stop: () => Promise<void>
}

/** A child emulator in `mode` and a client logged in to it, ready to page. */
const side = async (mode: Mode, count: number): Promise<Side> => {
  const { proc, emulator } = await startChild(mode, count)
  const client = makeTestClient(emulator)
  const stop = async () => {
    await destroyTestClient(client)
    await proc.stop()
  }
  try {
    await client.connect()
    await qrLogin(client, emulator, ACCOUNT)
    const peer = (await dialogInputPeers(client)).get(`channel:${CHANNEL}`)!
    return { client, peer, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

interface Pass {
  readonly perSecond: number
  readonly pageMs: Array<number>
}

const pass = async (s: Side, pages: number): Promise<Pass> => {
  const started = performance.now()
  const result = await page(s.client, s.peer, pages)
  return { perSecond: result.messages / ((performance.now() - started) / 1000), pageMs: result.pageMs }
}

export const emulatorBenchmark = async (runs: number, quick: boolean): Promise<Array<Row>> => {
  const count = 100_000
  // A full pass reads every message once; --quick reads the newest fifth.
  const pages = quick ? count / PAGE / 5 : count / PAGE
  const world = await side("world", count)
  const worldPasses: Array<Pass> = []
  const prebuiltPasses: Array<Pass> = []
  try {
    const prebuilt = await side("prebuilt", count)
    try {
      // Warm-up (JIT, and the prebuilt page), then the two alternate so a busy moment of the machine hits both alike.
      await pass(world, 50)
      await pass(prebuilt, 50)
      await repeat(runs, async () => {
        worldPasses.push(await pass(world, pages))
        prebuiltPasses.push(await pass(prebuilt, pages))
      })
    } finally {
      await prebuilt.stop()
    }
  } finally {
    await world.stop()
  }
  const rate = median(worldPasses.map((p) => p.perSecond))
  const baseRate = median(prebuiltPasses.map((p) => p.perSecond))
  const benchmark = "Emulator history paging (100k channel)"
  return [
    {
      benchmark,
      metric: "messages served to one GramJS client, getHistory limit 100",
      unit: "msg/s",
      value: rate,
      baseline: baseRate,
      // The world may at most double a page's round trip: past that, end-to-end tests and demos wait on the emulator.
      target: ">= 0.5x baseline",
      met: rate >= 0.5 * baseRate,
      runs
    },
    {
      benchmark,
      metric: "p95 getHistory round trip",
      unit: "ms",
      value: percentile(worldPasses.flatMap((p) => p.pageMs), 95),
      baseline: percentile(prebuiltPasses.flatMap((p) => p.pageMs), 95),
      target: "informational",
      met: null,
      runs
    }
  ]
}

const { values } = parseArgs({
  options: { serve: { type: "string" }, count: { type: "string" } },
  strict: false
})
if (values.serve === "world" || values.serve === "prebuilt") {
  serve(values.serve, Number(values.count ?? 100_000)).catch((error: unknown) => {
    process.stderr.write(`bench emulator failed: ${error instanceof Error ? error.stack : String(error)}\n`)
    process.exit(1)
  })
}
