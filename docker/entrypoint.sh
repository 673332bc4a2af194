#!/bin/sh
# Runs the server as the unprivileged "node" user. A host directory mounted
# on /app/data (e.g. one made with `mkdir -p` as root) is handed to that user
# first, so the documented `docker run -v <dir>:/app/data` works as written.
set -eu
# Everything the server creates is private to its user anyway (explicit
# modes); this also covers anything else started here.
umask 077
DATA_DIR="${TGSC_DATA_DIR:-/app/data}"
if [ "$(id -u)" = "0" ]; then
  mkdir -p "$DATA_DIR"
  if [ "$(stat -c %U "$DATA_DIR")" != "node" ]; then
    chown -R node:node "$DATA_DIR"
  fi
  exec setpriv --reuid=node --regid=node --init-groups -- "$@"
fi
exec "$@"
