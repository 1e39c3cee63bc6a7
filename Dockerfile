# syntax=docker/dockerfile:1
# codex-cli-provider: the adapter and its pinned Codex CLI. See docs/docker.md.
# Node is pinned to an exact release; the Codex CLI is pinned by package.json and package-lock.json.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Production node_modules only. tsx runs the TypeScript sources, so there is no compile step.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Optional dependencies must stay: they carry Codex's native binary and esbuild's (used by tsx).
# No dependency needs an install script: esbuild finds its binary through that optional package.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
# Fail the build, not the first start, when npm brought no Codex binary for this platform.
RUN codex_bin="$(find node_modules/@openai -path '*/vendor/*/bin/codex' -type f)" && "$codex_bin" --version

# The slim image has no CA bundle, and Codex (Rust) verifies TLS against the system roots.
FROM ${NODE_IMAGE} AS certs
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*

FROM ${NODE_IMAGE}
# Nothing is installed at run time: drop npm, npx, corepack and yarn. The mount points under /data
# stay traversable (/data/secrets 0755) so a PROXY_UID other than 1000 still reaches the mounts.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* \
 && mkdir -p /data/codex-home /data/codex-work /data/secrets \
 && chown node:node /data/codex-home /data/codex-work /data/secrets \
 && chmod 0700 /data/codex-home /data/codex-work
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
WORKDIR /app
# Root-owned and not writable by the service user.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src

# HOST: every interface inside the container; compose publishes the port on 127.0.0.1 only.
# DATA_DIR only receives files derived at each start (the plain-chat model catalog, and
# exec-instructions.md with CODEX_BACKEND=exec), so it lives on the /tmp tmpfs; the three
# persistent paths are the bind mounts.
# HOME: the root filesystem is read-only and a PROXY_UID override may have no passwd entry, so HOME
# is the /tmp tmpfs too (tsx keeps its cache in /tmp).
# DEPLOYMENT: the image has no npm, so sign-in hints name the `docker compose run` command instead.
ENV NODE_ENV=production \
    DEPLOYMENT=docker \
    HOST=0.0.0.0 \
    PORT=8320 \
    DATA_DIR=/tmp/codex-cli-provider \
    CODEX_HOME=/data/codex-home \
    CODEX_WORK_DIR=/data/codex-work \
    PROXY_API_KEY_FILE=/data/secrets/proxy_api_key \
    HOME=/tmp
USER node
EXPOSE 8320
CMD ["node", "--import", "tsx", "src/main.ts"]
