#!/usr/bin/env bash
# Starts a private OpenLDAP (Debian's slapd) with one dataset and keeps it in the foreground.
#
# The same script is the container's entrypoint and the native fallback of the test fixture, so both
# run the same configuration and data. Steps: TLS (a fresh CA and a server certificate per start),
# slapd.conf from the dataset's settings, slapd, then the data loaded online with ldapadd (through
# slapd, so the memberof and refint overlays see it). When everything is loaded it prints the line
#   ldap-directory ready
# on stdout; the slapd log (loglevel stats: connections, binds, search filters) goes to
# $STATE_DIR/slapd.log, and also to stderr when LOG_TO_STDERR=1. $STATE_DIR/ready exists while it is ready.
#
# Environment (defaults suit the container):
#   DATASET          openldap-memberof | openldap-posix | ad-like        (openldap-memberof)
#   STATE_DIR        working directory for config, database, TLS files and log (/var/lib/ldap-directory)
#   LISTEN_HOST      address slapd listens on; empty = all addresses     (empty)
#   LDAP_PORT        port of ldap:// (StartTLS available)                (389)
#   LDAPS_PORT       port of ldaps://                                    (636)
#   TLS_HOSTNAMES    space-separated DNS names for the certificate       (localhost); 127.0.0.1 is always in
#   ADMIN_PASSWORD   password of cn=admin,<suffix> (the rootdn)          (admin)
#   MEMBER_PASSWORD  password of the generated members of the large group (Member-Passw0rd!)
#   LARGE_GROUP_SIZE members of the large group                          (2000)
#   EXTRA_USERS      extra generated users (benchmarks)                  (0)
#   EXTRA_GROUPS     extra generated groups, sharing out the extra users (0)
#   EXTRA_PASSWORD   password of every extra user                        (Extra-Passw0rd!)
#   EXTRA_LDIF_DIR   directory whose *.ldif files are loaded last        (none)
#   SLAPD_USER       drop privileges to this user after binding ports    (none)
#   LOG_TO_STDERR    1: copy the slapd log to stderr                      (0)
#   STOP_WITH_STDIN  1: stop slapd and delete STATE_DIR when stdin ends   (0)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dataset=${DATASET:-openldap-memberof}
state=${STATE_DIR:-/var/lib/ldap-directory}
listen_host=${LISTEN_HOST:-}
ldap_port=${LDAP_PORT:-389}
ldaps_port=${LDAPS_PORT:-636}
tls_hostnames=${TLS_HOSTNAMES:-localhost}
large_group_size=${LARGE_GROUP_SIZE:-2000}
extra_users=${EXTRA_USERS:-0}
extra_groups=${EXTRA_GROUPS:-0}
schema_dir=${SLAPD_SCHEMA_DIR:-/etc/ldap/schema}
module_dir=${SLAPD_MODULE_DIR:-/usr/lib/ldap}

# memberOf kept by the overlay for groups of the given objectClass (member DNs), and refint so
# renames and deletions of users reach the groups.
memberof_overlays() {
  cat <<CONF
index member eq
overlay memberof
memberof-group-oc $1
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE
overlay refint
refint_attributes member
CONF
}

fail() {
  echo "start-directory: $*" >&2
  exit 1
}

dataset_dir="$here/datasets/$dataset"
[[ -f "$dataset_dir/dataset.env" ]] || fail "unknown dataset '$dataset' (have: $(ls "$here/datasets" | tr '\n' ' '))"
# shellcheck source=/dev/null
source "$dataset_dir/dataset.env"
if ((extra_groups > 0 && extra_users < extra_groups)); then
  fail "EXTRA_GROUPS ($extra_groups) needs at least as many EXTRA_USERS ($extra_users): groups must not be empty"
fi

mkdir -p "$state/db" "$state/tls"
rm -f "$state/ready"
umask 077

