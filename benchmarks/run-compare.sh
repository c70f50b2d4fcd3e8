#!/usr/bin/env bash
# Side-by-side throughput/latency: Apache Kafka's broker vs Weir's, on this machine, measured by the
# same PerfTool with the same kafka-clients. Each broker gets a fresh temp dir, RUNS runs of
# `PerfTool all` (each on its own topic, with a warm-up), and the medians are printed at the end.
#
# Usage: benchmarks/run-compare.sh            (from anywhere; runs from the repo root)
# Knobs (environment):
#   RECORDS=1000000 WARMUP_RECORDS=200000 RECORD_SIZE=1024 RUNS=3
#   KAFKA_PORT=39092 WEIR_PORT=39093 SKIP_BUILD=1 SKIP_KAFKA=1 SKIP_WEIR=1
#   BROKER_JAVA_OPTS=... (both brokers; Weir gets it as JAVA_OPTS)  CLIENT_JAVA_OPTS=...
#   PERF_EXTRA_ARGS="--producer-props ..."   extra PerfTool arguments for every run
#   QUIET_BUSY_PERCENT=20 QUIET_WAIT_S=180   wait for the shared machine to be this idle before a run
#   CLEAN_OTHER_S=10   runs where other processes used more CPU seconds than this are "disturbed"
#   WARMUP_RUNS=1      unrecorded runs first: a fresh broker burns ~15 extra CPU s in JIT on its first run
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

RECORDS=${RECORDS:-1000000}
WARMUP_RECORDS=${WARMUP_RECORDS:-200000}
RECORD_SIZE=${RECORD_SIZE:-1024}
RUNS=${RUNS:-3}
KAFKA_PORT=${KAFKA_PORT:-39092}
WEIR_PORT=${WEIR_PORT:-39093}
# Kafka's own kafka-server-start.sh / kafka-run-class.sh flags, with the heap raised to 2g.
BROKER_JAVA_OPTS=${BROKER_JAVA_OPTS:-"-Xms1g -Xmx2g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true"}
CLIENT_JAVA_OPTS=${CLIENT_JAVA_OPTS:-"-Xms512m -Xmx2g"}
PERF_EXTRA_ARGS=${PERF_EXTRA_ARGS:-}
QUIET_BUSY_PERCENT=${QUIET_BUSY_PERCENT:-20}
QUIET_WAIT_S=${QUIET_WAIT_S:-180}
CLEAN_OTHER_S=${CLEAN_OTHER_S:-10}
WARMUP_RUNS=${WARMUP_RUNS:-1}
WEIR_BIN=${WEIR_BIN:-$ROOT/bin/weir}

OUT="$ROOT/benchmarks/target/compare-$(date +%Y%m%d-%H%M%S)"
WORK=$(mktemp -d -t weir-compare-XXXXXX)
mkdir -p "$OUT"
BROKER_PID=""

log() { echo "[run-compare] $*" >&2; }

cleanup() {
  stop_broker
  rm -rf "$WORK"
}
trap cleanup EXIT

weir_present() { [[ -z "${SKIP_WEIR:-}" && -x "$WEIR_BIN" ]]; }

build() {
  local modules=benchmarks
  if weir_present; then modules=benchmarks,log-server; fi
  log "building $modules (mvn -B -q -DskipTests -Pkafka-reference -pl $modules -am package)"
  mvn -B -q -DskipTests -Pkafka-reference -pl "$modules" -am package
}

classpath() {
  local jar
  jar=$(ls benchmarks/target/benchmarks-*.jar | grep -v -e sources -e tests | head -1)
  echo "$jar:benchmarks/target/lib/*"
}

# Waits until a line matching $2 appears in log $1, the broker process dies, or $3 seconds pass.
await_log_line() {
  local file=$1 pattern=$2 seconds=$3
  for ((i = 0; i < seconds * 2; i++)); do
    grep -q "$pattern" "$file" 2>/dev/null && return 0
    kill -0 "$BROKER_PID" 2>/dev/null || { log "broker exited; log: $file"; tail -20 "$file" >&2; return 1; }
    sleep 0.5
  done
  log "broker not ready after ${seconds}s; log: $file"; tail -20 "$file" >&2; return 1
}

