#!/usr/bin/env bash
# `make dashboard`: the embedded Kafka, the order producer and `runner.py all --sink kafka` in the
# background, and the dashboard in the foreground. Ctrl-C stops all three (the job with a savepoint).
# JOBS (default all) picks the analyses; RATE (default 20) the orders/s; TOPIC (default kafka.topic
# in config) the source topic; extra arguments go to the dashboard (--port N, --host H).
set -u
cd "$(dirname "$0")/.."
PY=.venv/bin/python
JOBS=${JOBS:-all}
RATE=${RATE:-20}
# exactly-once: results become visible to the page (read_committed) when a checkpoint commits them,
# so the live job checkpoints every second instead of every minute
CHECKPOINT=${CHECKPOINT:-1s}
TOPIC_ARGS=() DASHBOARD_ARGS=()
if [ -n "${TOPIC:-}" ]; then TOPIC_ARGS=(--topic "$TOPIC"); DASHBOARD_ARGS=(--set "kafka.topic=$TOPIC"); fi

$PY runner.py kafka start || exit
mkdir -p .data
# each in a session of its own, so the terminal's Ctrl-C reaches only the dashboard and this script,
# which then stops the others once each
setsid $PY -m producer --rate "$RATE" --customers 40 --timestamps now --seed "$(date +%s)" --id-prefix "order_$(date +%s)" \
  "${TOPIC_ARGS[@]}" > .data/producer.log 2>&1 &
producer=$!
# shellcheck disable=SC2086  # JOBS may name several analyses
setsid $PY runner.py $JOBS --sink kafka --set "checkpoint.interval=$CHECKPOINT" "${TOPIC_ARGS[@]}" \
  > .data/dashboard-job.log 2>&1 &
job=$!
echo "Producer: $RATE orders/s (log: .data/producer.log); job: $JOBS --sink kafka (log: .data/dashboard-job.log)."
echo "The first results come once the job runs (about 15 s). Ctrl-C stops all three."

stop() {
  trap - INT TERM EXIT
  kill -TERM "$producer" 2>/dev/null
  if kill -0 "$job" 2>/dev/null; then
    echo "Stopping the job (it takes a savepoint: a few seconds) ..."
    kill -INT "$job" 2>/dev/null
    for _ in $(seq 60); do kill -0 "$job" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$job" 2>/dev/null
  fi
  wait 2>/dev/null
  tail -n 1 .data/dashboard-job.log
}
trap stop INT TERM EXIT
$PY runner.py dashboard "${DASHBOARD_ARGS[@]}" "$@"
