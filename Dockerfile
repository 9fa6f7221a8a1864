# Fusebox container image (docs/operations.md, "Docker"). Two stages: the build stage compiles better-sqlite3
# for this image's Node.js and builds dist/ (the server's JavaScript and the dashboard, `npm ci` runs the
# `prepare` script); the runtime stage holds only what runs (no TypeScript, no tsx or vite), as user `node`.
# Build: docker build -t fusebox .   Run: see compose.yaml.

FROM node:24-bookworm-slim AS build
# A compiler for better-sqlite3 when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY . .
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/fusebox
COPY --from=build /build/package.json /build/package-lock.json ./
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/bin ./bin
COPY --from=build /build/dist ./dist
COPY --from=build /build/examples ./examples
COPY --from=build /build/packaging/docker/healthcheck.js ./packaging/docker/healthcheck.js
# The state directory: the SQLite database (store.path data/fusebox.db is relative to the working directory).
# The site file is mounted at /etc/fusebox/site.yaml, its secret files anywhere (e.g. /run/secrets).
RUN mkdir -p /var/lib/fusebox /etc/fusebox && chown node:node /var/lib/fusebox
USER node
WORKDIR /var/lib/fusebox
VOLUME ["/var/lib/fusebox"]
# OCPP (ocpp.port), HTTP: dashboard, API, /healthz, /metrics (http.port), Modbus TCP for the EMS (ems.port).
EXPOSE 9000 8080 5020
# 200 from /healthz while the control loop runs; FUSEBOX_HEALTH_URL when http.port is not 8080.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["node", "/opt/fusebox/packaging/docker/healthcheck.js"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/opt/fusebox/bin/fusebox.js"]
CMD ["start", "--config", "/etc/fusebox/site.yaml", "--log-format", "json"]
