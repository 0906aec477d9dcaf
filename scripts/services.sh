#!/usr/bin/env bash
# Real local services for the integration tests, without Docker:
#   - Apache Kafka (KRaft, one combined broker + controller node), jars resolved from Maven Central with mvn,
#     with two client listeners: PLAINTEXT on KAFKA_PORT, and SASL_SSL (SCRAM-SHA-512 and SCRAM-SHA-256 over
#     TLS) on KAFKA_SASL_PORT, so tests can run against a secured broker and a plain one at once;
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
# The secured listener is throw-away, made at `up` when absent (in .services/kafka, private files mode 600):
#   - tls/: with openssl, a CA (ca.pem, ca.key) and a broker certificate for 127.0.0.1 and localhost signed by
#     it, valid 30 days (renewed at `up` when it expires within a day); the broker reads key + chain as a PEM
#     keystore (ssl.keystore.type=PEM, no JKS);
#   - sasl.env: the SCRAM user `streamtrain` with a random password, given both mechanisms when `kafka-storage
#     format --add-scram` formats the log dir (or, for a log dir formatted before, by kafka-configs once the
#     broker runs). Those tools take the password on their command line, visible to `ps` for the seconds
#     they run: fine for a throw-away local user, not a pattern for real ones.
# `up` waits until a client logs in over SASL_SSL, then writes KAFKA_SASL_BROKERS, KAFKA_SASL_USERNAME,
# KAFKA_SASL_PASSWORD, KAFKA_SASL_MECHANISM (scram-sha-512) and KAFKA_CA_FILE (the CA's PEM) to services.env.
# `down` deletes the TLS material and the SCRAM user with the Kafka data; the next `up` makes new ones.
#
# Settings (environment): KAFKA_VERSION, KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), KAFKA_SASL_PORT
# (9094), KAFKA_HEAP_OPTS,
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
KAFKA_SASL_PORT="${KAFKA_SASL_PORT:-9094}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx512m -Xms128m}"
KAFKA_HOME="$CACHE/kafka-$KAFKA_VERSION"
KAFKA_TOOLS_JAR="$KAFKA_HOME/libs/kafka-tools-$KAFKA_VERSION.jar"
KAFKA_STATE="$STATE/kafka"
KAFKA_TLS="$KAFKA_STATE/tls"
KAFKA_SASL_ENV="$KAFKA_STATE/sasl.env"
# The mechanism services.env names; the user has SCRAM-SHA-256 credentials as well.
KAFKA_SASL_MECHANISM=scram-sha-512

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

