# Switchboard hub image. One image for every role: ROLE=api|worker|all selects what a container runs.
#   docker build -t switchboard .
#   docker run -e ADMIN_TOKEN=... -e DATABASE_URL=postgres://... -e REDIS_URL=redis://... -p 3000:3000 switchboard
# Two stages: the build stage compiles the TypeScript with tsc (dev dependencies); the image that runs holds
# only the compiled JavaScript and the production dependencies, so no tsx or esbuild runs in production.

FROM node:20-bookworm-slim AS build
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: package.json's allowScripts denies every dependency's install script (README,
# "Development"); the image's npm 10 does not read allowScripts, so the flag says the same to it.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/ scripts/
COPY src/ src/
COPY queues/ queues/
COPY connectors/ connectors/
COPY templates/ templates/
# dist/: the compiled hub and CLI, with the SQL migrations they read at run time.
RUN npm run build

FROM node:20-bookworm-slim

ENV NODE_ENV=production \
    PORT=3000 \
    REDIS_AUTOSTART=false \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first, so a source change does not reinstall them. package.json also says "type": "module".
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

COPY --from=build /app/dist/ dist/

# Without DATABASE_URL the hub keeps an embedded PGlite database in ./.data; mount a volume there to keep it.
RUN mkdir -p /app/.data && chown node:node /app/.data

USER node
EXPOSE 3000

# Liveness: the API's /healthz (ROLE=api or all), or the operations endpoints of a worker or gateway
# when OPERATIONS_PORT is set (docker-compose.yml sets it for the worker). Set OPERATIONS_PORT only
# where the API is not served: the API role ignores it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.OPERATIONS_PORT || process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# node is PID 1 and receives SIGTERM itself (npm would sit in between), so `docker stop` triggers the
# hub's graceful shutdown. Give it longer than SHUTDOWN_TIMEOUT_MS (15 s by default) before SIGKILL.
STOPSIGNAL SIGTERM
# `npm run start:prod` without npm in between. --max-semi-space-size: see README, "Benchmarks".
# The operator CLI in a container: `node dist/src/cli.js <command>` (README, "First steps").
CMD ["node", "--max-semi-space-size=64", "dist/src/main.js"]
