#!/usr/bin/env bash
# Builds the base images our Dockerfiles start FROM, from Debian packages, where no image registry
# answers (air-gapped sites, CI without registry access). Each image is built only when the engine
# does not have it yet, so running this again costs a second.
#
#   debian:bookworm-slim   mmdebstrap (or debootstrap) --variant=minbase of bookworm, without docs,
#                          man pages and locales (like the registry's slim image), then `docker import`
#   node:20-bookworm-slim  debian:bookworm-slim plus this machine's Node 20 runtime (the `node` binary
#                          and its bundled npm), a `node` user (uid 1000) and CMD ["node"] like the
#                          registry's image. Requires Node 20 on the build host.
#
# Because the local images carry the registry's names, every Dockerfile builds unchanged here and
# anywhere the registry is reachable. Environment: DOCKER_HOST (default: the engine of
# docker/engine.sh when it runs), DEBIAN_MIRROR (a mirror URL for mmdebstrap; default Debian's).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ -z "${DOCKER_HOST:-}" ]] && "$here/engine.sh" status 2>/dev/null; then
  eval "$("$here/engine.sh" env)"
fi

debian_image=debian:bookworm-slim
node_image=node:20-bookworm-slim

temp_dirs=()
trap 'rm -rf "${temp_dirs[@]}"' EXIT

has_image() {
  docker image inspect "$1" >/dev/null 2>&1
}

fail() {
  echo "base-images: $*" >&2
  exit 1
}

build_debian() {
  if has_image "$debian_image"; then
    echo "base-images: $debian_image exists" >&2
    return
  fi
  local started=$SECONDS
  local work
  work=$(mktemp -d)
  temp_dirs+=("$work")
  echo "base-images: building $debian_image from Debian packages" >&2
  if command -v mmdebstrap >/dev/null; then
    # The same paths the registry's slim image leaves out (keeping copyright files).
    mmdebstrap --variant=minbase --format=tar --quiet \
      --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/info/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' \
      --dpkgopt='path-include=/usr/share/locale/locale.alias' \
      --aptopt='Acquire::Languages "none"' \
      bookworm "$work/rootfs.tar" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"}
  elif command -v debootstrap >/dev/null; then
    debootstrap --variant=minbase bookworm "$work/rootfs" ${DEBIAN_MIRROR:+"$DEBIAN_MIRROR"} >&2
    rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
    tar -C "$work/rootfs" -cf "$work/rootfs.tar" .
  else
    fail "needs mmdebstrap or debootstrap (apt-get install mmdebstrap)"
  fi
  docker import --change 'CMD ["bash"]' --message "bookworm minbase, built by base-images.sh" \
    "$work/rootfs.tar" "$debian_image" >/dev/null
  echo "base-images: $debian_image built in $((SECONDS - started)) s" >&2
}

build_node() {
  if has_image "$node_image"; then
    echo "base-images: $node_image exists" >&2
    return
  fi
  local node version npm_dir work started=$SECONDS
  node=$(command -v node) || fail "needs Node 20 on this machine for $node_image"
  node=$(readlink -f "$node")
  version=$("$node" --version)
  [[ "$version" == v20.* ]] || fail "$node is $version; $node_image needs Node 20"
  npm_dir="$(dirname "$(dirname "$node")")/lib/node_modules/npm"
  [[ -f "$npm_dir/package.json" ]] || fail "no npm beside $node (looked in $npm_dir)"
  work=$(mktemp -d)
  temp_dirs+=("$work")
  echo "base-images: building $node_image with Node $version from this machine" >&2
  cp "$node" "$work/node"
  cp -r "$npm_dir" "$work/npm"
  cat >"$work/Dockerfile" <<DOCKERFILE
FROM $debian_image
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd --gid 1000 node \\
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \\
 && node --version && npm --version
ENV NODE_VERSION=${version#v}
CMD ["node"]
DOCKERFILE
  docker build --quiet --tag "$node_image" "$work" >/dev/null
  echo "base-images: $node_image built in $((SECONDS - started)) s" >&2
}

command -v docker >/dev/null || fail "no docker client; run docker/engine.sh start first"
docker version >/dev/null 2>&1 || fail "no engine answers at ${DOCKER_HOST:-the default socket}; run docker/engine.sh start"
build_debian
build_node
