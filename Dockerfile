# One image for all five services; choose one with SERVICE=gateway|membership|content|campaigns|tourism.
# syntax=docker/dockerfile:1

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
# PORT defaults per service (gateway 4000, subgraphs 4001-4004); the check follows it.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "const p=process.env.PORT||{gateway:4000,membership:4001,content:4002,campaigns:4003,tourism:4004}[process.env.SERVICE];fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/scripts/service.js"]
