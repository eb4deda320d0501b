#!/usr/bin/env bash
# Smoke test of the combined image: builds it (and the OpenLDAP image) on the offline base images,
# starts both on a private Docker network, and checks what an administrator relies on:
#   the container becomes healthy; /server/info/ verifies; a full encrypted LDAP login through the
#   container against the OpenLDAP container (ldaps, CA mounted) succeeds; `manage testldap` inside
#   the image succeeds; a mounted config.json replaces the default; the web page loads in Chromium.
# Prints `PASS name` / `FAIL name` per check and a final `N passed, N failed`; exits 0 only when
# everything passed. Removes its own containers, network and files (by id) on every exit.
#
#   bash docker/smoke-test.sh
#
# Needs root (the Docker engine), Chromium at /usr/bin/chromium and the npm dependencies installed.
# SERVER_IMAGE / OPENLDAP_IMAGE override the image tags.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

server_image=${SERVER_IMAGE:-ldap-login/server:dev}
openldap_image=${OPENLDAP_IMAGE:-ldap-login/openldap:dev}
build_timeout_s=1800
healthy_timeout_s=120

passed=0
failed=0
containers=()
network=''
work=$(mktemp -d "${TMPDIR:-/tmp}/ldap-login-smoke-XXXXXX")

pass() {
  echo "PASS $1${2:+ ($2)}"
  passed=$((passed + 1))
}

fail() {
  echo "FAIL $1${2:+ ($2)}"
  failed=$((failed + 1))
}

summary() {
  echo "$passed passed, $failed failed"
}

cleanup() {
  local status=$?
  set +e
  for id in "${containers[@]}"; do docker rm --force --volumes "$id" >/dev/null 2>&1; done
  [[ -n "$network" ]] && docker network rm "$network" >/dev/null 2>&1
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A step the rest depends on: on failure, show the log, count the checks not run, and stop.
require() {
  local name=$1 log=$2
  shift 2
  local started=$SECONDS
  if "$@" >"$log" 2>&1; then
    pass "$name" "$((SECONDS - started)) s"
  else
    fail "$name"
    tail -n 40 "$log" | sed 's/^/    /'
    summary
    exit 1
  fi
}

checks() {
  node_modules/.bin/tsx docker/smoke/checks.ts "$@"
}

# Runs one check that prints one line of detail.
check() {
  local name=$1 detail
  shift
  if detail=$("$@" 2>&1); then
    pass "$name" "$(tail -n 1 <<<"$detail")"
  else
    fail "$name" "$(tail -n 1 <<<"$detail")"
    sed 's/^/    /' <<<"$detail" | tail -n 30
  fi
}

# Health status of a container ("starting", "healthy", "unhealthy"), "exited" once it stopped.
health() {
  docker inspect --format '{{if .State.Running}}{{.State.Health.Status}}{{else}}exited{{end}}' "$1"
}

wait_healthy() {
  local id=$1 deadline=$((SECONDS + healthy_timeout_s)) status
  while ((SECONDS < deadline)); do
    status=$(health "$id")
    case "$status" in
      healthy) return 0 ;;
      exited)
        docker logs --tail 30 "$id" 2>&1
        return 1
        ;;
    esac
    sleep 1
  done
  echo "still $(health "$id") after ${healthy_timeout_s} s"
  docker logs --tail 30 "$id" 2>&1
  return 1
}

# The CA certificates this machine's Node or npm trusts beyond Node's bundled ones (NODE_EXTRA_CA_CERTS,
# else npm's `cafile`: for example a TLS-inspecting proxy's CA), so that npm inside the image build
# reaches the registry the same way. Only the extra ones: a whole system bundle is too long for a
# build argument.
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

# --- engine, base images, images ------------------------------------------------------------------
bash docker/engine.sh start
eval "$(bash docker/engine.sh env)"
require 'offline base images' "$work/base-images.log" bash docker/base-images.sh
require 'build the combined image' "$work/build-server.log" \
  timeout "$build_timeout_s" docker build --file docker/Dockerfile --tag "$server_image" \
  --build-arg EXTRA_CA_CERTS="$(extra_ca_certs)" .
