#!/usr/bin/env bash
# Smoke test of the combined image: builds it (and the OpenLDAP image) on the offline base images,
# starts both on a private Docker network, and checks what an administrator relies on:
#   the documented build (docker/build.sh) works and leaves no build stages; version labels; the
#   container becomes healthy soon after it listens; /server/info/ verifies; a full encrypted LDAP
#   login through the container against the OpenLDAP container (ldaps, CA mounted) succeeds;
#   `manage testldap` inside the image succeeds; a mounted config.json replaces the default; the
#   web page loads in Chromium; metrics, 404s, fingerprint; docs/tls.md's nginx and Caddy with
#   TRUSTED_PROXIES; SIGHUP, a draining `docker stop`, JSON-only logs; docs/'s backup, restore and
#   migrate commands and README.md's official-client `docker run`, as written; the compose demo;
#   two replicas on PostgreSQL behind nginx.
# OFFICIAL_WEBCLIENT_DIR: the folder of Psono's web client build (webclient.tgz), as for the
# official-client tests.
# Prints `PASS name` / `FAIL name` per check and a final `N passed, N failed`; exits 0 only when
# everything passed. Removes its own containers, volumes, network and files on every exit.
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
volumes=()
compose_projects=()
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
  for name in "${volumes[@]}"; do docker volume rm "$name" >/dev/null 2>&1; done
  for project in "${compose_projects[@]}"; do
    docker-compose -p "${project%%=*}" ${project#*=} down --volumes --timeout 5 >/dev/null 2>&1
  done
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

# Like require, but the run goes on: returns 1 after reporting the failure.
require_soft() {
  local name=$1 log=$2
  shift 2
  local started=$SECONDS
  if "$@" >"$log" 2>&1; then
    pass "$name" "$((SECONDS - started)) s"
  else
    fail "$name"
    tail -n 40 "$log" | sed 's/^/    /'
    return 1
  fi
}

checks() {
  node_modules/.bin/tsx docker/smoke/checks.ts "$@"
}

# Runs one check that prints one line of detail; the line ends with the check's duration.
check() {
  local name=$1 detail started=$EPOCHREALTIME took
  shift
  if detail=$("$@" 2>&1); then
    took=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }')
    pass "$name" "$(tail -n 1 <<<"$detail"); $took"
  else
    took=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f s", b - a }')
    fail "$name" "$(tail -n 1 <<<"$detail"); $took"
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
    sleep 0.2
  done
  echo "still $(health "$id") after ${healthy_timeout_s} s"
  docker logs --tail 30 "$id" 2>&1
  return 1
}