# --- secrets: written to files so they never appear in a process list -------------------------------------
printf '%s' "${ADMIN_PASSWORD:-admin}" >"$state/admin.pw"
printf '%s' "${MEMBER_PASSWORD:-Member-Passw0rd!}" >"$state/member.pw"
printf '%s' "${EXTRA_PASSWORD:-Extra-Passw0rd!}" >"$state/extra.pw"
admin_hash=$(slappasswd -T "$state/admin.pw")

# --- TLS: a CA and a server certificate, fresh per start (EC keys: a few milliseconds) -----------------------
san="IP:127.0.0.1"
for name in $tls_hostnames; do san="$san,DNS:$name"; done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
  -subj "/CN=ldap-directory test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout "$state/tls/ca.key" -out "$state/tls/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -subj "/CN=${tls_hostnames%% *}" -keyout "$state/tls/server.key" -out "$state/tls/server.csr" 2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' \
  "$san" >"$state/tls/server.ext"
openssl x509 -req -days 30 -in "$state/tls/server.csr" -CA "$state/tls/ca.pem" -CAkey "$state/tls/ca.key" \
  -CAcreateserial -extfile "$state/tls/server.ext" -out "$state/tls/server.pem" 2>/dev/null
chmod 644 "$state/tls/ca.pem"

# --- slapd.conf ---------------------------------------------------------------------------------------------
{
  echo "# Generated by start-directory.sh for dataset $dataset."
  for schema in core cosine inetorgperson nis; do echo "include $schema_dir/$schema.schema"; done
  [[ "$FLAVOR" == ad ]] && echo "include $here/schema/ad-like.schema"
  cat <<CONF
pidfile $state/slapd.pid
argsfile $state/slapd.args
modulepath $module_dir
moduleload back_mdb
loglevel stats
TLSCACertificateFile $state/tls/ca.pem
TLSCertificateFile $state/tls/server.pem
TLSCertificateKeyFile $state/tls/server.key
CONF
  [[ "$FLAVOR" != posix ]] && printf 'moduleload memberof\nmoduleload refint\n'
  cat <<CONF

database mdb
maxsize 1073741824
suffix "$SUFFIX"
rootdn "cn=admin,$SUFFIX"
rootpw $admin_hash
directory $state/db
# A throwaway directory: durability is not worth the fsyncs.
dbnosync
# Like Active Directory's MaxPageSize: listing everything needs the paged-results control.
limits * size.soft=1000 size.hard=1000 size.pr=1000 size.prtotal=unlimited
index objectClass eq
index entryUUID eq
index cn,mail eq,sub
CONF
  case "$FLAVOR" in
    memberof)
      printf 'index uid eq,sub\n'
      memberof_overlays groupOfNames
      ;;
    posix)
      cat <<'CONF'
index uid eq,sub
index memberUid eq
CONF
      ;;
    ad)
      printf 'index sAMAccountName,userPrincipalName eq,sub\nindex objectGUID eq\n'
      memberof_overlays group
      ;;
    *) fail "dataset.env of $dataset has an unknown FLAVOR '$FLAVOR'" ;;
  esac
  cat <<CONF
access to dn.base="" by * read
access to dn.base="cn=Subschema" by * read
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by dn.exact="$SERVICE_DN" read
  by self read
  by * none
CONF
} >"$state/slapd.conf"

# --- slapd ----------------------------------------------------------------------------------------------------
rm -f "$state/slapd.pid"
: >"$state/slapd.log"
slapd_args=(-d stats -f "$state/slapd.conf" -h "ldap://$listen_host:$ldap_port/ ldaps://$listen_host:$ldaps_port/")
if [[ -n "${SLAPD_USER:-}" ]]; then
  chown -R "$SLAPD_USER:" "$state"
  slapd_args+=(-u "$SLAPD_USER" -g "$(id -gn "$SLAPD_USER")")
fi
if [[ "${LOG_TO_STDERR:-0}" == 1 ]]; then
  slapd "${slapd_args[@]}" 2> >(tee -a "$state/slapd.log" >&2) &
