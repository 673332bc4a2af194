/** A sent request's state lets go of its answer once fulfilled, and of nothing else. */
import { Api } from "telegram"
import { RequestState } from "telegram/network/RequestState.js"
import { describe, expect, it } from "vitest"
import { releaseAnswer } from "../../../src/adapters/telegram/RequestAnswers.js"

type Internals = { promise: Promise<unknown>; resolve: (value: unknown) => void; reject: (reason?: unknown) => void }
const stateOf = () => new RequestState(new Api.help.GetConfig()) as unknown as RequestState & Internals
const tick = () => new Promise((r) => setTimeout(r, 0))

describe("releaseAnswer", () => {
  it("the waiter gets the answer; then the state holds neither the promise nor its resolving functions", async () => {
    const state = stateOf()
    const waiting = state.promise
    const resolve = state.resolve
    releaseAnswer(state)
    const answer = { page: "a hundred messages" }
    state.resolve(answer)
    expect(await waiting).toBe(answer)
    await tick()
    expect(() => state.promise).toThrow(/RequestAnswers/)
    expect(state.resolve).not.toBe(resolve)
    // Settling again does nothing, as on a settled promise.
    expect(() => state.resolve("other")).not.toThrow()
    expect(() => state.reject(new Error("late"))).not.toThrow()
  })

  it("a state sent twice is released once, without reading the released promise", async () => {
    const state = stateOf()
    releaseAnswer(state)
    releaseAnswer(state)
    state.resolve(1)
    await tick()
    expect(() => state.promise).toThrow(/RequestAnswers/)
  })

  it("leaves a rejected state as it is: the client's retry waits on its promise again", async () => {
    const state = stateOf()
    releaseAnswer(state)
    const failure = new Error("FLOOD_WAIT_3")
    state.reject(failure)
    await tick()
    await expect(state.promise).rejects.toBe(failure)
  })
})
