#!/usr/bin/env bash
# Real local services for the integration tests, without Docker:
#   - Apache Kafka (KRaft, one combined broker + controller node), jars resolved from Maven Central with mvn;
#   - MinIO (S3-compatible object store), built once from source with `go install`.
#
#   bash scripts/services.sh up       start both (idempotent: a second `up` reuses what runs), write
#                                     .services/services.env
#   bash scripts/services.sh down     stop both and delete their data (the next `up` starts clean)
#   bash scripts/services.sh status   print running/stopped; exit 0 only if both run
#
# Downloads and builds are cached in ${STREAMTRAIN_CACHE_DIR:-<repo>/.cache}; runtime state (data, logs, pid
# files, generated credentials) lives in <repo>/.services. Both are git-ignored.
#
# Settings (environment): KAFKA_VERSION, KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_HEAP_OPTS,
# MINIO_VERSION (Go module version of github.com/minio/minio), MINIO_PORT (9000), MINIO_CONSOLE_PORT (9001),
# S3_BUCKET (streamtrain), S3_REGION (us-east-1), SERVICES_TIMEOUT (readiness wait, seconds, 90).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${STREAMTRAIN_CACHE_DIR:-$ROOT/.cache}"
STATE="$ROOT/.services"
ENV_FILE="$STATE/services.env"

# Newest Kafka whose every broker artifact is on Maven Central (4.4.0 misses kafka-tools-api there).
KAFKA_VERSION="${KAFKA_VERSION:-4.3.1}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m -Xms128m}"
KAFKA_HOME="$CACHE/kafka-$KAFKA_VERSION"
KAFKA_STATE="$STATE/kafka"

# MinIO publishes no semver tags, so the Go module proxy knows it by pseudo-version only. This is the last
# commit of the repository (RELEASE.2025-10-15T17-29-55Z plus the fixes merged before it went into
# maintenance mode).
MINIO_VERSION="${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}"
MINIO_PORT="${MINIO_PORT:-9000}"
MINIO_CONSOLE_PORT="${MINIO_CONSOLE_PORT:-9001}"
MINIO_HOME="$CACHE/minio-$MINIO_VERSION"
MINIO_BIN="$MINIO_HOME/bin/minio"
MINIO_STATE="$STATE/minio"

S3_BUCKET="${S3_BUCKET:-streamtrain}"
S3_REGION="${S3_REGION:-us-east-1}"
SERVICES_TIMEOUT="${SERVICES_TIMEOUT:-90}"

# ---------------------------------------------------------------------------------------------------------
# helpers

log() { printf '[services] %s\n' "$*"; }
warn() { printf '[services] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[services] ERROR: %s\n' "$1" >&2
  shift || true
  local line
  for line in "$@"; do printf '[services]   %s\n' "$line" >&2; done
  exit 1
}

now_ms() { date +%s%3N; }
elapsed() { # elapsed START_MS -> "12.3s"
  local ms=$(($(now_ms) - $1))
  printf '%d.%ds' $((ms / 1000)) $(((ms % 1000) / 100))
}

# show_tail FILE [N]: last lines of a log, indented, to stderr.
show_tail() {
  local file="$1" n="${2:-40}"
  if [[ -f "$file" ]]; then
    printf '[services] --- last %s lines of %s ---\n' "$n" "$file" >&2
    tail -n "$n" "$file" | sed 's/^/    /' >&2
    printf '[services] ---\n' >&2
  fi
}

# port_open PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# port_owner PORT: a line describing the listener (best effort).
port_owner() {
  if command -v ss >/dev/null 2>&1; then
    ss -ltnpH "sport = :$1" 2>/dev/null | head -n 3
  fi
}

ensure_port_free() { # ensure_port_free PORT WHAT ENVVAR
  if port_open "$1"; then
    die "port $1 ($2) is already taken by a process that services.sh did not start." \
      "listener: $(port_owner "$1" || true)" \
      "stop that process, or choose another port, e.g. $3=<free port> npm run services:up"
  fi
}

# pid_of NAME: the pid recorded for a service if that process still runs and is ours, else nothing.
pid_of() {
  local name="$1" file="$STATE/$1/$1.pid" pid marker
  [[ -f "$file" ]] || return 0
  pid="$(cat "$file" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  case "$name" in
    kafka) marker="kafka.Kafka $KAFKA_STATE/server.properties" ;;
    minio) marker="$MINIO_STATE/data" ;;
  esac
  # Guard against pid reuse: the command line must still be the service we started.
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"; then
    echo "$pid"
  fi
}

