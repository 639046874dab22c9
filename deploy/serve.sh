#!/usr/bin/env bash
# Serve RNN Explorer to a classroom: REPLICAS copies of `streamlit run app.py` behind nginx, which keeps
# every browser on one replica (cookie hash, see deploy/nginx.conf.template) and proxies its websocket.
#
#   bash deploy/serve.sh [REPLICAS] [PORT]       default: one replica per core, port 8501
#
# Environment (all optional):
#   RNNX_ADDRESS        address nginx listens on; default 0.0.0.0 (the classroom's network),
#                       127.0.0.1 keeps it on this machine
#   RNNX_UPSTREAMS      "host:port host:port …" replicas already running on other machines: start none
#                       here, proxy to those (REPLICAS is then ignored); see README "Classroom scale"
#   RNNX_RUN_DIR        where nginx.conf, the logs and replicas.txt go; default a temp dir, removed on exit
#   RNNX_COOKIE_SECRET  server.cookieSecret shared by the replicas; default: generated for this run
#   RNNX_DATABASE_URL   the class store (Class page, ?class=) in PostgreSQL, postgresql+psycopg://user@host/db:
#                       needed when replicas run on several machines (RNNX_UPSTREAMS: give each of them the
#                       same URL); when set, RNNX_CLASS_DB is not used
#   RNNX_CLASS_DB       the class store as an SQLite file, shared by the replicas of this machine; default
#                       the app's own, ~/.local/share/rnn-explorer/classes.sqlite3 (a class outlives a
#                       restart of this script for its 14 days)
#
# The replicas run with the Python on PATH (`python -m streamlit`), so activate the environment first.
# nginx is installed with apt-get if missing. Ctrl-C or SIGTERM stops everything this script started.
set -euo pipefail
CALLER_DIR="$PWD"                             # a relative RNNX_CLASS_DB is taken from here
cd "$(dirname "$0")/.."

REPLICAS="${1:-$(nproc)}"
PORT="${2:-8501}"
ADDRESS="${RNNX_ADDRESS:-0.0.0.0}"
HEALTH_TIMEOUT=90          # s for a replica to answer /_stcore/health (the first import of torch is slow)
WATCH_EVERY=5              # s between two looks at the replicas

[[ "$REPLICAS" =~ ^[1-9][0-9]*$ ]] || { echo "serve.sh: REPLICAS must be a positive integer, got '$REPLICAS'" >&2; exit 2; }
[[ "$PORT" =~ ^[1-9][0-9]*$ && "$PORT" -le 65535 ]] || { echo "serve.sh: PORT must be 1-65535, got '$PORT'" >&2; exit 2; }

log() { echo "serve.sh: $*" >&2; }

# ----------------------------------------------------------------------------- tools

PYTHON="$(command -v python || command -v python3 || true)"
[ -n "$PYTHON" ] && "$PYTHON" -c "import streamlit" 2>/dev/null || {
  log "no python with streamlit on PATH: activate the app's environment (pip install -r requirements.txt)"; exit 1; }

NGINX="$(command -v nginx || true)"
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
if [ -z "$NGINX" ]; then                      # Debian's package; its own service is not used here
  log "installing nginx (apt-get)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nginx >/dev/null
  NGINX=/usr/sbin/nginx
fi

# ----------------------------------------------------------------------------- cleanup

KEEP_RUN_DIR=1
RUN="${RNNX_RUN_DIR:-}"
if [ -z "$RUN" ]; then RUN="$(mktemp -d -t rnnx-serve.XXXXXX)"; KEEP_RUN_DIR=0; fi
mkdir -p "$RUN/tmp"
chmod 755 "$RUN"                              # nginx workers run as nobody when started by root
declare -a PIDS=() PORTS=() UPSTREAMS=()
NGINX_PID=""
STOPPING=0

