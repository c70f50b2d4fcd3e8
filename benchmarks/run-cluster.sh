#!/usr/bin/env bash
# Weir as a 3-broker cluster (RF=3, acks=all) beside a single Weir broker, on this machine, measured by the
# same PerfTool as run-compare.sh with the same producer settings; then leader failover after kill -9.
#
#   1. single broker (bin/weir server), unless SKIP_SINGLE=1: WARMUP_RUNS unrecorded + RUNS x `PerfTool all`
#      (RF 1), then LATENCY_RUNS x `PerfTool produce --throughput LATENCY_RATE`
#   2. `bin/weir cluster --brokers 3 --keep-running` on BASE_PORT.. / CLUSTER_BASE_PORT..: the same runs with
#      --replication-factor 3 --acks all
#   3. FAILOVER_ROUNDS x `PerfTool failover` (FAILOVER_RATE rec/s, acks=all, idempotent, RF 3,
#      min.insync.replicas 2): kills the partition leader with kill -9 $(cat DIR/broker-N.pid), then this
#      script restarts that broker with `bin/weir server` and the options the launcher gave it, and waits
#      (`PerfTool await-isr`) until every partition has its full ISR again. Rounds alternate between a leader
#      that is not the controller and one that is (FAILOVER_ROLES).
#   4. medians (all runs, and runs not disturbed by other jobs) and every failover round.
#
# Usage: benchmarks/run-cluster.sh      (from anywhere; runs from the repo root)
# Knobs (environment):
#   RECORDS=500000 WARMUP_RECORDS=100000 RECORD_SIZE=1024 RUNS=3 WARMUP_RUNS=1
#   LATENCY_RUNS=2 LATENCY_RECORDS=300000 LATENCY_WARMUP_RECORDS=50000 LATENCY_RATE=20000
#   FAILOVER_ROUNDS=6 FAILOVER_RATE=2000 FAILOVER_WARMUP_S=10 FAILOVER_AFTER_S=5
#   FAILOVER_ROLES="not_controller controller"   cycled over the rounds (any|controller|not_controller)
#   FAILOVER_FRESH_CLUSTER=1   each round after the first on a new cluster (new DIR) instead of the one with the
#      restarted broker: a broker restarted after kill -9 is dropped from the CP subsystem again by the
#      controller (see docs/benchmarks.md), so a second kill can leave the cluster without a controller
#   CLUSTER_OVERRIDES="broker.session.timeout.ms=3000 ..."   extra broker configs, every broker (and restarts)
#   SINGLE_PORT=39290 BASE_PORT=39292 CLUSTER_BASE_PORT=39392
#   BROKER_HEAP_OPTS="-Xms1g -Xmx2g" BROKER_JVM_OPTS="<Kafka's start-script G1 flags>"  (each broker)
#   CLIENT_JAVA_OPTS="-Xms512m -Xmx2g"
#   SKIP_BUILD=1 SKIP_SINGLE=1 SKIP_THROUGHPUT=1 SKIP_LATENCY=1 SKIP_FAILOVER=1
#   QUIET_BUSY_PERCENT=20 QUIET_WAIT_S=180   wait for the shared machine to be this idle before each run
#   CLEAN_OTHER_S=10   runs where other processes used more CPU seconds than this are "disturbed"
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