# stray_pids NAME: processes started from our state dir whose pid file was lost.
stray_pids() {
  case "$1" in
    kafka) pgrep -f -- "kafka.Kafka $KAFKA_STATE/server.properties" || true ;;
    minio) pgrep -f -- "$MINIO_STATE/data" || true ;;
  esac
}

# start_detached PIDFILE LOGFILE CMD...: runs CMD in its own session (so a Ctrl-C in the calling shell or the
# end of `npm run` does not reach it), stdout+stderr to LOGFILE, its pid to PIDFILE.
start_detached() {
  local pidfile="$1" logfile="$2"
  shift 2
  rm -f "$pidfile"
  : >"$logfile"
  # shellcheck disable=SC2016 # $$ and $@ are expanded by the inner bash, which then becomes the service.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" </dev/null >>"$logfile" 2>&1 &
  for _ in $(seq 1 50); do
    [[ -s "$pidfile" ]] && return 0
    sleep 0.1
  done
  die "could not start $1 (no pid written to $pidfile)"
}

# stop_pid NAME PID GRACE_SECONDS
stop_pid() {
  local name="$1" pid="$2" grace="$3"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 $((grace * 10))); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  warn "$name (pid $pid) did not stop within ${grace}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  die "$name (pid $pid) is still alive after SIGKILL"
}

random_hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# A KRaft cluster id: 16 random bytes, URL-safe base64 without padding, not starting with '-'
# (what `kafka-storage.sh random-uuid` prints).
random_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" != -* ]] && { echo "$id"; return; }
  done
}

need_node_modules() {
  command -v node >/dev/null 2>&1 || die "node is not installed (Node 20 or newer is required)."
  local m
  for m in kafkajs @aws-sdk/client-s3; do
    [[ -d "$ROOT/node_modules/$m" ]] || die "node_modules/$m is missing: run \`npm ci\` (or \`npm install\`) first."
  done
}

need_java() {
  command -v java >/dev/null 2>&1 ||
    die "java is not installed: Kafka $KAFKA_VERSION needs a Java 17+ runtime (Debian: apt-get install openjdk-17-jre-headless)."
  local version major
  version="$(java -version 2>&1 | awk -F'"' '/version/ { print $2; exit }')"
  major="${version%%.*}"
  [[ "$major" == 1 ]] && major="$(echo "$version" | cut -d. -f2)"
  if ! [[ "$major" =~ ^[0-9]+$ ]] || ((major < 17)); then
    die "java $version found, Kafka $KAFKA_VERSION needs Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless)."
  fi
}

# ---------------------------------------------------------------------------------------------------------
# Kafka

