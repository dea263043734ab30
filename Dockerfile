# syntax=docker/dockerfile:1
# One image for every service; choose one with SERVICE=gateway, a subgraph's name (subgraphs/index.ts)
# or provision-databases.

# --- toolchain: what better-sqlite3 needs to compile, shared by the two install stages ---
FROM node:24-bookworm-slim AS toolchain
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

# --- build: every dependency, compile the TypeScript to dist/ (npm run build) ---
FROM toolchain AS build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY scripts ./scripts
COPY examples ./examples
RUN npm run build

# --- deps: production dependencies only ---
FROM toolchain AS deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# --- runtime: compiled JavaScript, no compilers, no dev dependencies, no secrets, not root ---
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY schema ./schema
RUN mkdir -p /app/data && chown node:node /app/data
USER node
# Asks the service's /healthz on its PORT, or its default port from the registry (scripts/healthcheck.ts).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "dist/scripts/healthcheck.js"]
ENTRYPOINT ["node", "dist/scripts/service.js"]
