# syntax=docker/dockerfile:1
# codex-cli-provider: the compiled adapter and its pinned Codex CLI. Every layer: docs/docker.md.
# Node is pinned to an exact release; the Codex CLI is pinned by package.json and npm-shrinkwrap.json.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

# Compiles src/ to dist/ with the dev dependencies, then keeps only what the running adapter loads.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json npm-shrinkwrap.json ./
# No install script is needed: Codex's native binary comes as an optional dependency, and `prepare`
# (the build) runs below, once the sources are in.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build
RUN npm prune --omit=dev --ignore-scripts --no-audit --no-fund
# Left out, because the adapter never runs them (docs/docker.md, "What is left out"): Codex's voice
# runtime, its code-mode host (the adapter starts Codex with code_mode_host disabled, in either
# CODEX_TOOL_MODE), ripgrep for file search and bubblewrap for sandboxed commands (no file or shell tool
# is enabled). codex-package.json and its two directories stay: Codex reads them at every start.
# gpt-tokenizer ships its token tables four times (src/, cjs/, esm/, data/): Node loads esm/ only.
# Source maps and TypeScript files are never executed; the directories left empty (npm prune leaves
# the dev dependencies' scopes) go too.
# The last two commands fail the build, not the first start, when npm brought no Codex binary for this
# platform or the pruning took a file the service loads (service.js imports every module it runs).
RUN vendor="$(dirname "$(dirname "$(find node_modules/@openai -path '*/vendor/*/bin/codex' -type f)")")" \
 && rm -rf "$vendor/bin/codex-code-mode-host" "$vendor/codex-resources/voice" "$vendor/codex-resources/bwrap" "$vendor/codex-path/rg" \
 && rm -rf node_modules/gpt-tokenizer/src node_modules/gpt-tokenizer/cjs node_modules/gpt-tokenizer/data \
 && find node_modules -type f \( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' \) -delete \
 && find node_modules -type d -empty -not -path "$vendor/*" -delete \
 && "$vendor/bin/codex" --version \
 && node --input-type=module -e "await import('/app/dist/service.js')"

# The slim image has no CA bundle, and Codex (Rust) verifies TLS against the system roots.
FROM ${NODE_IMAGE} AS certs
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*

# The base without what is only there to install packages or build addons: npm, npx, corepack, yarn,
# Node's C headers. Copied whole into an empty image below, so their bytes are gone, not hidden under
# a later layer. The mount points under /data stay traversable (/data/secrets 0755) so a PROXY_UID
# other than 1000 still reaches the mounts.
FROM ${NODE_IMAGE} AS runtime
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-* /usr/local/include/node \
      /usr/local/share/doc/node /usr/local/share/man/man1/node.1 \
 && mkdir -p /data/codex-home /data/codex-work /data/secrets \
 && chown node:node /data/codex-home /data/codex-work /data/secrets \
 && chmod 0700 /data/codex-home /data/codex-work

FROM scratch
COPY --from=runtime / /
COPY --from=certs /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
WORKDIR /app
# Root-owned and not writable by the service user. package.json: "type": "module" and the pinned
# Codex version the readiness check compares with.
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./

# PATH: an empty image starts without the base image's settings.
# HOST: every interface inside the container; compose publishes the port on 127.0.0.1 only.
# DATA_DIR only receives files derived at each start (the plain-chat model catalog, and
# exec-instructions.md with CODEX_BACKEND=exec), so it lives on the /tmp tmpfs; the three
# persistent paths are the bind mounts.
# HOME: the root filesystem is read-only and a PROXY_UID override may have no passwd entry, so HOME
# is the /tmp tmpfs too.
# DEPLOYMENT: the image has no npm; sign-in hints name `docker compose run --rm codex-cli-provider login`,
# which runs the entry point below with `login` in place of `serve`.
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    NODE_ENV=production \
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
ENTRYPOINT ["node", "/app/dist/main.js"]
CMD ["serve"]
