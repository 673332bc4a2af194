/**
 * GET /login: a plain page for a person to log a session in, by QR code or
 * by a code Telegram sends to the phone number: shows the QR code
 * (re-fetched whenever qr_url changes) or asks for the code sent (and can
 * have a new one sent), asks for the 2FA password when needed, and says when
 * it is done. No external assets; the code and the password fields are
 * emptied once sent.
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
label{display:block;margin:.6rem 0 .2rem}input[type=text],input[type=password],input[type=tel]{width:100%;padding:.4rem;font-size:1rem}
fieldset{border:1px solid #ddd;margin:.8rem 0;padding:.4rem .8rem}fieldset label{display:inline;margin-right:1rem}
button{margin-top:.8rem;padding:.4rem 1rem;font-size:1rem}#qr img{width:256px;height:256px;border:1px solid #ddd}
.error{color:#b00020}.ok{color:#1b5e20}.hidden{display:none}
</style></head><body>
<h1>Log in to Telegram</h1>
<form id="start">
  <label for="username">Session name</label>
  <input type="text" id="username" required pattern="[A-Za-z0-9_][A-Za-z0-9_.\\-]{0,63}" placeholder="me">
  <fieldset><legend>Log in with</legend>
    <label><input type="radio" name="method" id="by-qr" checked> a QR code</label>
    <label><input type="radio" name="method" id="by-phone"> a code sent to my phone number</label>
  </fieldset>
  <div id="phone-row" class="hidden">
    <label for="phone">Phone number (international form, e.g. +44 7700 900123)</label>
    <input type="tel" id="phone" autocomplete="tel" placeholder="+44 7700 900123">
  </div>
  <label><input type="checkbox" id="force"> replace an existing session (force)</label>
  <label for="apitoken">API token (only if the server was started with one: TGSC_API_TOKEN or --api-token-file)</label>
  <input type="password" id="apitoken" autocomplete="off">
  <button type="submit" id="go">Show QR code</button>
</form>
<p id="status" role="status"></p>
<div id="qr" class="hidden"><p>In Telegram on your phone: Settings &gt; Devices &gt; Link Desktop Device, then scan:</p><img alt="QR code"></div>
<form id="code" class="hidden">
  <label for="codein">Login code</label>
  <input type="text" id="codein" inputmode="numeric" autocomplete="one-time-code" required>
  <button type="submit">Submit code</button>
  <button type="button" id="resend">Send a new code</button>
</form>
<form id="password" class="hidden">
  <label for="pw">Two-step verification password</label>
  <input type="password" id="pw" autocomplete="current-password" required>
  <button type="submit">Submit password</button>
</form>
<script>
const $ = (id) => document.getElementById(id);
let token = null, kind = "qr", shown = null, seen = null, timer = null;
const base = () => "/api/v3/auth/" + kind + "/" + token;
const WAYS = { app: "in the Telegram app where you are logged in", sms: "by SMS", call: "by a phone call",
  flash_call: "by a flash call", missed_call: "by a missed call", email: "by email", fragment_sms: "by an SMS through Fragment" };
const headers = () => {
  const h = { "content-type": "application/json" };
  const t = $("apitoken").value.trim();
  if (t) h["authorization"] = "Bearer " + t;
  return h;
};
const say = (text, cls) => { $("status").textContent = text; $("status").className = cls || ""; };
const show = (id, on) => $(id).classList[on ? "remove" : "add"]("hidden");
const sent = (b) => "Telegram sent a login code to " + b.phone + " " + (WAYS[b.code_type] || "") + ". Enter it below" +
  (b.next_type ? ", or ask for a new one " + (WAYS[b.next_type] || "") : "") + ".";
async function poll() {
  if (!token) return;
  const res = await fetch(base(), { headers: headers() });
  const body = await res.json();
  if (!res.ok) { say(body.detail, "error"); stop(); return; }
  await render(body);
}
async function render(body) {
  const changed = body.status !== seen;
  seen = body.status;
  if (body.status === "pending") {
    show("password", false);
    if (body.qr_url && body.qr_url !== shown) {
      shown = body.qr_url;
      const img = await fetch(base() + "/qr.svg", { headers: headers() });
      if (img.ok) { $("qr").querySelector("img").src = URL.createObjectURL(await img.blob()); show("qr", true); }
    }
    say("Waiting for the scan...");
  } else if (body.status === "code_required") {
    show("code", true); show("password", false);
    if (changed) say(body.error || sent(body), body.error ? "error" : "");
  } else if (body.status === "password_required") {
    show("qr", false); show("code", false); show("password", true);
    if (changed || body.error) say(body.error || "Enter your two-step verification password.", body.error ? "error" : "");
  } else {
    show("qr", false); show("code", false); show("password", false);
    say(body.status === "success" ? "Done: session '" + body.username + "' is logged in. You can close this page."
        : body.error || body.message, body.status === "success" ? "ok" : "error");
    stop();
  }
}
function stop() { if (timer) clearInterval(timer); timer = null; }
const choose = () => {
  const phone = $("by-phone").checked;
  show("phone-row", phone);
  $("go").textContent = phone ? "Send me a code" : "Show QR code";
};
$("by-qr").addEventListener("change", choose);
$("by-phone").addEventListener("change", choose);
$("start").addEventListener("submit", async (e) => {
  e.preventDefault(); stop(); shown = null; seen = null; token = null;
  show("qr", false); show("code", false); show("password", false);
  kind = $("by-phone").checked ? "phone" : "qr";
  const start = { username: $("username").value.trim(), force: $("force").checked };
  if (kind === "phone") { start.phone = $("phone").value.trim(); say("Asking Telegram for a code..."); }
  const res = await fetch("/api/v3/auth/" + kind, { method: "POST", headers: headers(), body: JSON.stringify(start) });
  const body = await res.json();
  if (!res.ok) { say(body.detail, "error"); return; }
  token = body.token;
  if (kind === "phone") { await render(body); $("codein").focus(); timer = setInterval(poll, 2000); return; }
  await poll(); timer = setInterval(poll, 2000);
});
$("code").addEventListener("submit", async (e) => {
  e.preventDefault(); say("Checking the code...");
  const res = await fetch(base() + "/code", { method: "POST", headers: headers(), body: JSON.stringify({ code: $("codein").value }) });
  $("codein").value = "";
  const body = await res.json();
  if (!res.ok) { say(body.detail, "error"); return; }
  await render(body);
});
$("resend").addEventListener("click", async () => {
  say("Asking Telegram for a new code...");
  const res = await fetch(base() + "/resend", { method: "POST", headers: headers() });
  const body = await res.json();
  if (!res.ok) { say(body.detail, "error"); return; }
  seen = null; await render(body);
});
$("password").addEventListener("submit", async (e) => {
  e.preventDefault(); say("Checking the password...");
  const res = await fetch(base() + "/2fa", { method: "POST", headers: headers(),
    body: JSON.stringify({ password: $("pw").value }) });
  $("pw").value = "";
  const body = await res.json();
  if (!res.ok) { say(body.detail, "error"); return; }
  await render(body);
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