# The jars of scripts/kafka/pom.xml in $KAFKA_HOME/libs: the broker, and the kafka-tools jar the throughput
# benchmark runs (ConsumerPerformance). Maven checks every download against the checksum Maven Central publishes
# for it and fails on a mismatch (--strict-checksums). A cache resolved before kafka-tools joined the list only
# gets the missing jars added (nothing is deleted under a broker that may run from it).
kafka_provision() {
  if [[ -f "$KAFKA_HOME/.complete" && -f "$KAFKA_TOOLS_JAR" ]]; then return 0; fi
  command -v mvn >/dev/null 2>&1 ||
    die "mvn is not installed: it resolves the Kafka broker jars from Maven Central (Debian: apt-get install maven)."
  local t0 buildlog="$CACHE/kafka-$KAFKA_VERSION.mvn.log"
  t0="$(now_ms)"
  mkdir -p "$CACHE"
  [[ -f "$KAFKA_HOME/.complete" ]] || rm -rf "$KAFKA_HOME"
  log "resolving Kafka $KAFKA_VERSION jars with Maven (once; log: $buildlog)"
  if ! mvn -B -q --strict-checksums -f "$ROOT/scripts/kafka/pom.xml" \
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
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_SSL://127.0.0.1:$KAFKA_SASL_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
# Clients of the SASL_SSL listener log in with SCRAM (users: see sasl.env); TLS with a throw-away CA (tls/).
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PEM
listener.name.sasl_ssl.ssl.keystore.location=$KAFKA_TLS/broker-keystore.pem
listener.name.sasl_ssl.ssl.client.auth=none
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

# The throw-away CA and the broker's certificate (127.0.0.1, localhost) in $KAFKA_TLS, made when absent or when
# the certificate expires within a day. broker-keystore.pem (key + chain) is what the broker reads.
kafka_tls() {
  if [[ -s "$KAFKA_TLS/ca.pem" && -s "$KAFKA_TLS/broker-keystore.pem" ]] &&
    openssl x509 -checkend 86400 -noout -in "$KAFKA_TLS/broker.pem" >/dev/null 2>&1; then
    return 0
  fi
  command -v openssl >/dev/null 2>&1 ||
    die "openssl is not installed: it makes the test CA of the SASL_SSL listener (Debian: apt-get install openssl)."
  rm -rf "$KAFKA_TLS"
  mkdir -p "$KAFKA_TLS"
  chmod 700 "$KAFKA_TLS"
  if ! (
    set -e
    umask 077
    cd "$KAFKA_TLS"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -keyout ca.key -out ca.pem \
      -subj "/CN=streamtrain throw-away test CA $(random_hex 4)" \
      -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign'
    openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout broker.key -out broker.csr -subj '/CN=localhost'
    printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
      'extendedKeyUsage=serverAuth' 'subjectAltName=IP:127.0.0.1,DNS:localhost' >broker.ext
    openssl x509 -req -sha256 -days 30 -in broker.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(random_hex 8)" \
      -extfile broker.ext -out broker.pem
    # PKCS#8 key, then the chain: the layout of a Kafka PEM keystore (ssl.keystore.type=PEM).
    cat broker.key broker.pem ca.pem >broker-keystore.pem
    rm -f broker.csr broker.ext
    chmod 644 ca.pem
  ) >"$KAFKA_STATE/tls.log" 2>&1; then
    show_tail "$KAFKA_STATE/tls.log"
    die "making the test CA and broker certificate with openssl failed (log: $KAFKA_STATE/tls.log)."
  fi
}

# The SCRAM user of the SASL_SSL listener: KAFKA_SASL_USERNAME and a random KAFKA_SASL_PASSWORD, kept in
# $KAFKA_SASL_ENV (mode 600) until `down`.
kafka_sasl_credentials() {
  if [[ ! -f "$KAFKA_SASL_ENV" ]]; then
    (
      umask 077
      printf 'KAFKA_SASL_USERNAME=streamtrain\nKAFKA_SASL_PASSWORD=%s\n' "$(random_hex 24)" >"$KAFKA_SASL_ENV"
    )
  fi
  chmod 600 "$KAFKA_SASL_ENV"
  KAFKA_SASL_USERNAME="$(sed -n 's/^KAFKA_SASL_USERNAME=//p' "$KAFKA_SASL_ENV")"
  KAFKA_SASL_PASSWORD="$(sed -n 's/^KAFKA_SASL_PASSWORD=//p' "$KAFKA_SASL_ENV")"
  # Letters, digits, '-' and '_' only: the values go into kafka-storage's `[name=...,password=...]` syntax.
  [[ "$KAFKA_SASL_USERNAME" =~ ^[A-Za-z0-9_-]+$ && "$KAFKA_SASL_PASSWORD" =~ ^[A-Za-z0-9_-]+$ ]] ||
    die "$KAFKA_SASL_ENV is damaged: delete it and run up again."
}

# Marks which credentials the broker's metadata holds: a hash of sasl.env (not the password itself).
kafka_scram_mark() { sha256sum "$KAFKA_SASL_ENV" | cut -d' ' -f1; }

# kafka_scram_args: the kafka-storage format arguments that create the SCRAM user with both mechanisms.
kafka_scram_args() {
  local m
  KAFKA_SCRAM_ARGS=()
  for m in SCRAM-SHA-512 SCRAM-SHA-256; do
    KAFKA_SCRAM_ARGS+=(--add-scram "$m=[name=$KAFKA_SASL_USERNAME,password=$KAFKA_SASL_PASSWORD]")
  done
}

# A broker that runs (or a log dir formatted) without the current SCRAM user gets it through the admin API
# (one mechanism per request: Kafka refuses two changes of one user's credentials in a request). The tool
# echoes its arguments on failure, so its log is shown with the password masked.
kafka_scram_ensure() {
  local mark m
  mark="$(kafka_scram_mark)"
  [[ "$(cat "$KAFKA_STATE/scram.mark" 2>/dev/null || true)" == "$mark" ]] && return 0
  kafka_java_cmd
  for m in SCRAM-SHA-512 SCRAM-SHA-256; do
    if ! "${KAFKA_JAVA[@]}" kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" --alter \
      --entity-type users --entity-name "$KAFKA_SASL_USERNAME" --add-config "$m=[password=$KAFKA_SASL_PASSWORD]" \
      >"$KAFKA_STATE/scram.log" 2>&1; then
      sed -i "s/$KAFKA_SASL_PASSWORD/***/g" "$KAFKA_STATE/scram.log"
      show_tail "$KAFKA_STATE/scram.log" 15
      die "creating the $m credential of the SCRAM user $KAFKA_SASL_USERNAME failed (log: $KAFKA_STATE/scram.log)."
    fi
  done
  rm -f "$KAFKA_STATE/scram.log"
  echo "$mark" >"$KAFKA_STATE/scram.mark"
}

# kafka_sasl_up PID TIMEOUT: waits until a client logs in over SASL_SSL. Sets KAFKA_SASL_READY=1, or leaves it
# 0 with a warning when the running broker was started without that listener (by an older services.sh).
kafka_sasl_up() {
  KAFKA_SASL_READY=0
  if ! grep -q '^listeners=.*SASL_SSL://' "$KAFKA_STATE/server.properties" 2>/dev/null; then
    warn "the running Kafka has no SASL_SSL listener (started by an older services.sh): the secured-broker" \
      "tests need \`npm run services:down\` then \`npm run services:up\`."
    return 0
  fi
  kafka_scram_ensure
  local rc=0
  KAFKA_SASL_USERNAME="$KAFKA_SASL_USERNAME" KAFKA_SASL_PASSWORD="$KAFKA_SASL_PASSWORD" \
    KAFKA_SASL_MECHANISM="$KAFKA_SASL_MECHANISM" node "$ROOT/scripts/wait-kafka.mjs" --sasl \
    --brokers "127.0.0.1:$KAFKA_SASL_PORT" --ca "$KAFKA_TLS/ca.pem" --timeout "$2" --pid "$1" \
    >"$KAFKA_STATE/sasl-wait.log" 2>&1 || rc=$?
  if ((rc != 0)); then
    cat "$KAFKA_STATE/sasl-wait.log" >&2
    show_tail "$KAFKA_STATE/kafka.log"
    die "Kafka's SASL_SSL listener 127.0.0.1:$KAFKA_SASL_PORT did not accept $KAFKA_SASL_USERNAME within ${2}s." \
      "try \`npm run services:down\` then up (that makes a new CA and SCRAM user)."
  fi
  KAFKA_SASL_READY=1
}

kafka_up() {
  local pid t0
  kafka_sasl_credentials
  pid="$(pid_of kafka)"
  if [[ -n "$pid" ]]; then
    kafka_provision
    t0="$(now_ms)"
    if ! kafka_wait "$pid" 30 >/dev/null; then
      show_tail "$KAFKA_STATE/kafka.log"
      die "Kafka (pid $pid) runs but does not answer on 127.0.0.1:$KAFKA_PORT; try \`npm run services:down\` then up."
    fi
    kafka_sasl_up "$pid" 30
    KAFKA_TIME="$(elapsed "$t0") (already running, pid $pid)"
    return 0
  fi
  rm -f "$KAFKA_STATE/kafka.pid"
  kafka_provision
  kafka_tls

  t0="$(now_ms)"
  kafka_write_config
  kafka_java_cmd
  if [[ ! -f "$KAFKA_STATE/data/meta.properties" ]]; then
    local cluster_id
    cluster_id="$(random_cluster_id)"
    kafka_scram_args
    if ! "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format --standalone "${KAFKA_SCRAM_ARGS[@]}" \
      --cluster-id "$cluster_id" --config "$KAFKA_STATE/server.properties" >"$KAFKA_STATE/format.log" 2>&1; then
      sed -i "s/$KAFKA_SASL_PASSWORD/***/g" "$KAFKA_STATE/format.log"
      show_tail "$KAFKA_STATE/format.log"
      die "formatting the Kafka storage failed (log: $KAFKA_STATE/format.log)."
    fi
    kafka_scram_mark >"$KAFKA_STATE/scram.mark"
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
  kafka_sasl_up "$pid" "$SERVICES_TIMEOUT"
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
KAFKA_VERSION=$KAFKA_VERSION
KAFKA_LIBS=$KAFKA_HOME/libs
S3_ENDPOINT=http://127.0.0.1:$MINIO_PORT
S3_REGION=$S3_REGION
S3_BUCKET=$S3_BUCKET
S3_ACCESS_KEY_ID=$MINIO_ROOT_USER
S3_SECRET_ACCESS_KEY=$MINIO_ROOT_PASSWORD
S3_FORCE_PATH_STYLE=true
EOF
    if ((KAFKA_SASL_READY)); then
      cat >>"$tmp" <<EOF
KAFKA_SASL_BROKERS=127.0.0.1:$KAFKA_SASL_PORT
KAFKA_SASL_USERNAME=$KAFKA_SASL_USERNAME
KAFKA_SASL_PASSWORD=$KAFKA_SASL_PASSWORD
KAFKA_SASL_MECHANISM=$KAFKA_SASL_MECHANISM
KAFKA_CA_FILE=$KAFKA_TLS/ca.pem
EOF
    fi
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
    ensure_port_free "$KAFKA_SASL_PORT" "Kafka SASL_SSL listener" KAFKA_SASL_PORT
    command -v openssl >/dev/null 2>&1 ||
      die "openssl is not installed: it makes the test CA of the SASL_SSL listener (Debian: apt-get install openssl)."
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
  KAFKA_PROVISION_TIME="" MINIO_PROVISION_TIME="" KAFKA_SASL_READY=0
  kafka_up
  minio_up
  minio_bucket
  write_env_file
  log "up in $(elapsed "$t0")"
  printf '  %-6s %-28s %s\n' \
    kafka "127.0.0.1:$KAFKA_PORT" "start ${KAFKA_TIME}${KAFKA_PROVISION_TIME:+, jars resolved in $KAFKA_PROVISION_TIME} (Kafka $KAFKA_VERSION, log $KAFKA_STATE/kafka.log)" \
    "" "127.0.0.1:$KAFKA_SASL_PORT" "$( ((KAFKA_SASL_READY)) && echo "SASL_SSL, SCRAM-SHA-512/256 user $KAFKA_SASL_USERNAME, CA $KAFKA_TLS/ca.pem" ||
      echo 'no SASL_SSL listener: the broker runs from an older services.sh (down, then up)')" \
    minio "http://127.0.0.1:$MINIO_PORT" "start ${MINIO_TIME}${MINIO_PROVISION_TIME:+, built in $MINIO_PROVISION_TIME} (console http://127.0.0.1:$MINIO_CONSOLE_PORT, bucket $S3_BUCKET)"
  printf '  %-6s %s\n' env "$ENV_FILE (KAFKA_BROKERS, KAFKA_SASL_*, KAFKA_CA_FILE, S3_*)"
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
  # The SASL_SSL listener's CA, certificate and SCRAM user are throw-away too.
  rm -rf "$KAFKA_STATE/data" "$KAFKA_STATE/scram.mark" "$KAFKA_TLS" "$KAFKA_SASL_ENV" "$MINIO_STATE/data" "$ENV_FILE"
  log "down: no service running, data, test CA and SCRAM user deleted (MinIO credentials kept in $MINIO_STATE/credentials.env)"
}

cmd_status() {
  local ok=0 pid
  pid="$(pid_of kafka)"
  if [[ -n "$pid" ]] && port_open "$KAFKA_PORT"; then
    printf '  %-6s running  pid %-8s 127.0.0.1:%s (Kafka %s)\n' kafka "$pid" "$KAFKA_PORT" "$KAFKA_VERSION"
    if port_open "$KAFKA_SASL_PORT"; then
      printf '  %-6s                       127.0.0.1:%s (SASL_SSL)\n' '' "$KAFKA_SASL_PORT"
    fi
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
