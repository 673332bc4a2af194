#!/usr/bin/env bash
# No Docker engine runs on the development machines, so this replays the
# Dockerfile's steps in a scratch directory instead: the build stage
# (npm ci with dev dependencies, compile, prune to production), the runtime
# stage (only node_modules, dist, package.json), the entrypoint dropping to an
# unprivileged user when started as root, the server on 0.0.0.0 with its data
# in the "volume" (private: 0700/0600) and a warning about the missing token,
# the HEALTHCHECK command, and the refusal of the same bind outside the image.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${npm_config_nodedir:-}" ] && [ -d /usr/include/node ]; then export npm_config_nodedir=/usr; fi
scratch=$(mktemp -d /tmp/tgsc-docker-XXXXXX)
trap 'if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$scratch"' EXIT

echo "== build stage"
mkdir -p "$scratch/build"
cp package.json package-lock.json tsconfig.json tsconfig.build.json "$scratch/build/"
cp -r src "$scratch/build/src"
cp -r scripts "$scratch/build/scripts"
cp -r web "$scratch/build/web"
if ! (cd "$scratch/build" && npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund) >"$scratch/build.log" 2>&1; then
  cat "$scratch/build.log" >&2; exit 1
fi
if [ -d "$scratch/build/node_modules/typescript" ]; then echo "dev dependencies survived the prune" >&2; exit 1; fi

echo "== runtime stage"
app="$scratch/app"
mkdir -p "$app/data"
cp -r "$scratch/build/node_modules" "$scratch/build/dist" package.json "$app/"
cp docker/entrypoint.sh "$app/entrypoint.sh"
port=$((20000 + RANDOM % 20000))
runner=()
if [ "$(id -u)" = "0" ]; then
  id node >/dev/null 2>&1 || useradd --system --user-group --no-create-home node
  chmod o+rx "$scratch"
  chown -R root:root "$app/data"   # a volume made by `mkdir -p` as root
fi
# exec all the way down (subshell, env, entrypoint, setpriv): $pid is the server
# itself, so the kills below stop it rather than orphan it.
(cd "$app" && exec env -i PATH="$PATH" HOME=/tmp NODE_ENV=production TGSC_DATA_DIR="$app/data" TGSC_HOST=0.0.0.0 TGSC_PORT="$port" \
  TGSC_IN_CONTAINER=1 ./entrypoint.sh node dist/bin/tgsc-server.js >"$scratch/server.log" 2>&1) &
pid=$!
for _ in $(seq 1 50); do
  if node -e "fetch('http://127.0.0.1:$port/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; then break; fi
  sleep 0.2
done
echo "== HEALTHCHECK"
node -e "fetch('http://127.0.0.1:$port/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
curl -fsS "http://127.0.0.1:$port/health"; echo
echo "== the web app, built into the image"
curl -fsS -D "$scratch/app.headers" -o /dev/null "http://127.0.0.1:$port/app/app.js"
grep -qi "^content-security-policy: default-src 'self'" "$scratch/app.headers" || { echo "/app/app.js without its CSP" >&2; cat "$scratch/app.headers" >&2; exit 1; }
server_user=$(ps -o user= -p "$pid")
echo "server runs as: $server_user"
if [ "$(id -u)" = "0" ] && [ "$server_user" = "root" ]; then echo "the server runs as root" >&2; exit 1; fi
echo "data dir owner: $(stat -c %U "$app/data"); settings: $(ls "$app/data")"
grep -q "0.0.0.0:$port" "$scratch/server.log" || { echo "server did not bind 0.0.0.0:$port" >&2; cat "$scratch/server.log" >&2; exit 1; }
grep -q "SECURITY WARNING: no API token" "$scratch/server.log" || { echo "no warning about the missing token" >&2; cat "$scratch/server.log" >&2; exit 1; }
for f in "$app/data" "$app/data/settings.yaml" "$app/data/.tgsc.lock"; do
  mode=$(stat -c %a "$f")
  case "$mode" in 700|600) ;; *) echo "$f has mode $mode, not private" >&2; exit 1 ;; esac
done
kill -TERM "$pid"; wait "$pid" || true
pid=
echo "== outside the image (no TGSC_IN_CONTAINER), 0.0.0.0 without a token is refused"
code=0
(cd "$app" && env -i PATH="$PATH" HOME=/tmp TGSC_DATA_DIR="$scratch/other" TGSC_HOST=0.0.0.0 TGSC_PORT="$port" \
  node dist/bin/tgsc-server.js >"$scratch/refused.log" 2>&1) || code=$?
if [ "$code" != 2 ] || ! grep -q "refusing to listen on 0.0.0.0 without an API token" "$scratch/refused.log"; then
  echo "expected exit code 2 and the refusal, got $code:" >&2; cat "$scratch/refused.log" >&2; exit 1
fi
echo "OK: the Dockerfile's runtime steps work"
