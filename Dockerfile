# Switchboard hub image. One image for every role: ROLE=api|worker|all selects what a container runs.
#   docker build -t switchboard .
#   docker run -e ADMIN_TOKEN=... -e DATABASE_URL=postgres://... -e REDIS_URL=redis://... -p 3000:3000 switchboard
# The code runs from TypeScript through tsx, which is a runtime dependency, so there is no build step.
FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    PORT=3000 \
    REDIS_AUTOSTART=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first, so a source change does not reinstall them.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# .dockerignore lets through only what the hub needs at run time (src, queues, connectors, templates,
# package*.json, tsconfig.json); copying "." copies whichever of those exist in this checkout.
COPY . .

# Without DATABASE_URL the hub keeps an embedded PGlite database in ./.data; mount a volume there to keep it.
RUN mkdir -p /app/.data && chown node:node /app/.data

USER node
EXPOSE 3000

# Liveness of the HTTP server (ROLE=api or all). A ROLE=worker container serves no HTTP: disable the
# health check for it (docker-compose.yml does).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node is PID 1 and receives SIGTERM itself (npm would sit in between), so `docker stop` triggers the
# hub's graceful shutdown. Give it longer than SHUTDOWN_TIMEOUT_MS (15 s by default) before SIGKILL.
STOPSIGNAL SIGTERM
# --max-semi-space-size: see README, "Benchmarks" (fewer young-generation collections per request).
CMD ["node", "--max-semi-space-size=64", "--import", "tsx", "src/main.ts"]