RECORDS=${RECORDS:-500000}
WARMUP_RECORDS=${WARMUP_RECORDS:-100000}
RECORD_SIZE=${RECORD_SIZE:-1024}
RUNS=${RUNS:-3}
WARMUP_RUNS=${WARMUP_RUNS:-1}
LATENCY_RUNS=${LATENCY_RUNS:-2}
LATENCY_RECORDS=${LATENCY_RECORDS:-300000}
LATENCY_WARMUP_RECORDS=${LATENCY_WARMUP_RECORDS:-50000}
LATENCY_RATE=${LATENCY_RATE:-20000}
FAILOVER_ROUNDS=${FAILOVER_ROUNDS:-6}
FAILOVER_RATE=${FAILOVER_RATE:-2000}
FAILOVER_WARMUP_S=${FAILOVER_WARMUP_S:-10}
FAILOVER_AFTER_S=${FAILOVER_AFTER_S:-5}
FAILOVER_ROLES=${FAILOVER_ROLES:-"not_controller controller"}
FAILOVER_FRESH_CLUSTER=${FAILOVER_FRESH_CLUSTER:-}
CLUSTER_OVERRIDES=${CLUSTER_OVERRIDES:-}
SINGLE_PORT=${SINGLE_PORT:-39290}
BASE_PORT=${BASE_PORT:-39292}
CLUSTER_BASE_PORT=${CLUSTER_BASE_PORT:-39392}
BROKER_HEAP_OPTS=${BROKER_HEAP_OPTS:-"-Xms1g -Xmx2g"}
# Kafka's own kafka-server-start.sh / kafka-run-class.sh flags (heap above), as run-compare.sh gives both brokers.
BROKER_JVM_OPTS=${BROKER_JVM_OPTS:-"-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true"}
CLIENT_JAVA_OPTS=${CLIENT_JAVA_OPTS:-"-Xms512m -Xmx2g"}
QUIET_BUSY_PERCENT=${QUIET_BUSY_PERCENT:-20}
QUIET_WAIT_S=${QUIET_WAIT_S:-180}
CLEAN_OTHER_S=${CLEAN_OTHER_S:-10}
WEIR_BIN="$ROOT/bin/weir"

OUT="$ROOT/benchmarks/target/cluster-$(date +%Y%m%d-%H%M%S)"
WORK=$(mktemp -d -t weir-cluster-bench-XXXXXX)
DIR="$WORK/cluster"
mkdir -p "$OUT" "$DIR"
SINGLE_PID=""
LAUNCHER_PID=""
SAMPLER_PID=""
BOOTSTRAP="127.0.0.1:$BASE_PORT,127.0.0.1:$((BASE_PORT + 1)),127.0.0.1:$((BASE_PORT + 2))"
MEMBERS="127.0.0.1:$CLUSTER_BASE_PORT,127.0.0.1:$((CLUSTER_BASE_PORT + 1)),127.0.0.1:$((CLUSTER_BASE_PORT + 2))"

log() { echo "[run-cluster $(date +%H:%M:%S)] $*" >&2; }

override_args() {
  local o
  for o in $CLUSTER_OVERRIDES; do printf -- '--override\n%s\n' "$o"; done
}

cleanup() {
  set +e
  stop_sampler
  stop_pid "$SINGLE_PID"
  stop_cluster
  rm -rf "$WORK"
}
trap cleanup EXIT

