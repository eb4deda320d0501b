#!/usr/bin/env bash
# A private Docker engine for machines that have none running (CI, containers without systemd).
#
#   docker/engine.sh start   install Debian's docker.io if dockerd is missing, start dockerd, wait until it answers;
#                            /var/run/docker.sock points at it where no other engine has that path
#   docker/engine.sh stop    stop the dockerd started here (by the pid in its pid file)
#   docker/engine.sh env     print the exports that point docker and testcontainers at it:
#                            eval "$(docker/engine.sh env)"
#   docker/engine.sh status  exit 0 when it answers
#
# The engine belongs to the machine, not to a checkout: its socket and pid file live in
# $LDAP_LOGIN_DOCKER_RUN_DIR (default /run/ldap-login-docker) and its images in
# $LDAP_LOGIN_DOCKER_DATA_DIR (default /var/lib/ldap-login-docker, kept across restarts so base
# images are built once). dockerd publishes container ports on 127.0.0.1 only (--ip), so nothing
# the tests start listens beyond loopback. --userland-proxy=false: published ports are forwarded by
# the kernel (iptables), not by one docker-proxy process per port copying every byte, which under
# load cost about half of what the directory itself did. `start` is idempotent and safe to run concurrently (flock).
# Needs root, like dockerd itself.
set -euo pipefail

run_dir=${LDAP_LOGIN_DOCKER_RUN_DIR:-/run/ldap-login-docker}
data_dir=${LDAP_LOGIN_DOCKER_DATA_DIR:-/var/lib/ldap-login-docker}
socket="$run_dir/docker.sock"
pid_file="$run_dir/dockerd.pid"
log_file="$run_dir/dockerd.log"
host="unix://$socket"
start_timeout_s=60

answers() {
  [[ -S "$socket" ]] && command -v docker >/dev/null &&
    timeout 5 docker --host "$host" version --format '{{.Server.Version}}' >/dev/null 2>&1
}

print_env() {
  echo "export DOCKER_HOST=$host"
  echo "export TESTCONTAINERS_RYUK_DISABLED=true"
  echo "export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1"
}

install_engine() {
  command -v dockerd >/dev/null && return
  echo "engine: installing Debian's docker.io" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends docker.io >&2
}

need_root() {
  [[ $EUID -eq 0 ]] || fail "dockerd runs as root: run this as root (sudo $0 ${1:-start})"
}

start() {
  need_root start
  mkdir -p "$run_dir" "$data_dir"
  # One starter at a time; the others wait here and then find the engine answering.
  exec 9>"$run_dir/engine-start.lock"
  flock 9
  if answers; then
    link_default_socket
    echo "engine: already running ($host)" >&2
    return
  fi
  install_engine
  if [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "engine: dockerd (pid $(cat "$pid_file")) is running but not answering yet" >&2
  else
    rm -f "$pid_file" "$socket"
    # setsid: the engine outlives the shell that started it; dockerd writes its own pid file.
    # 9>&-: dockerd must not inherit the lock, or every later start would wait for it forever.
    setsid -f dockerd \
      --data-root "$data_dir" \
      --exec-root "$run_dir/exec" \
      --host "$host" \
      --pidfile "$pid_file" \
      --ip 127.0.0.1 \
      --userland-proxy=false \
      >>"$log_file" 2>&1 </dev/null 9>&-
  fi
  for ((waited = 0; waited < start_timeout_s * 10; waited++)); do
    if answers; then
      link_default_socket
      echo "engine: running ($host, pid $(cat "$pid_file"))" >&2
      return
    fi
    sleep 0.1
  done
  tail -n 20 "$log_file" >&2 || true
  fail "dockerd did not answer on $socket within ${start_timeout_s} s (log: $log_file)"
}

# docker and docker-compose look at /var/run/docker.sock when DOCKER_HOST is unset: where no other
# engine owns that path, point it at this one, so that the README's commands work in any shell.
default_socket=/var/run/docker.sock
link_default_socket() {
  if [[ ! -e "$default_socket" && ! -L "$default_socket" ]]; then
    ln -s "$socket" "$default_socket"
  fi
}

stop() {
  need_root stop
  mkdir -p "$run_dir"
  exec 9>"$run_dir/engine-start.lock"
  flock 9
  if [[ ! -f "$pid_file" ]]; then
    echo "engine: not running (no $pid_file)" >&2
    return
  fi
  local pid
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for ((waited = 0; waited < 300; waited++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "engine: dockerd (pid $pid) ignored SIGTERM for 30 s; sending SIGKILL" >&2
      kill -KILL "$pid"
    fi
  fi
  rm -f "$pid_file" "$socket"
  if [[ "$(readlink "$default_socket" 2>/dev/null)" == "$socket" ]]; then rm -f "$default_socket"; fi
  echo "engine: stopped" >&2
}

fail() {
  echo "engine: $*" >&2
  exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  env) print_env ;;
  status) answers ;;
  *)
    echo "usage: $0 start|stop|env|status" >&2
    exit 2
    ;;
esac
