/**
 * GET /login: a plain page for a person to log a session in: starts a QR
 * login, shows the code (re-fetched whenever qr_url changes), asks for the
 * 2FA password when needed, and says when it is done. No external assets.
 *
 * Sent with a Content-Security-Policy that lets it run only its own inline
 * script and style (by hash), talk only to this server, show the QR image
 * it fetched (a blob: URL), and never be framed (with X-Frame-Options for
 * older browsers): another site cannot overlay it to trick a click.
 */
import { createHash } from "node:crypto"
import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"

export const LOGIN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>tgsc: log in to Telegram</title>
<style>
body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.6rem 0 .2rem}input[type=text],input[type=password]{width:100%;padding:.4rem;font-size:1rem}
button{margin-top:.8rem;padding:.4rem 1rem;font-size:1rem}#qr img{width:256px;height:256px;border:1px solid #ddd}
.error{color:#b00020}.ok{color:#1b5e20}.hidden{display:none}
</style></head><body>
<h1>Log in to Telegram</h1>
<form id="start">
  <label for="username">Session name</label>
  <input type="text" id="username" required pattern="[A-Za-z0-9_][A-Za-z0-9_.\\-]{0,63}" placeholder="me">
  <label><input type="checkbox" id="force"> replace an existing session (force)</label>
  <label for="apitoken">API token (only if the server was started with one: TGSC_API_TOKEN or --api-token-file)</label>
  <input type="password" id="apitoken" autocomplete="off">
  <button type="submit">Show QR code</button>
</form>
<p id="status" role="status"></p>
<div id="qr" class="hidden"><p>In Telegram on your phone: Settings &gt; Devices &gt; Link Desktop Device, then scan:</p><img alt="QR code"></div>
<form id="password" class="hidden">
  <label for="pw">Two-step verification password</label>
  <input type="password" id="pw" autocomplete="current-password" required>
  <button type="submit">Submit password</button>
</form>
<script>
const $ = (id) => document.getElementById(id);
let token = null, shown = null, timer = null;
const headers = () => {
  const h = { "content-type": "application/json" };
  const t = $("apitoken").value.trim();
  if (t) h["authorization"] = "Bearer " + t;
  return h;
};
const say = (text, cls) => { $("status").textContent = text; $("status").className = cls || ""; };
async function poll() {
  if (!token) return;
  const res = await fetch("/api/v3/auth/qr/" + token, { headers: headers() });
  const body = await res.json();
  if (!res.ok) { say(body.detail, "error"); stop(); return; }
  if (body.status === "pending") {
    $("password").classList.add("hidden");
    if (body.qr_url && body.qr_url !== shown) {
      shown = body.qr_url;
      const img = await fetch("/api/v3/auth/qr/" + token + "/qr.svg", { headers: headers() });
      if (img.ok) { $("qr").querySelector("img").src = URL.createObjectURL(await img.blob()); $("qr").classList.remove("hidden"); }
    }
    say("Waiting for the scan...");
  } else if (body.status === "password_required") {
    $("qr").classList.add("hidden"); $("password").classList.remove("hidden");
    say(body.error || "Enter your two-step verification password.", body.error ? "error" : "");
  } else {
    $("qr").classList.add("hidden"); $("password").classList.add("hidden");
    say(body.status === "success" ? "Done: session '" + body.username + "' is logged in. You can close this page." : body.message,
        body.status === "success" ? "ok" : "error");
    stop();
  }
}
function stop() { if (timer) clearInterval(timer); timer = null; }
$("start").addEventListener("submit", async (e) => {
  e.preventDefault(); stop(); shown = null;
  const res = await fetch("/api/v3/auth/qr", { method: "POST", headers: headers(),
    body: JSON.stringify({ username: $("username").value.trim(), force: $("force").checked }) });
  const body = await res.json();
  if (!res.ok) { say(body.detail, "error"); return; }
  token = body.token; await poll(); timer = setInterval(poll, 2000);
});
$("password").addEventListener("submit", async (e) => {
  e.preventDefault(); say("Checking the password...");
  const res = await fetch("/api/v3/auth/qr/" + token + "/2fa", { method: "POST", headers: headers(),
    body: JSON.stringify({ password: $("pw").value }) });
  $("pw").value = "";
  const body = await res.json();
  if (!res.ok) { say(body.detail, "error"); return; }
  await poll();
});
</script></body></html>`

/** The CSP source for an inline element's exact text. */
const hashSource = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`

const inline = (tag: string): string => {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(LOGIN_PAGE)
  if (match === null) throw new Error(`the login page has no inline <${tag}>`)
  return match[1]!
}

export const LOGIN_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${hashSource(inline("script"))}`,
  `style-src ${hashSource(inline("style"))}`,
  "img-src blob:",
  "connect-src 'self'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'"
].join("; ")

export const LOGIN_PAGE_HEADERS = {
  "content-security-policy": LOGIN_PAGE_CSP,
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer"
}

export const LoginPageLive = HttpApiBuilder.Router.use((router) =>
  router.get("/login", Effect.succeed(HttpServerResponse.html(LOGIN_PAGE).pipe(HttpServerResponse.setHeaders(LOGIN_PAGE_HEADERS))))
)