# SIGTERM, wait up to 30 s, then SIGKILL. Works for processes that are not our children (restarted brokers).
stop_pid() {
  local pid=$1
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

classpath() {
  local jar
  jar=$(ls benchmarks/target/benchmarks-*.jar | grep -v -e sources -e tests | head -1)
  echo "$jar:benchmarks/target/lib/*"
}

perf() {
  # shellcheck disable=SC2086
  java $CLIENT_JAVA_OPTS -cp "$(classpath)" dev.weir.bench.PerfTool "$@"
}

# ---- the machine is shared: quiet-machine wait and CPU accounting (as run-compare.sh) ----

busy_percent() {
  local a b
  read -r -a a < <(head -1 /proc/stat)
  sleep 1
  read -r -a b < <(head -1 /proc/stat)
  local total=0 idle=$(((b[4] + b[5]) - (a[4] + a[5])))
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  echo $((total > 0 ? 100 * (total - idle) / total : 0))
}

await_quiet() {
  local waited=0 busy
  while busy=$(busy_percent); ((busy > QUIET_BUSY_PERCENT)); do
    if ((waited >= QUIET_WAIT_S)); then
      log "WARNING: machine still ${busy}% busy with other work after ${waited}s; running anyway, figures may be low"
      return 0
    fi
    ((waited == 0)) && log "machine ${busy}% busy with other work; waiting up to ${QUIET_WAIT_S}s"
    sleep 4
    waited=$((waited + 5))
  done
  ((waited == 0)) || log "machine quiet (${busy}% busy) after ${waited}s"
}

machine_ticks() { awk 'NR == 1 { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
client_ticks() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }

# Every broker JVM: the single broker, the launcher and its children, restarted brokers (pid files).
broker_pids() {
  local f
  echo $SINGLE_PID $LAUNCHER_PID
  [[ -n "$LAUNCHER_PID" ]] && pgrep -P "$LAUNCHER_PID" 2>/dev/null
  for f in "$DIR"/broker-*.pid; do [[ -f "$f" ]] && cat "$f"; done
  true
}

# Samples each broker JVM's own CPU ticks (utime + stime, no children: the launcher's children are
# sampled themselves) every second, so a broker killed mid-run still counts up to its last sample.
start_sampler() {
  local file=$1
  : >"$file"
  (
    local pid f
    while true; do
      for pid in $(broker_pids | sort -u); do
        { read -r -a f <"/proc/$pid/stat"; } 2>/dev/null && echo "$pid $((f[13] + f[14]))"
      done >>"$file"
      sleep 1
    done
  ) &
  SAMPLER_PID=$!
}

stop_sampler() {
  [[ -n "$SAMPLER_PID" ]] || return 0
  kill "$SAMPLER_PID" 2>/dev/null || true
  wait "$SAMPLER_PID" 2>/dev/null || true
  SAMPLER_PID=""
}

# Broker ticks over a sampled run: per pid, last sample minus first.
sampled_broker_ticks() {
  awk '{ if (!($1 in lo)) lo[$1] = $2; hi[$1] = $2 } END { t = 0; for (p in lo) t += hi[p] - lo[p]; print t }' "$1"
}

# Runs "$@" (a PerfTool command line) with CPU accounting; appends its stdout and a "# run ... cpu" line to $1.
measured() {
  local file=$1 label=$2
  shift 2
  local m0 c0 samples="$OUT/.samples"
  await_quiet
  log "$label"
  m0=$(machine_ticks) c0=$(client_ticks)
  start_sampler "$samples"
  local status=0
  perf "$@" | tee -a "$file" || status=$?
  stop_sampler
  local machine=$(($(machine_ticks) - m0)) broker client=$(($(client_ticks) - c0))
  broker=$(sampled_broker_ticks "$samples")
  echo "# run $label cpu seconds: client $((client / 100)), broker $((broker / 100)), other $(((machine - broker - client) / 100)) (other > a few s means a concurrent job skewed this run)" |
    tee -a "$file"
  return $status
}

# ---- brokers ----

await_line() {
  local file=$1 pattern=$2 seconds=$3 pid=$4
  for ((i = 0; i < seconds * 2; i++)); do
    grep -q "$pattern" "$file" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { log "process $pid exited; last lines of $file:"; tail -30 "$file" >&2; return 1; }
    sleep 0.5
  done
  log "'$pattern' not in $file after ${seconds}s; last lines:"; tail -30 "$file" >&2; return 1
}

start_single() {
  local log_file="$OUT/single-broker.log" started=$SECONDS
  log "starting a single Weir broker on 127.0.0.1:$SINGLE_PORT"
  # shellcheck disable=SC2046
  WEIR_HEAP_OPTS="$BROKER_HEAP_OPTS" WEIR_JVM_OPTS="$BROKER_JVM_OPTS" "$WEIR_BIN" server \
    --override "listeners=PLAINTEXT://127.0.0.1:$SINGLE_PORT" --override "log.dirs=$WORK/single" \
    $(override_args) >"$log_file" 2>&1 &
  SINGLE_PID=$!
  await_line "$log_file" "ready on" 120 "$SINGLE_PID"
  log "single broker ready after $((SECONDS - started))s"
}

start_cluster() {
  local log_file="$OUT/cluster-$(basename "$DIR").log" started=$SECONDS
  log "starting: bin/weir cluster --brokers 3 --dir $DIR --base-port $BASE_PORT --cluster-base-port $CLUSTER_BASE_PORT --keep-running $(override_args | tr '\n' ' ')"
  # shellcheck disable=SC2046
  WEIR_HEAP_OPTS="$BROKER_HEAP_OPTS" WEIR_JVM_OPTS="$BROKER_JVM_OPTS" "$WEIR_BIN" cluster --brokers 3 \
    --dir "$DIR" --base-port "$BASE_PORT" --cluster-base-port "$CLUSTER_BASE_PORT" --keep-running \
    $(override_args) >"$log_file" 2>&1 &
  LAUNCHER_PID=$!
  await_line "$log_file" "all 3 brokers ready" 240 "$LAUNCHER_PID"
  log "cluster ready after $((SECONDS - started))s: $(grep 'all 3 brokers ready' "$log_file")"
}

# Restarts broker $1 as `bin/weir server` with exactly the options the launcher gave it (ClusterCommand's
# BrokerPlan.serverArgs), detached (not our child, so its CPU is never billed to the client), and writes
# its pid to DIR/broker-$1.pid for the next kill.
restart_broker() {
  local n=$1 round=$2 log_file="$OUT/broker-$1-restart-$2.log" started=$SECONDS
  log "restarting broker $n: bin/weir server --override node.id=$n --override cluster.listen=127.0.0.1:$((CLUSTER_BASE_PORT + n - 1)) --override cluster.members=$MEMBERS --override listeners=PLAINTEXT://127.0.0.1:$((BASE_PORT + n - 1)) --override log.dirs=$DIR/broker-$n $(override_args | tr '\n' ' ')"
  # shellcheck disable=SC2046
  (
    WEIR_HEAP_OPTS="$BROKER_HEAP_OPTS" WEIR_JVM_OPTS="$BROKER_JVM_OPTS" setsid "$WEIR_BIN" server \
      --override "node.id=$n" --override "cluster.listen=127.0.0.1:$((CLUSTER_BASE_PORT + n - 1))" \
      --override "cluster.members=$MEMBERS" --override "listeners=PLAINTEXT://127.0.0.1:$((BASE_PORT + n - 1))" \
      --override "log.dirs=$DIR/broker-$n" $(override_args) >"$log_file" 2>&1 </dev/null &
    echo $! >"$DIR/broker-$n.pid"
  )
  local pid
  pid=$(cat "$DIR/broker-$n.pid")
  await_line "$log_file" "Weir broker $n ready on" 180 "$pid" || return 1
  local ready=$((SECONDS - started))
  local isr
  isr=$(perf await-isr --bootstrap-server "$BOOTSTRAP" --brokers 3 --timeout-s 300) || { log "ISR not complete: $isr"; return 1; }
  log "broker $n (pid $pid) ready ${ready}s after restart; $isr"
  echo "# restart round $round broker $n: ready after ${ready}s, $isr, total $((SECONDS - started))s" >>"$OUT/failover.txt"
  # The ISR is back, but is the broker back in the CP subsystem (controller lock, metadata)? Give the
  # controller's clean-up a few seconds to run, then look for the broker's own warning.
  sleep 10
  if grep -q "was removed from the CP subsystem" "$log_file"; then
    log "WARNING: restarted broker $n was removed from the CP subsystem again: $(grep -m1 'was removed from the CP subsystem' "$log_file" | cut -c1-200)"
    echo "# restart round $round broker $n: WARNING: removed from the CP subsystem again after its restart (CP now short of a member)" >>"$OUT/failover.txt"
  fi
}

# Restarts every cluster broker whose pid file is missing or names a dead process.
restart_dead_brokers() {
  local round=$1 n pid
  for n in 1 2 3; do
    pid=$(cat "$DIR/broker-$n.pid" 2>/dev/null || true)
    if [[ -z "$pid" ]] || ! kill -0 "$pid" 2>/dev/null; then
      restart_broker "$n" "$round" || return 1
    fi
  done
}

stop_cluster() {
  local n pid
  # Restarted brokers are not the launcher's: stop them ourselves.
  for n in 1 2 3; do
    pid=$(cat "$DIR/broker-$n.pid" 2>/dev/null || true)
    if [[ -n "$pid" && -n "$LAUNCHER_PID" ]] && ! pgrep -P "$LAUNCHER_PID" 2>/dev/null | grep -qx "$pid"; then
      stop_pid "$pid"
      rm -f "$DIR/broker-$n.pid"
    fi
  done
  stop_pid "$LAUNCHER_PID"
  LAUNCHER_PID=""
}

# ---- phases ----

throughput_runs() {
  local label=$1 bootstrap=$2 rf=$3
  for ((run = 1; run <= WARMUP_RUNS; run++)); do
    log "$label warm-up run $run/$WARMUP_RUNS (not recorded)"
    perf all --bootstrap-server "$bootstrap" --topic "perf-warmup-$run" --records "$RECORDS" --record-size "$RECORD_SIZE" \
      --acks all --linger-ms 5 --batch-size 65536 --compression none --partitions 1 --replication-factor "$rf" \
      --progress-interval-s 60 >>"$OUT/$label-warmup.txt"
  done
  for ((run = 1; run <= RUNS; run++)); do
    measured "$OUT/$label.txt" "$label run $run/$RUNS: $RECORDS records (+$WARMUP_RECORDS warm-up), RF $rf" \
      all --bootstrap-server "$bootstrap" --topic "perf-$run" \
      --records "$RECORDS" --warmup-records "$WARMUP_RECORDS" --record-size "$RECORD_SIZE" \
      --acks all --linger-ms 5 --batch-size 65536 --compression none --partitions 1 --replication-factor "$rf" --json ||
      log "$label run $run FAILED (see above)"
  done
}

latency_runs() {
  local label=$1 bootstrap=$2 rf=$3
  for ((run = 1; run <= LATENCY_RUNS; run++)); do
    measured "$OUT/$label-latency.txt" "$label latency run $run/$LATENCY_RUNS: $LATENCY_RECORDS records at $LATENCY_RATE rec/s, RF $rf" \
      produce --bootstrap-server "$bootstrap" --topic "latency-$run" \
      --records "$LATENCY_RECORDS" --warmup-records "$LATENCY_WARMUP_RECORDS" --record-size "$RECORD_SIZE" \
      --acks all --linger-ms 5 --batch-size 65536 --compression none --partitions 1 --replication-factor "$rf" \
      --throughput "$LATENCY_RATE" --json || log "$label latency run $run FAILED (see above)"
  done
}

failover_rounds() {
  local roles=($FAILOVER_ROLES) round role
  for ((round = 1; round <= FAILOVER_ROUNDS; round++)); do
    role=${roles[$(((round - 1) % ${#roles[@]}))]}
    if [[ -n "$FAILOVER_FRESH_CLUSTER" && $round -gt 1 ]]; then
      log "FAILOVER_FRESH_CLUSTER: a new cluster for round $round"
      stop_cluster
      DIR="$WORK/cluster-round-$round"
      mkdir -p "$DIR"
      start_cluster
    fi
    measured "$OUT/failover.txt" "failover round $round/$FAILOVER_ROUNDS (leader role $role)" \
      failover --bootstrap-server "$BOOTSTRAP" --topic "failover-$round" --leader-role "$role" \
      --kill-command "kill -9 \$(cat $DIR/broker-{node}.pid)" --rate "$FAILOVER_RATE" --record-size "$RECORD_SIZE" \
      --warmup-s "$FAILOVER_WARMUP_S" --after-s "$FAILOVER_AFTER_S" --json ||
      log "failover round $round reported a failure (see above and $OUT/cluster-*.log)"
    restart_dead_brokers "$round" || { log "could not bring the cluster back; stopping the failover rounds"; return 1; }
  done
}

# ---- report ----

median_of() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
field() { grep "^{\"phase\":\"$2\"" "$1" | grep -o "\"$3\":[-0-9.a-zA-Z]*" | cut -d: -f2; }
median() { field "$@" | median_of; }
spread() { field "$@" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { if (NR) printf "%s..%s", lo, hi }'; }
values() { field "$@" | paste -sd' ' -; }

undisturbed_runs() {
  awk -v limit="$CLEAN_OTHER_S" '
    /^\{/ { pending = pending $0 "\n"; next }
    /^# run .* cpu seconds:/ {
      for (i = 1; i <= NF; i++) if ($i == "other") other = $(i + 1)
      if (other + 0 <= limit) printf "%s", pending
      pending = ""
    }' "$1"
}

report_throughput() {
  local label=$1 file="$OUT/$1.txt" lat="$OUT/$1-latency.txt" f
  echo "== $label =="
  for f in "$file" "$lat"; do
    [[ -s "$f" ]] || continue
    grep '^# run' "$f"
    undisturbed_runs "$f" >"${f%.txt}-undisturbed.txt"
  done
  if [[ -s "$file" ]]; then
    for f in "$file" "${file%.txt}-undisturbed.txt"; do
      [[ -s "$f" ]] || { echo "(no undisturbed runs)"; continue; }
      echo "-- $( [[ $f == "$file" ]] && echo all || echo undisturbed) $(grep -c '"phase":"produce"' "$f") runs --"
      printf 'produce: median %s MB/s [%s] (rec/s: %s), full-speed latency ms p50 %s p99 %s p99.9 %s\n' \
        "$(median "$f" produce mbPerSec)" "$(spread "$f" produce mbPerSec)" "$(values "$f" produce recordsPerSec)" \
        "$(median "$f" produce latencyP50Ms)" "$(median "$f" produce latencyP99Ms)" "$(median "$f" produce latencyP999Ms)"
      printf 'consume: median %s MB/s [%s] (rec/s: %s)\n' \
        "$(median "$f" consume mbPerSec)" "$(spread "$f" consume mbPerSec)" "$(values "$f" consume recordsPerSec)"
    done
  fi
  if [[ -s "$lat" ]]; then
    echo "-- latency at $LATENCY_RATE rec/s, per run p50 / p99 / p99.9 / max ms (rec/s) --"
    grep '^{"phase":"produce"' "$lat" | while read -r line; do
      printf '%s / %s / %s / %s (%s rec/s)\n' "$(echo "$line" | grep -o '"latencyP50Ms":[0-9.]*' | cut -d: -f2)" \
        "$(echo "$line" | grep -o '"latencyP99Ms":[0-9.]*' | cut -d: -f2)" \
        "$(echo "$line" | grep -o '"latencyP999Ms":[0-9.]*' | cut -d: -f2)" \
        "$(echo "$line" | grep -o '"latencyMaxMs":[0-9.]*' | cut -d: -f2)" \
        "$(echo "$line" | grep -o '"recordsPerSec":[0-9.]*' | cut -d: -f2)"
    done
  fi
}

report_failover() {
  local f="$OUT/failover.txt"
  [[ -s "$f" ]] || return 0
  echo "== failover (kill -9 of the partition leader, $FAILOVER_RATE rec/s, acks=all, idempotent, RF 3, min.insync.replicas 2; overrides: ${CLUSTER_OVERRIDES:-none}; $([[ -n "$FAILOVER_FRESH_CLUSTER" ]] && echo "a new cluster per round" || echo "one cluster, killed brokers restarted")) =="
  grep '^# ' "$f"
  grep '^{"phase":"failover"' "$f" | awk '{
      n = split($0, kv, ",")
      line = ""
      for (i = 1; i <= n; i++) {
        if (kv[i] ~ /"(killedNode|killedWasController|failoverMs|newLeaderInMetadataMs|maxGapMs|failed|readBackOk|ok)"/) {
          gsub(/[{}"]/, "", kv[i]); line = line " " kv[i]
        }
      }
      print "round" line
    }'
  local role
  for role in true false; do
    local sel
    sel=$(grep '^{"phase":"failover"' "$f" | grep "\"killedWasController\":$role" || true)
    [[ -n "$sel" ]] || continue
    printf 'killed leader was the controller: %s: %d rounds, failover ms median %s (all: %s), new leader in metadata ms median %s, longest ack gap ms median %s\n' \
      "$role" "$(echo "$sel" | wc -l)" \
      "$(echo "$sel" | grep -o '"failoverMs":[0-9.NaN]*' | cut -d: -f2 | median_of)" \
      "$(echo "$sel" | grep -o '"failoverMs":[0-9.NaN]*' | cut -d: -f2 | paste -sd' ' -)" \
      "$(echo "$sel" | grep -o '"newLeaderInMetadataMs":[0-9.NaN]*' | cut -d: -f2 | median_of)" \
      "$(echo "$sel" | grep -o '"maxGapMs":[0-9.NaN]*' | cut -d: -f2 | median_of)"
  done
  printf 'failed sends over all rounds: %s; rounds with every acknowledged record read back at dense offsets: %s of %s\n' \
    "$(grep -o '"failed":[0-9]*' "$f" | cut -d: -f2 | awk '{ s += $1 } END { print s + 0 }')" \
    "$(grep -c '"readBackOk":true' "$f" || true)" "$(grep -c '^{"phase":"failover"' "$f" || true)"
}

main() {
  {
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
      "$(free -h | awk '/Mem:/ { print $2 }') RAM; $(uptime)"
    java -version 2>&1 | head -1
    echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- log-server benchmarks || echo ' (+ uncommitted changes)')"
  } | tee "$OUT/machine.txt" >&2

  if [[ -z "${SKIP_BUILD:-}" ]]; then
    log "building (mvn -B -q -DskipTests -pl log-server,benchmarks -am package)"
    mvn -B -q -DskipTests -pl log-server,benchmarks -am package
  fi

  if [[ -z "${SKIP_SINGLE:-}" ]]; then
    start_single
    [[ -n "${SKIP_THROUGHPUT:-}" ]] || throughput_runs single "127.0.0.1:$SINGLE_PORT" 1
    [[ -n "${SKIP_LATENCY:-}" ]] || latency_runs single "127.0.0.1:$SINGLE_PORT" 1
    stop_pid "$SINGLE_PID"
    SINGLE_PID=""
  fi

  start_cluster
  [[ -n "${SKIP_THROUGHPUT:-}" ]] || throughput_runs cluster "$BOOTSTRAP" 3
  [[ -n "${SKIP_LATENCY:-}" ]] || latency_runs cluster "$BOOTSTRAP" 3
  [[ -n "${SKIP_FAILOVER:-}" ]] || failover_rounds || true
  log "stopping the cluster"
  stop_cluster

  echo
  {
    cat "$OUT/machine.txt"
    for label in single cluster; do
      [[ -s "$OUT/$label.txt" || -s "$OUT/$label-latency.txt" ]] && report_throughput "$label"
    done
    report_failover
  } | tee "$OUT/summary.txt"
  # Errors and warnings the brokers logged (other than the expected connection failures to a killed broker).
  grep -E ' (ERROR|WARN) ' "$OUT"/*.log 2>/dev/null | grep -v -e 'Connection refused' -e 'TcpServerConnection' \
    >"$OUT/broker-warnings.txt" || true
  log "results, broker logs and $(wc -l <"$OUT/broker-warnings.txt") warning/error lines (broker-warnings.txt) in $OUT"
}

main "$@"