kafka_provision() {
  if [[ -f "$KAFKA_HOME/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null 2>&1 ||
    die "mvn is not installed: it resolves the Kafka broker jars from Maven Central (Debian: apt-get install maven)."
  local t0 buildlog="$CACHE/kafka-$KAFKA_VERSION.mvn.log"
  t0="$(now_ms)"
  mkdir -p "$CACHE"
  rm -rf "$KAFKA_HOME"
  log "resolving Kafka $KAFKA_VERSION jars with Maven (once; log: $buildlog)"
  if ! mvn -B -q -f "$ROOT/scripts/kafka/pom.xml" \
    -Dkafka.version="$KAFKA_VERSION" -DoutputDirectory="$KAFKA_HOME/libs" \
    dependency:copy-dependencies >"$buildlog" 2>&1; then
    show_tail "$buildlog" 30
    die "Maven could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION (full log: $buildlog)." \
      "check that Maven can reach Maven Central, or pick another release with KAFKA_VERSION=<version>."
  fi
  touch "$KAFKA_HOME/.complete"
  KAFKA_PROVISION_TIME="$(elapsed "$t0")"
  log "Kafka jars ready in $KAFKA_HOME/libs ($KAFKA_PROVISION_TIME)"
}

kafka_write_config() {
  mkdir -p "$KAFKA_STATE/data"
  cat >"$KAFKA_STATE/server.properties" <<EOF
# Generated by scripts/services.sh: single-node KRaft test broker (broker + controller in one process).
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
log.dirs=$KAFKA_STATE/data
num.partitions=1
default.replication.factor=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
delete.topic.enable=true
log.retention.hours=24
log.segment.bytes=16777216
EOF
  cat >"$KAFKA_STATE/log4j2.properties" <<'EOF'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.state.name = state.change.logger
logger.state.level = WARN
EOF
}

# KAFKA_JAVA: the java command line shared by the storage tool and the broker (main class appended by callers).
kafka_java_cmd() {
  # shellcheck disable=SC2206 # KAFKA_HEAP_OPTS is a list of JVM flags
  KAFKA_JAVA=(java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$KAFKA_STATE/log4j2.properties"
    -cp "$KAFKA_HOME/libs/*")
}

kafka_wait() { # kafka_wait PID TIMEOUT
  node "$ROOT/scripts/wait-kafka.mjs" --brokers "127.0.0.1:$KAFKA_PORT" --timeout "$2" --pid "$1"
}

kafka_up() {
  local pid t0
  pid="$(pid_of kafka)"
  if [[ -n "$pid" ]]; then
    t0="$(now_ms)"
    if ! kafka_wait "$pid" 30 >/dev/null; then
      show_tail "$KAFKA_STATE/kafka.log"
      die "Kafka (pid $pid) runs but does not answer on 127.0.0.1:$KAFKA_PORT; try \`npm run services:down\` then up."
    fi
    KAFKA_TIME="$(elapsed "$t0") (already running, pid $pid)"
    return 0
  fi
  rm -f "$KAFKA_STATE/kafka.pid"
  kafka_provision

  t0="$(now_ms)"
  kafka_write_config
  kafka_java_cmd
  if [[ ! -f "$KAFKA_STATE/data/meta.properties" ]]; then
    local cluster_id
    cluster_id="$(random_cluster_id)"
    if ! "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format --standalone \
      --cluster-id "$cluster_id" --config "$KAFKA_STATE/server.properties" >"$KAFKA_STATE/format.log" 2>&1; then
      show_tail "$KAFKA_STATE/format.log"
      die "formatting the Kafka storage failed (log: $KAFKA_STATE/format.log)."
    fi
  fi
  start_detached "$KAFKA_STATE/kafka.pid" "$KAFKA_STATE/kafka.log" \
    "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_STATE/server.properties"
  pid="$(cat "$KAFKA_STATE/kafka.pid")"
  if ! kafka_wait "$pid" "$SERVICES_TIMEOUT" >/dev/null; then
    show_tail "$KAFKA_STATE/kafka.log"
    kill -0 "$pid" 2>/dev/null && stop_pid kafka "$pid" 10
    rm -f "$KAFKA_STATE/kafka.pid"
    die "Kafka did not become ready within ${SERVICES_TIMEOUT}s (log: $KAFKA_STATE/kafka.log)."
  fi
  KAFKA_TIME="$(elapsed "$t0")"
}

# ---------------------------------------------------------------------------------------------------------
# MinIO

minio_provision() {
  if [[ -x "$MINIO_BIN" ]]; then return 0; fi
  command -v go >/dev/null 2>&1 ||
    die "go is not installed: MinIO is built from source with \`go install\` (Go 1.24 or newer)."
  local t0 buildlog="$CACHE/minio-$MINIO_VERSION.build.log"
  t0="$(now_ms)"
  mkdir -p "$MINIO_HOME/bin"
  log "building MinIO $MINIO_VERSION with go install (once, several minutes; log: $buildlog)"
  if ! GOBIN="$MINIO_HOME/bin" GOFLAGS=-buildvcs=false \
    go install "github.com/minio/minio@$MINIO_VERSION" >"$buildlog" 2>&1; then
    show_tail "$buildlog" 30
    die "building MinIO failed (full log: $buildlog)." \
      "check that the Go module proxy is reachable, or pick another version with MINIO_VERSION=<module version>."
  fi
  MINIO_PROVISION_TIME="$(elapsed "$t0")"
  log "MinIO built: $MINIO_BIN ($MINIO_PROVISION_TIME)"
}

minio_credentials() {
  local file="$MINIO_STATE/credentials.env"
  mkdir -p "$MINIO_STATE"
  if [[ ! -f "$file" ]]; then
    (
      umask 077
      printf 'MINIO_ROOT_USER=st%s\nMINIO_ROOT_PASSWORD=%s\n' "$(random_hex 8)" "$(random_hex 20)" >"$file"
    )
  fi
  chmod 600 "$file"
  MINIO_ROOT_USER="$(sed -n 's/^MINIO_ROOT_USER=//p' "$file")"
  MINIO_ROOT_PASSWORD="$(sed -n 's/^MINIO_ROOT_PASSWORD=//p' "$file")"
  [[ -n "$MINIO_ROOT_USER" && -n "$MINIO_ROOT_PASSWORD" ]] || die "$file is damaged: delete it and run up again."
}

minio_wait() { # minio_wait PID TIMEOUT
  local pid="$1" deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    kill -0 "$pid" 2>/dev/null || return 2
    curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$MINIO_PORT/minio/health/live" && return 0
    sleep 0.2
  done
  return 1
}

minio_up() {
  local pid t0
  minio_credentials
  pid="$(pid_of minio)"
  if [[ -n "$pid" ]]; then
    t0="$(now_ms)"
    if ! minio_wait "$pid" 15; then
      show_tail "$MINIO_STATE/minio.log"
      die "MinIO (pid $pid) runs but is not healthy on 127.0.0.1:$MINIO_PORT; try \`npm run services:down\` then up."
    fi
    MINIO_TIME="$(elapsed "$t0") (already running, pid $pid)"
    return 0
  fi
  rm -f "$MINIO_STATE/minio.pid"
  minio_provision

  t0="$(now_ms)"
  mkdir -p "$MINIO_STATE/data"
  start_detached "$MINIO_STATE/minio.pid" "$MINIO_STATE/minio.log" \
    env MINIO_ROOT_USER="$MINIO_ROOT_USER" MINIO_ROOT_PASSWORD="$MINIO_ROOT_PASSWORD" \
    MINIO_UPDATE=off MINIO_BROWSER=on \
    "$MINIO_BIN" server --anonymous \
    --address "127.0.0.1:$MINIO_PORT" --console-address "127.0.0.1:$MINIO_CONSOLE_PORT" \
    "$MINIO_STATE/data"
  pid="$(cat "$MINIO_STATE/minio.pid")"
  if ! minio_wait "$pid" "$SERVICES_TIMEOUT"; then
    show_tail "$MINIO_STATE/minio.log"
    kill -0 "$pid" 2>/dev/null && stop_pid minio "$pid" 10
    rm -f "$MINIO_STATE/minio.pid"
    die "MinIO did not become healthy within ${SERVICES_TIMEOUT}s (log: $MINIO_STATE/minio.log)."
  fi
  MINIO_TIME="$(elapsed "$t0")"
}

minio_bucket() {
  if ! S3_ENDPOINT="http://127.0.0.1:$MINIO_PORT" S3_REGION="$S3_REGION" S3_BUCKET="$S3_BUCKET" \
    S3_ACCESS_KEY_ID="$MINIO_ROOT_USER" S3_SECRET_ACCESS_KEY="$MINIO_ROOT_PASSWORD" \
    node "$ROOT/scripts/ensure-bucket.mjs" >"$MINIO_STATE/bucket.log" 2>&1; then
    show_tail "$MINIO_STATE/bucket.log"
    die "could not create the bucket $S3_BUCKET (log: $MINIO_STATE/bucket.log)."
  fi
}

# ---------------------------------------------------------------------------------------------------------
# commands

write_env_file() {
  local tmp="$ENV_FILE.tmp"
  (
    umask 077
    cat >"$tmp" <<EOF
# Generated by scripts/services.sh up; read by test/integration/services.ts. Do not commit.
KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
S3_ENDPOINT=http://127.0.0.1:$MINIO_PORT
S3_REGION=$S3_REGION
S3_BUCKET=$S3_BUCKET
S3_ACCESS_KEY_ID=$MINIO_ROOT_USER
S3_SECRET_ACCESS_KEY=$MINIO_ROOT_PASSWORD
S3_FORCE_PATH_STYLE=true
EOF
  )
  chmod 600 "$tmp"
  mv -f "$tmp" "$ENV_FILE"
}

# Every check that can fail before anything is started, so that a missing tool or a taken port does not leave
# one service running and the other not.
preflight() {
  need_node_modules
  command -v curl >/dev/null 2>&1 || die "curl is not installed (Debian: apt-get install curl)."
  if [[ -z "$(pid_of kafka)" ]]; then
    need_java
    [[ -f "$KAFKA_HOME/.complete" ]] || command -v mvn >/dev/null 2>&1 ||
      die "mvn is not installed: it resolves the Kafka broker jars from Maven Central (Debian: apt-get install maven)."
    ensure_port_free "$KAFKA_PORT" "Kafka broker" KAFKA_PORT
    ensure_port_free "$KAFKA_CONTROLLER_PORT" "Kafka controller" KAFKA_CONTROLLER_PORT
  fi
  if [[ -z "$(pid_of minio)" ]]; then
    [[ -x "$MINIO_BIN" ]] || command -v go >/dev/null 2>&1 ||
      die "go is not installed: MinIO is built from source with \`go install\` (Go 1.24 or newer)."
    ensure_port_free "$MINIO_PORT" "MinIO S3 API" MINIO_PORT
    ensure_port_free "$MINIO_CONSOLE_PORT" "MinIO console" MINIO_CONSOLE_PORT
  fi
}

cmd_up() {
  local t0
  t0="$(now_ms)"
  mkdir -p "$STATE" "$KAFKA_STATE" "$MINIO_STATE" "$CACHE"
  preflight
  KAFKA_PROVISION_TIME="" MINIO_PROVISION_TIME=""
  kafka_up
  minio_up
  minio_bucket
  write_env_file
  log "up in $(elapsed "$t0")"
  printf '  %-6s %-28s %s\n' \
    kafka "127.0.0.1:$KAFKA_PORT" "start ${KAFKA_TIME}${KAFKA_PROVISION_TIME:+, jars resolved in $KAFKA_PROVISION_TIME} (Kafka $KAFKA_VERSION, log $KAFKA_STATE/kafka.log)" \
    minio "http://127.0.0.1:$MINIO_PORT" "start ${MINIO_TIME}${MINIO_PROVISION_TIME:+, built in $MINIO_PROVISION_TIME} (console http://127.0.0.1:$MINIO_CONSOLE_PORT, bucket $S3_BUCKET)"
  printf '  %-6s %s\n' env "$ENV_FILE (KAFKA_BROKERS, S3_*)"
}

cmd_down() {
  local name pid pids
  for name in kafka minio; do
    pids="$({ pid_of "$name"; stray_pids "$name"; } | sort -u)"
    for pid in $pids; do
      log "stopping $name (pid $pid)"
      # Kafka's controlled shutdown of a single node takes a few seconds.
      stop_pid "$name" "$pid" 30
    done
    rm -f "$STATE/$name/$name.pid"
  done
  # Throw-away data: the next `up` formats a fresh Kafka log dir and starts with an empty bucket store.
  rm -rf "$KAFKA_STATE/data" "$MINIO_STATE/data" "$ENV_FILE"
  log "down: no service running, data deleted (credentials kept in $MINIO_STATE/credentials.env)"
}

cmd_status() {
  local ok=0 pid
  pid="$(pid_of kafka)"
  if [[ -n "$pid" ]] && port_open "$KAFKA_PORT"; then
    printf '  %-6s running  pid %-8s 127.0.0.1:%s (Kafka %s)\n' kafka "$pid" "$KAFKA_PORT" "$KAFKA_VERSION"
  elif [[ -n "$pid" ]]; then
    printf '  %-6s starting pid %-8s 127.0.0.1:%s not answering yet\n' kafka "$pid" "$KAFKA_PORT"
    ok=1
  else
    printf '  %-6s stopped\n' kafka
    ok=1
  fi
  pid="$(pid_of minio)"
  if [[ -n "$pid" ]] && curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$MINIO_PORT/minio/health/live"; then
    printf '  %-6s running  pid %-8s http://127.0.0.1:%s (console :%s, bucket %s)\n' minio "$pid" "$MINIO_PORT" "$MINIO_CONSOLE_PORT" "$S3_BUCKET"
  elif [[ -n "$pid" ]]; then
    printf '  %-6s starting pid %-8s http://127.0.0.1:%s not healthy yet\n' minio "$pid" "$MINIO_PORT"
    ok=1
  else
    printf '  %-6s stopped\n' minio
    ok=1
  fi
  [[ -f "$ENV_FILE" ]] && printf '  %-6s %s\n' env "$ENV_FILE"
  return "$ok"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *)
    echo "usage: bash scripts/services.sh up|down|status" >&2
    exit 2
    ;;
esac
