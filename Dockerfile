# syntax=docker/dockerfile:1
# tgsc: build with the dev dependencies, run with the production ones only.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 is compiled from source against Node's headers.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY web ./web
# npm ci runs the "prepare" script, which compiles src/ to dist/, bundles
# dist/bin/ (scripts/bundle.mjs) and builds the web app into dist/web
# (scripts/build-web.mjs).
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
# 0.0.0.0 so that `docker run -p` reaches the server. Outside the image a
# non-loopback bind without TGSC_API_TOKEN is refused; TGSC_IN_CONTAINER=1
# turns that into a warning at every start, naming the exposure and the fix
# (publish on 127.0.0.1, or set TGSC_API_TOKEN), so the plain
# `docker run -d -p 8000:8000 ...` keeps working.
ENV NODE_ENV=production \
    TGSC_DATA_DIR=/app/data \
    TGSC_HOST=0.0.0.0 \
    TGSC_PORT=8000 \
    TGSC_IN_CONTAINER=1
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY docker/entrypoint.sh /usr/local/bin/tgsc-entrypoint
RUN chmod 0755 /usr/local/bin/tgsc-entrypoint \
 && mkdir -p /app/data \
 && chown node:node /app/data \
 && chmod 0700 /app/data
VOLUME ["/app/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The entrypoint makes a freshly mounted /app/data writable for the "node"
# user, then runs the server as that user (never as root).
ENTRYPOINT ["/usr/local/bin/tgsc-entrypoint"]
CMD ["node", "dist/bin/tgsc-server.js"]