await_port() {
  local port=$1 seconds=$2
  for ((i = 0; i < seconds * 2; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "$BROKER_PID" 2>/dev/null || { log "broker exited"; return 1; }
    sleep 0.5
  done
  log "port $port not open after ${seconds}s"; return 1
}

broker_alive() {
  kill -0 "$BROKER_PID" 2>/dev/null && return 0
  wait "$BROKER_PID" 2>/dev/null
  log "broker (pid $BROKER_PID) is gone, exit status $?; see its log in $OUT"
  BROKER_PID=""
  return 1
}

stop_broker() {
  [[ -n "$BROKER_PID" ]] || return 0
  kill -TERM "$BROKER_PID" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do
    kill -0 "$BROKER_PID" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$BROKER_PID" 2>/dev/null || true
  wait "$BROKER_PID" 2>/dev/null || true
  BROKER_PID=""
}

start_kafka() {
  local log_file="$OUT/kafka-broker.log" started=$SECONDS
  log "starting Apache Kafka reference broker on 127.0.0.1:$KAFKA_PORT"
  # shellcheck disable=SC2086
  java $BROKER_JAVA_OPTS -cp "$(classpath)" dev.weir.bench.KafkaReferenceBroker \
    --port "$KAFKA_PORT" --dir "$WORK/kafka" >"$log_file" 2>&1 &
  BROKER_PID=$!
  await_log_line "$log_file" KAFKA-REFERENCE-READY 90
  log "kafka ready after $((SECONDS - started))s: $(grep KAFKA-REFERENCE-READY "$log_file")"
}

start_weir() {
  local log_file="$OUT/weir-broker.log" started=$SECONDS
  log "starting Weir on 127.0.0.1:$WEIR_PORT ($WEIR_BIN)"
  JAVA_OPTS="$BROKER_JAVA_OPTS" "$WEIR_BIN" server \
    --override "listeners=PLAINTEXT://127.0.0.1:$WEIR_PORT" \
    --override "log.dirs=$WORK/weir" >"$log_file" 2>&1 &
  BROKER_PID=$!
  await_port "$WEIR_PORT" 90
  log "weir port open after $((SECONDS - started))s"
}

# Busy CPU % of the whole machine over one second, from /proc/stat.
busy_percent() {
  local a b
  read -r -a a < <(head -1 /proc/stat)
  sleep 1
  read -r -a b < <(head -1 /proc/stat)
  local total=0 idle=$(((b[4] + b[5]) - (a[4] + a[5])))
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  echo $((total > 0 ? 100 * (total - idle) / total : 0))
}

# The machine is shared: before each run wait (up to QUIET_WAIT_S) for other work to calm down,
# since a concurrent build on 2 cores halves the figures.
await_quiet() {
  local waited=0 busy
  while busy=$(busy_percent); ((busy > QUIET_BUSY_PERCENT)); do
    if ((waited >= QUIET_WAIT_S)); then
      log "WARNING: machine still ${busy}% busy with other work after ${waited}s; figures may be low"
      return 0
    fi
    ((waited == 0)) && log "machine ${busy}% busy with other work; waiting up to ${QUIET_WAIT_S}s"
    sleep 4
    waited=$((waited + 5))
  done
}

# CPU ticks (1/100 s) used so far: by the whole machine, by the broker's process tree, and by
# this script's finished children (the PerfTool client). What is left is other people's work.
machine_ticks() { awk 'NR == 1 { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
broker_ticks() {
  local total=0 pid
  for pid in $BROKER_PID $(pgrep -P "$BROKER_PID" 2>/dev/null || true); do
    total=$((total + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
client_ticks() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }

# Runs `PerfTool all` WARMUP_RUNS times unrecorded, then RUNS times against $2, appending
# summaries to $OUT/$1.txt.
run_perf() {
  local label=$1 bootstrap=$2
  for ((run = 1; run <= WARMUP_RUNS; run++)); do
    log "$label warm-up run $run/$WARMUP_RUNS (not recorded)"
    # shellcheck disable=SC2086
    java $CLIENT_JAVA_OPTS -cp "$(classpath)" dev.weir.bench.PerfTool all \
      --bootstrap-server "$bootstrap" --topic "perf-warmup-$run" --records "$RECORDS" \
      --record-size "$RECORD_SIZE" --progress-interval-s 60 $PERF_EXTRA_ARGS >>"$OUT/$label-warmup.txt"
  done
  for ((run = 1; run <= RUNS; run++)); do
    await_quiet
    broker_alive || return 1
    log "$label run $run/$RUNS: $RECORDS records (+$WARMUP_RECORDS warm-up) of $RECORD_SIZE B"
    local m0 b0 c0
    m0=$(machine_ticks) b0=$(broker_ticks) c0=$(client_ticks)
    # shellcheck disable=SC2086
    java $CLIENT_JAVA_OPTS -cp "$(classpath)" dev.weir.bench.PerfTool all \
      --bootstrap-server "$bootstrap" --topic "perf-$run" \
      --records "$RECORDS" --warmup-records "$WARMUP_RECORDS" --record-size "$RECORD_SIZE" \
      --acks all --linger-ms 5 --batch-size 65536 --compression none --partitions 1 \
      --json $PERF_EXTRA_ARGS | tee -a "$OUT/$label.txt" || { broker_alive; return 1; }
    local machine=$(($(machine_ticks) - m0)) broker=$(($(broker_ticks) - b0)) client=$(($(client_ticks) - c0))
    echo "# run $run cpu seconds: client $((client / 100)), broker $((broker / 100)), other $(((machine - broker - client) / 100)) (other > a few s means a concurrent job skewed this run)" |
      tee -a "$OUT/$label.txt"
  done
}

# Median of JSON field $3 over phase $2's lines in file $1 (empty if absent).
median() {
  local file=$1 phase=$2 field=$3
  grep "^{\"phase\":\"$phase\"" "$file" | grep -o "\"$field\":[0-9.]*" | cut -d: -f2 | sort -g |
    awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# min..max of the same, to show run-to-run spread.
spread() {
  local file=$1 phase=$2 field=$3
  grep "^{\"phase\":\"$phase\"" "$file" | grep -o "\"$field\":[0-9.]*" | cut -d: -f2 | sort -g |
    awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%s..%s", lo, hi }'
}

# The JSON lines of runs whose "other" CPU stayed within CLEAN_OTHER_S.
undisturbed_runs() {
  awk -v limit="$CLEAN_OTHER_S" '
    /^\{/ { pending = pending $0 "\n"; next }
    /^# run .* cpu seconds:/ {
      for (i = 1; i <= NF; i++) if ($i == "other") other = $(i + 1)
      if (other + 0 <= limit) printf "%s", pending
      pending = ""
    }' "$1"
}

report() {
  local label=$1 file="$OUT/$1.txt" clean="$OUT/$1-undisturbed.txt"
  [[ -s "$file" ]] || { echo "$label: no results"; return; }
  undisturbed_runs "$file" >"$clean"
  echo "== $label ($RUNS runs) =="
  grep -v '^{' "$file"
  echo "-- all $RUNS runs: median [min..max] --"
  medians "$file"
  echo "-- $(grep -c '"phase":"produce"' "$clean") undisturbed runs (other CPU <= ${CLEAN_OTHER_S}s): median [min..max] --"
  medians "$clean"
}

medians() {
  local file=$1
  [[ -s "$file" ]] || { echo "(none)"; return; }
  printf 'produce median: %s rec/s [%s], %s MB/s [%s], latency ms p50 %s p99 %s p99.9 %s\n' \
    "$(median "$file" produce recordsPerSec)" "$(spread "$file" produce recordsPerSec)" \
    "$(median "$file" produce mbPerSec)" "$(spread "$file" produce mbPerSec)" \
    "$(median "$file" produce latencyP50Ms)" "$(median "$file" produce latencyP99Ms)" \
    "$(median "$file" produce latencyP999Ms)"
  printf 'consume median: %s rec/s [%s], %s MB/s [%s]\n' \
    "$(median "$file" consume recordsPerSec)" "$(spread "$file" consume recordsPerSec)" \
    "$(median "$file" consume mbPerSec)" "$(spread "$file" consume mbPerSec)"
}

main() {
  {
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
      "$(free -h | awk '/Mem:/ { print $2 }') RAM"
    java -version 2>&1 | head -1
  } | tee "$OUT/machine.txt" >&2

  [[ -n "${SKIP_BUILD:-}" ]] || build

  if [[ -z "${SKIP_KAFKA:-}" ]]; then
    start_kafka
    run_perf kafka "127.0.0.1:$KAFKA_PORT"
    stop_broker
  fi

  if weir_present; then
    start_weir
    run_perf weir "127.0.0.1:$WEIR_PORT"
    stop_broker
  else
    log "skipping Weir: $WEIR_BIN not found or not executable (or SKIP_WEIR set)"
  fi

  echo
  for label in kafka weir; do
    if [[ -s "$OUT/$label.txt" ]]; then report "$label" | tee "$OUT/$label-summary.txt"; fi
  done
  log "results and broker logs in $OUT"
}

main "$@"