echo "     image $server_image: $(docker image inspect --format '{{.Size}}' "$server_image" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
require 'build the OpenLDAP image' "$work/build-openldap.log" \
  timeout "$build_timeout_s" docker build --tag "$openldap_image" docker/openldap
# The checks read the dataset catalog from ldap-core's build.
require 'build the test helpers' "$work/build-helpers.log" \
  node_modules/.bin/turbo run build --filter=@ldap-login/ldap-core --output-logs=errors-only

# --- the directory ----------------------------------------------------------------------------------
network=$(docker network create "ldap-login-smoke-$$")
openldap=$(docker run --detach --network "$network" --network-alias openldap \
  --env TLS_HOSTNAMES=openldap --env LARGE_GROUP_SIZE=0 "$openldap_image")
containers+=("$openldap")
require 'OpenLDAP container healthy' "$work/openldap.log" wait_healthy "$openldap"
docker cp "$openldap:/var/lib/ldap-directory/tls/ca.pem" "$work/ldap-ca.pem"

# --- the combined container: settings with fresh keys from the image's own CLI ----------------------
docker run --rm "$server_image" manage generate-keys >"$work/keys.yaml"
checks settings ldaps://openldap:636 /etc/ldap-login/ldap-ca.pem <"$work/keys.yaml" >"$work/settings.yaml"
rm -f "$work/keys.yaml"
# The login page's text proves that the mounted config.json, not the built-in one, is served.
marker="Smoke test $$"
domain=$(checks username | sed 's/.*@//')
printf '{"backend_servers":[{"title":"Smoke","domain":"%s"}],"authentication_methods":["LDAP"],"login_info_text":"%s"}\n' \
  "$domain" "$marker" >"$work/config.json"
chmod 644 "$work/settings.yaml" "$work/config.json" "$work/ldap-ca.pem"

server=$(docker run --detach --network "$network" --publish 127.0.0.1::8080 \
  --volume "$work/settings.yaml:/etc/ldap-login/settings.yaml:ro" \
  --volume "$work/config.json:/etc/ldap-login/config.json:ro" \
  --volume "$work/ldap-ca.pem:/etc/ldap-login/ldap-ca.pem:ro" \
  "$server_image")
containers+=("$server")
require 'combined container healthy' "$work/server-health.log" wait_healthy "$server"
url="http://$(docker port "$server" 8080/tcp | head -n 1)"
echo "     serving on $url"

# --- checks ------------------------------------------------------------------------------------------
check 'runs as a non-root user' bash -c "uid=\$(docker exec '$server' id -u) && echo \"uid \$uid\" && [[ \$uid != 0 ]]"
check '/server/info/ signature verifies' checks info "$url"
check 'LDAP login through the container' checks login "$url"
check 'wrong password refused' checks wrong-password "$url"
username=$(checks username)
check 'manage testldap inside the image' bash -c \
  "node_modules/.bin/tsx docker/smoke/checks.ts password | docker exec -i '$server' manage testldap '$username' -"
check 'mounted config.json is served' bash -c \
  "curl --silent --fail --max-time 10 '$url/config.json' | grep -F -q '$marker' && echo 'the mounted file'"
check 'web page loads in Chromium' checks browser "$url"
check 'database in the data volume' bash -c \
  "docker exec '$server' sh -c 'ls /var/lib/ldap-login/*.sqlite3' | head -n 1"
check 'WAL checkpoint worker running' bash -c \
  "! docker logs '$server' 2>&1 | grep -F 'checkpoint worker stopped' && echo 'no checkpoint worker failure in the log'"

if ((failed > 0)); then
  echo '--- combined container log (last 40 lines) ---'
  docker logs --tail 40 "$server" 2>&1 | sed 's/^/    /'
fi
summary
((failed == 0))
