#!/usr/bin/env bash
# Builds the combined image the way docker/README.md documents it:
#
#   bash docker/build.sh [TAG]          (default TAG: ldap-login/server)
#
# - Passes the product version, the git revision and the build date (OCI labels, `manage --version`).
# - Behind a TLS-inspecting proxy, npm inside the build must trust the proxy's CA like npm on this
#   machine does: the CA certificates that this machine's Node or npm trusts beyond Node's bundled
#   ones (NODE_EXTRA_CA_CERTS, else npm's `cafile`) go in as EXTRA_CA_CERTS. Without them npm in the
#   build fails with UNABLE_TO_GET_ISSUER_CERT_LOCALLY / SELF_SIGNED_CERT_IN_CHAIN. Not kept in the image.
# - The classic builder keeps every stage's image (the compile stage is over 1 GB): the stages of
#   this build carry a label with a fresh id, and are removed once the image is built. Pass
#   KEEP_BUILD_CACHE=1 to keep them (faster rebuilds, more disk).
# - Uses the private engine of docker/engine.sh when DOCKER_HOST is unset and no other engine answers.
# Extra arguments after TAG go to `docker build` (for example --build-arg NODE_IMAGE=...).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tag=${1:-ldap-login/server}
shift || true

if [[ -z "${DOCKER_HOST:-}" ]] && ! docker version >/dev/null 2>&1 && bash docker/engine.sh status >/dev/null 2>&1; then
  eval "$(bash docker/engine.sh env)"
fi

# Only the extra certificates: a whole system bundle is too long for a build argument.
extra_ca_certs() {
  local file=${NODE_EXTRA_CA_CERTS:-}
  [[ -n "$file" ]] || file=$(npm config get cafile 2>/dev/null || true)
  [[ -n "$file" && "$file" != null && -r "$file" ]] || return 0
  CA_FILE=$file node -e '
    const { rootCertificates } = require("node:tls");
    const text = require("node:fs").readFileSync(process.env.CA_FILE, "utf8");
    const squash = (pem) => pem.replace(/\s+/g, "");
    const bundled = new Set(rootCertificates.map(squash));
    const pems = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
    process.stdout.write(pems.filter((pem) => !bundled.has(squash(pem))).join("\n"));
  '
}

version=$(node -p 'require("./package.json").version')
revision=$(git rev-parse --short=7 HEAD 2>/dev/null || echo unknown)
build_id="$(date +%s)-$$-$RANDOM"

remove_build_stages() {
  [[ -n "${KEEP_BUILD_CACHE:-}" ]] && return 0
  # Dangling images of this build only (the final image is tagged, and its stage carries no label).
  docker image prune --force --filter "label=org.ldap-login.build-stage=$build_id" >/dev/null || true
}
trap remove_build_stages EXIT

docker build --force-rm --file docker/Dockerfile --tag "$tag" \
  --build-arg EXTRA_CA_CERTS="$(extra_ca_certs)" \
  --build-arg BUILD_ID="$build_id" \
  --build-arg VERSION="$version" \
  --build-arg REVISION="$revision" \
  --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "$@" .
echo "built $tag: ldap-login $version ($revision), build stages labelled $build_id" >&2
