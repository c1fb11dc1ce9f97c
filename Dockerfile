# Container image for llm-gateway: build with the same commands CI runs, ship production dependencies only.
#   docker build -t llm-gateway .
#   docker run --rm -p 127.0.0.1:8080:8080 -e GATEWAY_ALLOW_NO_AUTH=true --stop-timeout 30 llm-gateway

# ---- build: compile TypeScript exactly as .ci/run does (test/ship/docker.test.ts keeps the two in step) ----
FROM node:24-slim AS build
WORKDIR /app
# Lockfile first so the dependency layer is cached until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Sources and configs: src/ and tsconfig*.json for the server, ui/ (with ui/vite.config.ts) for the console.
COPY . .
# tsc into dist/, then vite builds the console into dist/ui
RUN npm run build

# ---- runtime: production dependencies, compiled JS with the built console (dist/ui), and the SQL migrations ----
FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY drizzle ./drizzle
# data/ holds the PGlite store (when DATABASE_URL is unset) and the log spill files; the non-root user must own it.
RUN mkdir -p /app/data && chown node:node /app/data
# `node` (uid 1000) ships with the official image.
USER node

# Inside a container the gateway must listen on all interfaces to be reachable through a published port.
# The app refuses a non-loopback HOST without GATEWAY_API_KEYS unless GATEWAY_ALLOW_NO_AUTH=true.
ENV HOST=0.0.0.0 PORT=8080
EXPOSE 8080

# slim has no curl: probe /health with node's own fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# node runs as PID 1 on purpose: the app installs SIGTERM/SIGINT handlers (graceful drain of streams and the
# log writer) and spawns no child processes, so there are no zombies to reap and no need for tini.
# Give `docker stop` more than SHUTDOWN_GRACE_MS (default 15 s): docker's own default is only 10 s.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