stop_all() {
  [ "$STOPPING" -eq 1 ] && return
  STOPPING=1
  trap '' INT TERM                            # a second Ctrl-C must not cut the cleanup short
  local p alive=()
  for p in $NGINX_PID "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null && alive+=("$p"); done
  for _ in $(seq 50); do                      # up to 10 s for a graceful stop, then SIGKILL
    local left=()
    for p in "${alive[@]}"; do kill -0 "$p" 2>/dev/null && left+=("$p"); done
    alive=("${left[@]}")
    [ "${#alive[@]}" -eq 0 ] && break
    sleep 0.2
  done
  for p in "${alive[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "$KEEP_RUN_DIR" -eq 1 ] || rm -rf "$RUN"
  log "stopped"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

# ----------------------------------------------------------------------------- replicas

healthy() {  # healthy HOST:PORT → success when /_stcore/health answers "ok" within 3 s
  timeout 3 bash -c 'exec 3<>"/dev/tcp/${1%:*}/${1##*:}" &&
    printf "GET /_stcore/health HTTP/1.0\r\nHost: %s\r\n\r\n" "$1" >&3 && grep -q "^ok" <&3' _ "$1" \
    2>/dev/null
}

wait_healthy() {  # wait_healthy HOST:PORT [PID]: until healthy; fails if PID exits or on timeout
  local deadline=$((SECONDS + HEALTH_TIMEOUT))
  until healthy "$1"; do
    if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then log "replica $1 exited"; return 1; fi
    if [ "$SECONDS" -ge "$deadline" ]; then log "replica $1 not healthy after ${HEALTH_TIMEOUT}s"; return 1; fi
    sleep 0.3
  done
}

free_ports() {  # free_ports N: N TCP ports nothing listens on now, on 127.0.0.1
  "$PYTHON" - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:                 # all bound at once, so the N ports differ
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

start_replica() {  # start_replica I: replica I on 127.0.0.1:PORTS[I], its log in RUN/replica-I.log
  local i=$1
  STREAMLIT_SERVER_COOKIE_SECRET="$COOKIE_SECRET" RNNX_DATABASE_URL="$DATABASE_URL" RNNX_CLASS_DB="$CLASS_DB" \
    "$PYTHON" -m streamlit run app.py \
    --server.address 127.0.0.1 --server.port "${PORTS[$i]}" --server.headless true \
    --server.fileWatcherType none --browser.gatherUsageStats false \
    >>"$RUN/replica-$((i + 1)).log" 2>&1 &
  PIDS[i]=$!
}

write_replicas_file() {  # RUN/replicas.txt: "name pid host:port" per replica (the benchmark reads it)
  local i
  : >"$RUN/replicas.txt"
  for i in "${!UPSTREAMS[@]}"; do echo "r$((i + 1)) ${PIDS[$i]:--} ${UPSTREAMS[$i]}" >>"$RUN/replicas.txt"; done
}

# Every replica signs cookies with the same secret (passed in the environment, not on the command line,
# so `ps` does not show it): a browser moved to another replica when its own dies keeps valid cookies.
COOKIE_SECRET="${RNNX_COOKIE_SECRET:-$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')}"

# The class store: one database for every replica, so a student's posts reach the lecturer's board whichever
# replicas the two of them are on. PostgreSQL if RNNX_DATABASE_URL is set, else one SQLite file (WAL: the
# replicas of one machine share it). Given in the environment, not on the command line: the URL may hold a
# password (the log shows it masked).
DATABASE_URL="${RNNX_DATABASE_URL:-}"
CLASS_DB=""
if [ -n "${RNNX_UPSTREAMS:-}" ]; then
  [ -n "$DATABASE_URL" ] || log "warning: no RNNX_DATABASE_URL: each replica elsewhere keeps classes in its" \
    "own SQLite file, so a class started on one is unknown on the others; give them all one PostgreSQL URL"
elif [ -n "$DATABASE_URL" ]; then
  log "class store: $(sed -E 's#(://[^:/@]*):[^/]*@#\1:***@#' <<<"$DATABASE_URL")"
else
  CLASS_DB="${RNNX_CLASS_DB:-$HOME/.local/share/rnn-explorer/classes.sqlite3}"
  [[ "$CLASS_DB" = /* ]] || CLASS_DB="$CALLER_DIR/$CLASS_DB"
  mkdir -p "$(dirname "$CLASS_DB")"
  log "class store: SQLite file $CLASS_DB"
fi

if [ -n "${RNNX_UPSTREAMS:-}" ]; then
  read -r -a UPSTREAMS <<<"$RNNX_UPSTREAMS"
  log "proxying to ${#UPSTREAMS[@]} replicas elsewhere: ${UPSTREAMS[*]}"
else
  read -r -a PORTS <<<"$(free_ports "$REPLICAS")"
  for i in "${!PORTS[@]}"; do
    UPSTREAMS[i]="127.0.0.1:${PORTS[$i]}"
    start_replica "$i"
  done
  log "starting $REPLICAS replicas of streamlit ($PYTHON)"
fi
write_replicas_file
for i in "${!UPSTREAMS[@]}"; do wait_healthy "${UPSTREAMS[$i]}" "${PIDS[$i]:-}" || exit 1; done

# ----------------------------------------------------------------------------- nginx

MAX_UPLOAD_MB="$("$PYTHON" - <<'PY'
import tomllib
from pathlib import Path
cfg = Path(".streamlit/config.toml")
server = tomllib.loads(cfg.read_text()).get("server", {}) if cfg.is_file() else {}
print(int(server.get("maxUploadSize", 200)))      # Streamlit's default when the app sets none
PY
)"
servers="" names="" routes="" groups=""
for i in "${!UPSTREAMS[@]}"; do
  servers+="        server ${UPSTREAMS[$i]} max_fails=2 fail_timeout=10s;"$'\n'
  names+="        ${UPSTREAMS[$i]} r$((i + 1));"$'\n'
  routes+="        r$((i + 1)) replica_r$((i + 1));"$'\n'
  groups+="    upstream replica_r$((i + 1)) {"$'\n'"        server ${UPSTREAMS[$i]} max_fails=2 fail_timeout=10s;"$'\n'
  for j in "${!UPSTREAMS[@]}"; do
    [ "$j" = "$i" ] || groups+="        server ${UPSTREAMS[$j]} backup;"$'\n'
  done
  groups+="        keepalive 8;"$'\n'"    }"$'\n'
done
conf="$(<deploy/nginx.conf.template)"
conf="${conf//@UPSTREAM_SERVERS@/${servers%$'\n'}}"
conf="${conf//@REPLICA_NAMES@/${names%$'\n'}}"
conf="${conf//@ROUTE_UPSTREAMS@/${routes%$'\n'}}"
conf="${conf//@ROUTE_GROUPS@/${groups%$'\n'}}"
conf="${conf//@LISTEN@/$ADDRESS:$PORT}"
conf="${conf//@MAX_BODY_MB@/$((MAX_UPLOAD_MB + 1))}"
printf '%s\n' "$conf" >"$RUN/nginx.conf"

NGINX_ARGS=(-p "$RUN/" -c "$RUN/nginx.conf" -e "$RUN/error.log")
"$NGINX" -t -q "${NGINX_ARGS[@]}"
"$NGINX" "${NGINX_ARGS[@]}" &
NGINX_PID=$!
LOCAL="$ADDRESS"; [ "$ADDRESS" = "0.0.0.0" ] && LOCAL=127.0.0.1
wait_healthy "$LOCAL:$PORT" "$NGINX_PID" || { log "nginx did not come up; see $RUN/error.log"; exit 1; }
shown="$ADDRESS"; [ "$ADDRESS" = "0.0.0.0" ] && shown="$(hostname -I 2>/dev/null | cut -d' ' -f1)"
log "RNN Explorer at http://${shown:-localhost}:$PORT/ — ${#UPSTREAMS[@]} replicas, logs in $RUN. Ctrl-C stops it."

# ----------------------------------------------------------------------------- watch

while :; do
  sleep "$WATCH_EVERY" & wait $! || true
  kill -0 "$NGINX_PID" 2>/dev/null || { log "nginx exited; see $RUN/error.log"; exit 1; }
  for i in "${!PIDS[@]}"; do
    kill -0 "${PIDS[$i]}" 2>/dev/null && continue
    log "replica r$((i + 1)) exited (its sessions reconnect to another one); restarting it"
    start_replica "$i"
    write_replicas_file
  done
done
