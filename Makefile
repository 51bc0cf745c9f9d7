# Two commands on a fresh machine:
#   make run JOB=3a    set up, start the embedded Kafka and the order producer, run job 3A live
#   make test          set up, run the test suite (real Kafka broker, real Flink mini-cluster)
JOB ?= 3a
RATE ?= 5
ARGS ?=
PY := .venv/bin/python

.PHONY: setup run test bench soak kafka-stop dashboard

setup:
	@scripts/setup.sh

run: setup
	@$(PY) runner.py kafka start
	@mkdir -p .data && $(PY) -m producer --rate $(RATE) --timestamps now --seed $$(date +%s) --id-prefix order_$$(date +%s) > .data/producer.log 2>&1 & \
	  producer=$$!; trap 'kill $$producer 2>/dev/null' EXIT INT TERM; \
	  echo "Producer: $(RATE) orders/s in the background (log: .data/producer.log). Ctrl-C stops both."; \
	  $(PY) runner.py $(JOB) $(ARGS)

test: setup
	@$(PY) -m pytest

bench: setup
	@$(PY) -m bench.run $(ARGS)

# Load and faults on the local cluster (docs/reliability.md): 20 minutes unless ARGS="--minutes N".
soak: setup
	@$(PY) -m bench.soak $(ARGS)

# Kafka, the producer (20 orders/s), `runner.py all --sink kafka` and the live page on
# http://localhost:8050; Ctrl-C stops all three. JOBS="all alerts" DASHBOARD_RATE=50 ARGS="--port 8060" change them.
dashboard: setup
	@JOBS="$(or $(JOBS),all)" RATE="$(or $(DASHBOARD_RATE),20)" scripts/dashboard.sh $(ARGS)

kafka-stop:
	@$(PY) runner.py kafka stop
