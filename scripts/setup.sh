#!/usr/bin/env bash
# One-time set-up, idempotent: the .venv from requirements.txt and the jars from pom.xml: what running
# a job needs, with no root and no apt (the tests' own extras: scripts/setup-test.sh).
# A second run finds both up to date and does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS=0

fail() { echo "setup: $*" >&2; exit 1; }
command -v java >/dev/null || fail "Java 17 is missing: install a JDK 17 (e.g. apt-get install openjdk-17-jdk-headless)"
command -v mvn >/dev/null || fail "Maven is missing: install it (e.g. apt-get install maven)"
PYTHON=$(command -v python3.11 || command -v python3 || true)
[ -n "$PYTHON" ] || fail "Python 3.11 is missing"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || fail "Python 3.11 is needed (PyFlink 2.2 wheels), found $("$PYTHON" --version)"

if [ ! -f .venv/.installed ] || [ requirements.txt -nt .venv/.installed ]; then
  echo "setup: creating .venv and installing requirements.txt (first time: a few minutes) ..."
  "$PYTHON" -m venv .venv
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet --require-hashes -r requirements.txt
  touch .venv/.installed
fi

if [ ! -f lib/.fetched ] || [ pom.xml -nt lib/.fetched ]; then
  echo "setup: fetching the Flink connector, SQL gateway and Kafka broker jars with Maven ..."
  rm -rf lib/flink lib/kafka
  # plain words only: no download progress, no colour codes (Maven 3.8 prints bare reset codes even
  # with style.color=never, so what is left is filtered; a Maven failure still stops the set-up)
  MVN=(mvn --batch-mode --quiet --no-transfer-progress -Dstyle.color=never)
  plain() { sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' -e '/^[[:space:]]*$/d'; }
  "${MVN[@]}" -Pflink dependency:copy-dependencies -DoutputDirectory=lib/flink -DexcludeTransitive=true 2>&1 | plain
  "${MVN[@]}" -Pkafka dependency:copy-dependencies -DoutputDirectory=lib/kafka -DincludeScope=runtime 2>&1 | plain
  echo "setup: $(ls lib/flink | wc -l) Flink jars in lib/flink, $(ls lib/kafka | wc -l) broker jars in lib/kafka"
  touch lib/.fetched
fi

# the classes of a Flink start-up in one archive, once (order_analytics/infra/jvm_archive.py)
.venv/bin/python -m order_analytics.infra.jvm_archive

echo "setup: done in ${SECONDS}s"