# The ```sh block of Markdown file $1 that contains the text $2 (the documented commands, as
# written), without the indentation of its fence (blocks inside a list are indented).
doc_block() {
  awk -v pattern="$2" '
    /^ *```sh$/ { on = 1; text = ""; indent = index($0, "`") - 1; next }
    on && /^ *```$/ { on = 0; if (index(text, pattern)) { printf "%s", text; found = 1; exit } next }
    on { if (substr($0, 1, indent) ~ /^ *$/) $0 = substr($0, indent + 1); text = text $0 "\n" }
    END { exit !found }' "$1"
}

# A documented `docker run` made this run's: the test network, its own container name, a free
# host port, and the image under test instead of `ldap-login/server`.
as_this_run() {
  sed -e "s|^docker run |docker run --network $network |" \
    -e "s|--name [a-z-]* |--name ldap-login-smoke-$$-$1 |" \
    -e 's|127\.0\.0\.1:8080:8080|127.0.0.1::8080|' \
    -e "s#^\( *\)ldap-login/server\( \|\$\)#\1$server_image\2#"
}

free_port() {
  node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}

# --- engine, base images, images ------------------------------------------------------------------
bash docker/engine.sh start
eval "$(bash docker/engine.sh env)"
require 'offline base images' "$work/base-images.log" bash docker/base-images.sh
# The documented command, as written (it handles a TLS-inspecting proxy by itself).
require 'build the combined image (docker/build.sh)' "$work/build-server.log" \
  timeout "$build_timeout_s" bash docker/build.sh "$server_image"
echo "     image $server_image: $(docker image inspect --format '{{.Size}}' "$server_image" | awk '{ printf "%.0f MB", $1 / 1e6 }')"
build_id=$(grep -oE 'build stages labelled [^ ]+' "$work/build-server.log" | awk '{ print $4 }')
check 'the build left none of its stage images' bash -c \
  "[[ -n '$build_id' ]] && n=\$(docker images --all --quiet --filter 'label=org.ldap-login.build-stage=$build_id' | wc -l) && echo \"\$n images of build $build_id\" && [[ \$n == 0 ]]"
version=$(node -p 'require("./package.json").version')
# The revision the build script baked in (HEAD may have moved since the build started).
revision=$(grep -oE 'ldap-login [0-9.]+ \([0-9a-f]+\)' "$work/build-server.log" | tail -n 1 | sed -E 's/.*\((.*)\)/\1/')
check 'OCI labels: version and revision' bash -c \
  "labels=\$(docker image inspect --format '{{index .Config.Labels \"org.opencontainers.image.version\"}} {{index .Config.Labels \"org.opencontainers.image.revision\"}} {{index .Config.Labels \"org.opencontainers.image.licenses\"}}' '$server_image') && echo \"\$labels\" && [[ \$labels == '$version $revision Apache-2.0' ]]"
check 'manage --version in the image' bash -c \
  "out=\$(docker run --rm '$server_image' manage --version) && echo \"\$out\" && [[ \$out == 'ldap-login $version ($revision)' ]]"
require 'build the OpenLDAP image' "$work/build-openldap.log" \
  timeout "$build_timeout_s" docker build --tag "$openldap_image" docker/openldap
# The checks read the dataset catalog from ldap-core's build.
require 'build the test helpers' "$work/build-helpers.log" \
  node_modules/.bin/turbo run build --filter=@ldap-login/ldap-core --output-logs=errors-only

# --- the directory ----------------------------------------------------------------------------------
# The TLS proxies below get fixed addresses, so that the server's TRUSTED_PROXIES can name two of
# them and not the third. Fixed addresses need a subnet given at creation: take the free one the
# engine picks, then create the network again with it.
create_network() {
  local name=$1 id subnet gateway
  for _ in 1 2 3 4 5; do
    id=$(docker network create "$name") || return 1
    subnet=$(docker network inspect --format '{{(index .IPAM.Config 0).Subnet}}' "$id")
    gateway=$(docker network inspect --format '{{(index .IPAM.Config 0).Gateway}}' "$id")
    docker network rm "$id" >/dev/null
    if id=$(docker network create --subnet "$subnet" --gateway "$gateway" "$name" 2>/dev/null); then
      echo "$id"
      return 0
    fi
  done
  return 1
}
network=$(create_network "ldap-login-smoke-$$")
gateway=$(docker network inspect --format '{{(index .IPAM.Config 0).Gateway}}' "$network")
# The engine hands out addresses from the bottom of the subnet; these sit well above them.
network_address=$(docker network inspect --format '{{(index .IPAM.Config 0).Subnet}}' "$network" | sed 's|/.*||')
nginx_ip="${network_address%.*}.200"
caddy_ip="${network_address%.*}.201"
untrusted_nginx_ip="${network_address%.*}.202"
openldap=$(docker run --detach --network "$network" --network-alias openldap \
  --env TLS_HOSTNAMES=openldap --env LARGE_GROUP_SIZE=0 "$openldap_image")
containers+=("$openldap")
require 'OpenLDAP container healthy' "$work/openldap.log" wait_healthy "$openldap"
docker cp "$openldap:/var/lib/ldap-directory/tls/ca.pem" "$work/ldap-ca.pem"

# --- the combined container: settings with fresh keys from the image's own CLI ----------------------
docker run --rm "$server_image" manage generate-keys >"$work/keys.yaml"
checks settings ldaps://openldap:636 /etc/ldap-login/ldap-ca.pem <"$work/keys.yaml" >"$work/settings.yaml"
rm -f "$work/keys.yaml"
# docs/tls.md: the proxies' addresses as the server sees them (the third proxy is left out).
printf 'TRUSTED_PROXIES: ["%s", "%s"]\n' "$nginx_ip" "$caddy_ip" >>"$work/settings.yaml"
# The login page's text proves that the mounted config.json, not the built-in one, is served.
marker="Smoke test $$"
domain=$(checks username | sed 's/.*@//')
printf '{"backend_servers":[{"title":"Smoke","domain":"%s"}],"authentication_methods":["LDAP"],"login_info_text":"%s"}\n' \
  "$domain" "$marker" >"$work/config.json"
chmod 644 "$work/settings.yaml" "$work/config.json" "$work/ldap-ca.pem"

metrics_secret=$(openssl rand -hex 32)
# docker/README.md's "Start the server" as written (docs/upgrades.md starts it with the same
# command); this run adds the name the proxies use and the metrics token, and names its own volume.
doc_block docker/README.md 'docker run -d --name ldap-login -p' | as_this_run server |
  sed -e "s|-v ldap-login-data:|-v ldap-login-smoke-$$-data:|" \
    -e "1s|--network [^ ]* |&--network-alias server --env PSONO_METRICS_SECRET=$metrics_secret |" >"$work/server-run.sh"
containers+=("ldap-login-smoke-$$-server")
volumes+=("ldap-login-smoke-$$-data")
server=$(cd "$work" && bash -e server-run.sh)
require 'combined container healthy' "$work/server-health.log" wait_healthy "$server"
url="http://$(docker port "$server" 8080/tcp | head -n 1)"
echo "     serving on $url"
# From the server's own "server listening" log line to the end of the engine's first passing
# probe (the engine's probe log, not this script's polling, which lags on a loaded machine).
# Runs inside `check`, so that a log line not yet written fails this check, not the whole script.
healthy_soon_after_listening() {
  local logs listening_at healthy_at healthy_after
  logs=$(docker logs "$server" 2>/dev/null) || return 1
  listening_at=$(grep -F '"msg":"server listening"' <<<"$logs" | head -n 1 |
    node -e 'console.log(Date.parse(JSON.parse(require("node:fs").readFileSync(0, "utf8")).time) / 1000)') ||
    { echo 'no "server listening" line in the log'; return 1; }
  healthy_at=$(docker inspect --format '{{range .State.Health.Log}}{{if eq .ExitCode 0}}{{.End.Unix}}.{{printf "%09d" .End.Nanosecond}}{{"\n"}}{{end}}{{end}}' "$server" |
    sed -n 1p)
  [[ -n $healthy_at ]] || { echo 'no passing health probe recorded'; return 1; }
  healthy_after=$(awk -v a="$listening_at" -v b="$healthy_at" 'BEGIN { printf "%.1f", b - a }')
  echo "$healthy_after s after listening"
  awk -v t="$healthy_after" 'BEGIN { exit !(t <= 2.5) }'
}
check 'healthy within 2.5 s of listening' healthy_soon_after_listening

# --- checks ------------------------------------------------------------------------------------------
check 'runs as a non-root user' bash -c "uid=\$(docker exec '$server' id -u) && echo \"uid \$uid\" && [[ \$uid != 0 ]]"
check '/server/info/ signature verifies' checks info "$url"
check 'LDAP login through the container' checks login "$url"
check 'wrong password refused' checks wrong-password "$url"
username=$(checks username)
check 'manage testldap inside the running container' bash -c \
  "node_modules/.bin/tsx docker/smoke/checks.ts password | docker exec -i '$server' manage testldap '$username' -"
doc_block docker/README.md 'manage testldap alice@example.com -' | as_this_run testldap |
  sed "s|alice@example.com|$username|" >"$work/testldap.sh"
check 'manage testldap before the start (docker/README.md, docker run)' bash -c \
  "node_modules/.bin/tsx docker/smoke/checks.ts password | (cd '$work' && bash -e testldap.sh)"
doc_block docs/upgrades.md 'docker run -d --name ldap-login -p' | sed -n '/^docker run/,$p' >"$work/upgrades-run.txt"
doc_block docker/README.md 'docker run -d --name ldap-login -p' >"$work/readme-run.txt"
check 'docs/upgrades.md starts the server with the command above' bash -c \
  "diff '$work/upgrades-run.txt' '$work/readme-run.txt' && echo 'the same docker run'"
check 'mounted config.json is served' bash -c \
  "curl --silent --fail --max-time 10 '$url/config.json' | grep -F -q '$marker' && echo 'the mounted file'"
check 'web page loads in Chromium' checks browser "$url"
check 'database in the data volume' bash -c \
  "docker exec '$server' sh -c 'ls /var/lib/ldap-login/*.sqlite3' | head -n 1"
check 'WAL checkpoint worker running' bash -c \
  "! docker logs '$server' 2>&1 | grep -F 'checkpoint worker stopped' && echo 'no checkpoint worker failure in the log'"

check 'fingerprint: manage fingerprint matches /info/' bash -c \
  "shown=\$(docker exec '$server' manage fingerprint --json | node -p 'JSON.parse(require(\"node:fs\").readFileSync(0, \"utf8\")).verify_key') && served=\$(curl --silent --fail '$url/server/info/' | node -p 'JSON.parse(require(\"node:fs\").readFileSync(0, \"utf8\")).verify_key') && echo \"verify_key \$shown\" && [[ \$shown == \$served ]]"
doc_block docs/fingerprint.md 'manage fingerprint' | sed "s|docker exec ldap-login |docker exec $server |" >"$work/fingerprint.sh"
check 'docs/fingerprint.md: manage fingerprint prints the verify_key' bash -c \
  "served=\$(curl --silent --fail '$url/server/info/' | node -p 'JSON.parse(require(\"node:fs\").readFileSync(0, \"utf8\")).verify_key') && bash -e '$work/fingerprint.sh' | grep -F \"\$served\""
check 'unknown paths 404; browser navigations get the page' bash -c \
  "a=\$(curl -s -o /dev/null -w '%{http_code}' '$url/metrics') && b=\$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: text/html' '$url/some/route') && echo \"/metrics \$a, navigation \$b\" && [[ \$a == 404 && \$b == 200 ]]"
# docs/operations.md's scrape command, as written, against this container's port.
doc_block docs/operations.md 'Authorization: Bearer' | sed "s|http://127\.0\.0\.1:8080|$url|" >"$work/metrics.sh"
check 'metrics: 404 without the token, 200 with it (docs/operations.md)' bash -c \
  "a=\$(curl -s -o /dev/null -w '%{http_code}' '$url/server/metrics') && METRICS_SECRET='$metrics_secret' bash -e '$work/metrics.sh' >'$work/metrics.txt' && grep -q '^ldap_login_logins_total{outcome=\"success\"} [1-9]' '$work/metrics.txt' && echo \"without \$a, with the token \$(grep -c '^ldap_login_' '$work/metrics.txt') samples\" && [[ \$a == 404 ]]"
# docs/backup-restore.md's two commands, as written, for the container `ldap-login`.
doc_block docs/backup-restore.md 'manage backup' |
  sed -e "s|docker exec ldap-login |docker exec $server |" -e "s|docker cp ldap-login:|docker cp $server:|" >"$work/backup.sh"
check 'manage backup while the server runs (docs/backup-restore.md)' bash -c "cd '$work' && bash -e backup.sh"
check 'the backup holds the accounts' bash -c \
  "node -e 'const db = require(\"better-sqlite3\")(process.argv[1], { readonly: true }); const n = db.prepare(\"select count(*) as n from users\").get().n; console.log(n + \" account(s)\"); process.exit(n > 0 ? 0 : 1)' '$work/backup.sqlite3'"
# --- TLS termination: the nginx and Caddy examples of docs/tls.md, as written ----------------------
# Each example is taken from the documentation's code block; only the example's host name becomes
# localhost (a certificate this test can trust) and the upstream becomes the server container.
# TRUSTED_PROXIES (set above) names the nginx and Caddy containers' addresses: through them the
# server counts the client's address from X-Forwarded-For, and ignores the header from anyone else.
tls_example() {
  awk -v lang="$1" '$0 == "```" lang { on = 1; next } on && $0 == "```" { exit } on' docs/tls.md |
    sed -e 's/vault\.example\.com/localhost/g' -e 's/127\.0\.0\.1:8080/server:8080/g'
}
# The address the client claims in X-Forwarded-For; a trusted proxy appends the real one after it.
spoofed=203.0.113.7
# An HTTPS login (which verifies the signed /server/info/ first) through a proxy whose certificate
# is issued by CA file $1 (empty: plain HTTP), with X-Forwarded-For: $spoofed; then the client
# address the server logged for that login must be $3.
login_seen_as() {
  local ca=$1 base=$2 expected=$3 before detail seen=''
  before=$(docker logs "$server" 2>/dev/null | grep -cF '"msg":"login"' || true)
  detail=$(env ${ca:+NODE_EXTRA_CA_CERTS="$ca"} node_modules/.bin/tsx docker/smoke/checks.ts login "$base" "$spoofed") ||
    { echo "$detail"; return 1; }
  for _ in $(seq 1 25); do
    seen=$(docker logs "$server" 2>/dev/null | grep -F '"msg":"login"' | sed -n "$((before + 1))p" |
      node -e 'const t = require("node:fs").readFileSync(0, "utf8"); if (t) console.log(JSON.parse(t).clientAddress)')
    [[ -n $seen ]] && break
    sleep 0.2
  done
  echo "$detail"
  echo "X-Forwarded-For: $spoofed; the server logged the login from ${seen:-nothing} (expected $expected)"
  [[ $seen == "$expected" ]]
}
wait_port() { for _ in $(seq 1 100); do curl --silent --insecure --max-time 2 -o /dev/null "$1" && return 0; sleep 0.2; done; return 1; }
# https://localhost:<published port of container $1's 443>
https_url() { echo "https://localhost:$(docker port "$1" 443/tcp | head -n 1 | sed 's/.*://')"; }

tls_started=$SECONDS
if require_soft 'build the TLS proxies image (nginx, Caddy)' "$work/build-tls.log" \
  timeout "$build_timeout_s" docker build --tag ldap-login/tls-examples:dev docker/tls-examples; then
  mkdir -p "$work/tls/localhost"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=localhost' \
    -addext 'subjectAltName=DNS:localhost' -keyout "$work/tls/localhost/privkey.pem" \
    -out "$work/tls/localhost/fullchain.pem" >/dev/null 2>&1
  chmod 644 "$work/tls/localhost/"*.pem
  tls_example nginx >"$work/tls/nginx.conf"
  tls_example caddy >"$work/tls/Caddyfile"
  # Two nginx containers with the same configuration: one at a trusted address, one not.
  run_nginx() {
    docker run --detach --network "$network" --ip "$1" --publish 127.0.0.1::443 --publish 127.0.0.1::80 \
      --volume "$work/tls/nginx.conf:/etc/nginx/conf.d/ldap-login.conf:ro" \
      --volume "$work/tls/localhost:/etc/ssl/localhost:ro" \
      ldap-login/tls-examples:dev nginx -g 'daemon off;'
  }
  nginx_proxy=$(run_nginx "$nginx_ip")
  containers+=("$nginx_proxy")
  untrusted_proxy=$(run_nginx "$untrusted_nginx_ip")
  containers+=("$untrusted_proxy")
  caddy_proxy=$(docker run --detach --network "$network" --ip "$caddy_ip" --publish 127.0.0.1::443 \
    --volume "$work/tls/Caddyfile:/etc/caddy/Caddyfile:ro" \
    ldap-login/tls-examples:dev caddy run --config /etc/caddy/Caddyfile --adapter caddyfile)
  containers+=("$caddy_proxy")
  nginx_https=$(https_url "$nginx_proxy")
  untrusted_https=$(https_url "$untrusted_proxy")
  caddy_https=$(https_url "$caddy_proxy")
  nginx_http="http://127.0.0.1:$(docker port "$nginx_proxy" 80/tcp | head -n 1 | sed 's/.*://')"
  # Caddy issues localhost's certificate from its own local CA; the test trusts that CA's root.
  for _ in $(seq 1 100); do
    docker cp "$caddy_proxy:/root/.local/share/caddy/pki/authorities/local/root.crt" "$work/tls/caddy-root.crt" >/dev/null 2>&1 && break
    sleep 0.2
  done
  wait_port "$nginx_https/server/live/" || true
  wait_port "$untrusted_https/server/live/" || true
  wait_port "$caddy_https/server/live/" || true
  # Connections to published ports reach the proxies from the network's gateway: that is the client.
  check 'docs/tls.md nginx: HTTPS login; the client address comes from X-Forwarded-For' \
    login_seen_as "$work/tls/localhost/fullchain.pem" "$nginx_https" "$gateway"
  check 'docs/tls.md nginx: plain HTTP is redirected to HTTPS' bash -c \
    "loc=\$(curl --silent -o /dev/null -w '%{http_code} %{redirect_url}' '$nginx_http/') && echo \"\$loc\" && [[ \$loc == '301 https://'* ]]"
  check 'docs/tls.md Caddy: HTTPS login; the client address comes from X-Forwarded-For' \
    login_seen_as "$work/tls/caddy-root.crt" "$caddy_https" "$gateway"
  check 'a proxy not in TRUSTED_PROXIES: X-Forwarded-For ignored' \
    login_seen_as "$work/tls/localhost/fullchain.pem" "$untrusted_https" "$untrusted_nginx_ip"
  check 'no proxy: X-Forwarded-For ignored' login_seen_as '' "$url" "$gateway"
  echo "     TLS proxies and client addresses: $((SECONDS - tls_started)) s"
fi

check 'SIGHUP is logged and ignored' bash -c \
  "docker kill --signal HUP '$server' >/dev/null && sleep 1 && s=\$(curl -s -o /dev/null -w '%{http_code}' '$url/server/ready/') && docker logs '$server' 2>&1 | grep -q 'SIGHUP ignored' && echo \"still ready (\$s)\" && [[ \$s == 200 ]]"
check 'docker stop drains and exits 0' bash -c \
  "start=\$SECONDS && docker stop '$server' >/dev/null && code=\$(docker inspect --format '{{.State.ExitCode}}' '$server') && echo \"exit \$code after \$((SECONDS - start)) s\" && [[ \$code == 0 ]] && docker logs '$server' 2>&1 | grep -q 'requests in flight finished'"
check 'every log line is JSON' bash -c "docker logs '$server' 2>&1 | node_modules/.bin/tsx docker/smoke/checks.ts json-lines"
printf 'LDAP: not a list\n' >"$work/broken-settings.yaml"
chmod 644 "$work/broken-settings.yaml"
check 'invalid settings: exit 2 and JSON log lines' bash -c \
  "code=0; docker run --rm --volume '$work/broken-settings.yaml:/etc/ldap-login/settings.yaml:ro' '$server_image' >'$work/broken.log' 2>&1 || code=\$?; node_modules/.bin/tsx docker/smoke/checks.ts json-lines <'$work/broken.log' && grep -q SETTINGS_INVALID '$work/broken.log' && echo \"exit \$code\" && [[ \$code == 2 ]]"

# --- restore: docs/backup-restore.md's commands as written, docs/upgrades.md's migrate before the start
# The server was stopped above; `docker stop` of a stopped container succeeds. The restore block runs
# up to its `docker run`, then the migration, then the `docker run`.
doc_block docs/backup-restore.md 'mkdir restore' | sed "s|^docker stop ldap-login$|docker stop $server|" >"$work/restore.sh"
sed -n '/^docker run/,$p' "$work/restore.sh" | as_this_run restored >"$work/restore-run.sh"
sed -i '/^docker run/,$d' "$work/restore.sh"
containers+=("ldap-login-smoke-$$-restored")
check 'restore the backup into a new data folder (docs/backup-restore.md)' bash -c \
  "cd '$work' && bash -e restore.sh >/dev/null && ls -n restore | awk 'NR > 1 { print \$3 \":\" \$4, \$NF }'"
# The named volume of docs/upgrades.md is the restored data folder here.
doc_block docs/upgrades.md 'manage migrate' | as_this_run migrate |
  sed 's|-v ldap-login-data:/var/lib/ldap-login|-v "$PWD/restore:/var/lib/ldap-login"|' >"$work/migrate.sh"
check 'manage migrate on the backup (docs/upgrades.md)' bash -c \
  "cd '$work' && out=\$(bash -e migrate.sh 2>&1) && tail -n 1 <<<\"\$out\""
if restored=$(cd "$work" && bash -e restore-run.sh 2>"$work/restored.log") &&
  wait_healthy "$restored" >>"$work/restored.log" 2>&1; then
  check 'login on the restored database' checks login "http://$(docker port "$restored" 8080/tcp | head -n 1)"
else
  fail 'login on the restored database' "$(tail -n 1 "$work/restored.log")"
fi

# --- README.md: Psono's official web client served by the image, the command as written ----------
# The command comes from README.md's code block; only the container's name, the host port, the
# volume's name and the image tag are this run's, and the container joins the test network. The
# client's build is the one the official-client tests use (webclient.tgz in OFFICIAL_WEBCLIENT_DIR,
# default ../shared/psono-webclient beside the repository). Under CI its absence fails the run.
webclient_archive="${OFFICIAL_WEBCLIENT_DIR:-$PWD/../shared/psono-webclient}/webclient.tgz"
if [[ -r $webclient_archive ]]; then
  psono_started=$SECONDS
  psono_name="ldap-login-smoke-$$-psono"
  containers+=("$psono_name")
  volumes+=("$psono_name")
  mkdir -p "$work/psono"
  tar -xzf "$webclient_archive" -C "$work/psono" && mv "$work/psono/webclient" "$work/psono/psono-webclient"
  cp "$work/settings.yaml" "$work/ldap-ca.pem" "$work/psono/"
  doc_block README.md 'manage serve --host 0.0.0.0 --port 8080 --web-root /srv/psono-webclient' |
    as_this_run psono | sed "s|ldap-login-data:|$psono_name:|" >"$work/psono/run.sh"
  # README's config.json, pointed at this container once its port is known (read at each request).
  readme_config() {
    awk '/^```json$/ { on = 1; text = ""; next } on && /^```$/ { on = 0; if (index(text, "Company vault")) { printf "%s", text; exit } next } on { text = text $0 "\n" }' README.md |
      sed "s|https://vault\.example\.com|$1|"
  }
  readme_config 'http://127.0.0.1:1' >"$work/psono/psono-config.json"
  chmod -R a+rX "$work/psono"
  if psono=$(cd "$work/psono" && bash run.sh 2>"$work/psono-run.log") &&
    wait_healthy "$psono" >>"$work/psono-run.log" 2>&1; then
    psono_url="http://$(docker port "$psono" 8080/tcp | head -n 1)"
    readme_config "$psono_url" >"$work/psono/psono-config.json"
    # The page, its config.json and the API from one container (the official client itself logs in
    # against the server in apps/server's official-client tests).
    check "README: the image serves the official web client, its config.json and the API" bash -c \
      "curl --silent --fail --max-time 10 -H 'Accept: text/html' '$psono_url/' | grep -q '<title>Psono</title>' && curl --silent --fail --max-time 10 '$psono_url/config.json' | grep -F -q '$psono_url/server' && curl --silent --fail --max-time 10 -o /dev/null '$psono_url/server/info/' && echo 'Psono page, the mounted psono-config.json, /server/info/'"
  else
    fail "README: the official web client's docker run" "$(tail -n 1 "$work/psono-run.log")"
    sed 's/^/    /' "$work/psono/run.sh" "$work/psono-run.log" | tail -n 30
  fi
  echo "     official web client container: $((SECONDS - psono_started)) s"
elif [[ ${CI:-} == true ]]; then
  fail "README: the official web client's docker run" "no $webclient_archive (set OFFICIAL_WEBCLIENT_DIR)"
else
  echo "SKIPPED README: the official web client's docker run (no $webclient_archive; set OFFICIAL_WEBCLIENT_DIR)"
fi

# --- the compose demo, as docker/README.md documents it ----------------------------------------
demo_port=$(free_port)
demo_project="ldap-login-smoke-demo-$$"
compose_projects+=("$demo_project=-f docker/compose.yaml")
compose_demo() {
  LDAP_LOGIN_IMAGE="$server_image" LDAP_LOGIN_PORT="$demo_port" \
    docker-compose -p "$demo_project" -f docker/compose.yaml "$@"
}
if compose_demo up -d >"$work/demo-up.log" 2>&1 && wait_healthy "$(compose_demo ps -q server)" >>"$work/demo-up.log" 2>&1; then
  pass 'docker-compose demo up'
  check 'login through the compose demo' checks login "http://127.0.0.1:$demo_port"
else
  fail 'docker-compose demo up'
  tail -n 20 "$work/demo-up.log" | sed 's/^/    /'
fi
compose_demo down --volumes --timeout 5 >/dev/null 2>&1 || true

# --- two replicas on PostgreSQL behind nginx (docs/replicas.md) ---------------------------------
replicas_port=$(free_port)
replicas_project="ldap-login-smoke-replicas-$$"
compose_projects+=("$replicas_project=-f docker/replicas/compose.yaml -f docker/smoke/replicas.publish.yaml")
{
  docker run --rm "$server_image" manage generate-keys
  grep -v '<from manage generate-keys>' docker/replicas/settings.example.yaml
} >"$work/replicas-settings.yaml"
chmod 644 "$work/replicas-settings.yaml"
compose_replicas() {
  LDAP_LOGIN_IMAGE="$server_image" LDAP_LOGIN_PORT="$replicas_port" POSTGRES_PASSWORD="smoke-$$-$RANDOM" \
    LDAP_LOGIN_SETTINGS="$work/replicas-settings.yaml" \
    docker-compose -p "$replicas_project" -f docker/replicas/compose.yaml -f docker/smoke/replicas.publish.yaml "$@"
}
started=$SECONDS
# --build: the proxy's and PostgreSQL's images copy files of this checkout (nginx.conf, start.sh);
# an image left from an earlier run would be used as it is otherwise (layers are cached).
if compose_replicas up -d --build >"$work/replicas-up.log" 2>&1; then
  pass 'replicas example up (2 replicas, PostgreSQL, nginx)' "$((SECONDS - started)) s"
  replica_1="http://$(compose_replicas port server-1 8080)"
  replica_2="http://$(compose_replicas port server-2 8080)"
  check 'login through the proxy' checks login "http://127.0.0.1:$replicas_port"
  check 'a session made through one replica works through the other' checks cross-replica "$replica_1" "$replica_2"
  compose_replicas stop --timeout 10 server-1 >/dev/null 2>&1
  check 'one replica stopped: the proxy still logs in' checks login "http://127.0.0.1:$replicas_port"
else
  fail 'replicas example up (2 replicas, PostgreSQL, nginx)'
  tail -n 30 "$work/replicas-up.log" | sed 's/^/    /'
fi
compose_replicas down --volumes --timeout 5 >/dev/null 2>&1 || true

if ((failed > 0)); then
  echo '--- combined container log (last 40 lines) ---'
  docker logs --tail 40 "$server" 2>&1 | sed 's/^/    /'
fi
summary
((failed == 0))
