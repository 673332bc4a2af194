/** `tgsc-auth token ...` as a person runs it: the real command (bundled for the run) as a child process. */
import { spawn } from "node:child_process"
import { cleanEnv, commandArgs, projectRoot } from "./ServerProcess.js"

export interface CliResult {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export const tokenCli = (dataDir: string, args: ReadonlyArray<string>): Promise<CliResult> =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [...commandArgs("tgsc-auth"), "token", ...args, "--data-dir", dataDir], {
      cwd: projectRoot,
      env: cleanEnv()
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d) => (stdout += d))
    child.stderr.on("data", (d) => (stderr += d))
    child.on("exit", (code) => resolve({ code, stdout, stderr }))
  })

/** `tgsc-auth token create ...`: the token it printed, checking that stdout held that line and nothing else. */
export const createToken = async (dataDir: string, name: string, args: ReadonlyArray<string>): Promise<string> => {
  const run = await tokenCli(dataDir, ["create", name, ...args])
  if (run.code !== 0 || !/^tgsc_[A-Za-z0-9_-]{43}\n$/.test(run.stdout)) {
    throw new Error(`token create ${name}: exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`)
  }
  return run.stdout.trim()
}