else
  slapd "${slapd_args[@]}" 2>>"$state/slapd.log" &
fi
slapd_pid=$!
watcher_pid=
# Until slapd has been waited for, leaving this script (a failed load, say) must not leave it running.
trap 'kill "$slapd_pid" 2>/dev/null || true' EXIT
stop_slapd() {
  kill -CONT "$slapd_pid" 2>/dev/null || true
  kill -TERM "$slapd_pid" 2>/dev/null || true
  wait "$slapd_pid" || true
  trap - EXIT
  [[ -z "$watcher_pid" ]] || kill "$watcher_pid" 2>/dev/null || true
  [[ "${STOP_WITH_STDIN:-0}" != 1 ]] || rm -rf "$state"
  exit 0
}
trap stop_slapd TERM INT
echo "slapd pid $slapd_pid"
if [[ "${STOP_WITH_STDIN:-0}" == 1 ]]; then
  # The test fixture keeps our stdin open. When its process dies, even by SIGKILL, stdin ends: then
  # this script stops slapd and deletes its files, so no orphaned directory outlives a crashed test run.
  main_pid=$$
  exec 3<&0
  {
    cat <&3 >/dev/null
    kill -TERM "$main_pid" 2>/dev/null
  } &
  watcher_pid=$!
  exec 3<&-
fi

local_url="ldap://127.0.0.1:$ldap_port"
for ((attempt = 0; ; attempt++)); do
  if ldapsearch -x -H "$local_url" -b "" -s base -LLL 1.1 >/dev/null 2>&1; then break; fi
  if ! kill -0 "$slapd_pid" 2>/dev/null; then
    tail -n 20 "$state/slapd.log" >&2
    fail "slapd exited before answering"
  fi
  ((attempt < 500)) || fail "slapd did not answer on $local_url within 10 s"
  sleep 0.02
done

# --- data, loaded online -----------------------------------------------------------------------------------------
load() {
  ldapadd -x -H "$local_url" -D "cn=admin,$SUFFIX" -y "$state/admin.pw" -f "$1" >/dev/null
}

generate() { # ou prefix label count group_name group_prefix group_count password_file uid_base gid_base guid_u guid_g
  awk -v flavor="$FLAVOR" -v people_dn="$PEOPLE_DN" -v groups_dn="$GROUPS_DN" -v mail_domain="$MAIL_DOMAIN" \
    -v ou="$1" -v prefix="$2" -v label="$3" -v count="$4" -v group_name="$5" -v group_prefix="$6" \
    -v group_count="$7" -v pwhash="$(slappasswd -T "$8")" -v uid_base="$9" -v gid_base="${10}" \
    -v guid_users="${11}" -v guid_groups="${12}" -f "$here/generate-people.awk"
}

load "$dataset_dir/data.ldif"
if ((large_group_size > 0)); then
  generate bulk member Member "$large_group_size" large-group '' 0 "$state/member.pw" 200000 20000 \
    bG9hZGVkLWJ1bGst bGFyZ2UtZ3JvdXAt >"$state/bulk.ldif"
  load "$state/bulk.ldif"
fi
if ((extra_users > 0)); then
  generate extra user User "$extra_users" '' group "$extra_groups" "$state/extra.pw" 300000 30000 \
    ZXh0cmEtdXNlci0t ZXh0cmEtZ3JvdXAt >"$state/extra.ldif"
  load "$state/extra.ldif"
fi
if [[ -n "${EXTRA_LDIF_DIR:-}" ]]; then
  for file in "$EXTRA_LDIF_DIR"/*.ldif; do
    [[ -e "$file" ]] && load "$file"
  done
fi
rm -f "$state"/*.pw

touch "$state/ready"
echo "ldap-directory ready"
status=0
wait "$slapd_pid" || status=$?
trap - EXIT
# slapd is gone: the watcher must not signal its pid, which the system may hand out again.
[[ -z "$watcher_pid" ]] || kill "$watcher_pid" 2>/dev/null || true
exit "$status"
