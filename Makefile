# Two commands on a fresh machine:
#   make run JOB=3a    set up, start the embedded Kafka and the order producer, run job 3A live
#   make test          set up, run the test suite (real Kafka broker, real Flink mini-cluster)
JOB ?= 3a
RATE ?= 5
ARGS ?=
PY := .venv/bin/python

.PHONY: setup setup-test run test bench soak kafka-stop dashboard views views-docs

# what running a job needs (no root, no apt); the tests add their own extras (the browser)
setup:
	@scripts/setup.sh

setup-test: setup
	@scripts/setup-test.sh

run: setup
	@$(PY) runner.py kafka start
	@mkdir -p .data && $(PY) -m producer --rate $(RATE) --timestamps now --seed $$(date +%s) --id-prefix order_$$(date +%s) > .data/producer.log 2>&1 & \
	  producer=$$!; trap 'kill $$producer 2>/dev/null' EXIT INT TERM; \
	  echo "Producer: $(RATE) orders/s in the background (log: .data/producer.log). Ctrl-C stops both."; \
	  $(PY) runner.py $(JOB) $(ARGS) || [ $$? -eq 130 ]  # Ctrl-C said its one line: no make error after it

test: setup-test
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

# Lesson 4: the producer and `all alerts segments --sink postgres` live (PostgreSQL installed and started on
# demand); in another terminal, `python runner.py db psql -f lesson4/1_top_customers.sql` and the others.
views:
	@$(MAKE) --no-print-directory run JOB="all alerts segments" ARGS="--sink postgres $(ARGS)"

# docs/views.md: every lesson4/ query with its real output, from a bounded run over seeded orders.
views-docs: setup
	@$(PY) scripts/views_docs.py

kafka-stop:
	@$(PY) runner.py kafka stop
