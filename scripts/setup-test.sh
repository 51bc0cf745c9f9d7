#!/usr/bin/env bash
# What the tests need beyond scripts/setup.sh: the browser of the dashboard's test and the views'
# PostgreSQL server (apt, needs root or sudo; CI runs as root). Each step is idempotent; add a test-only step as one more line here.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-browser.sh
scripts/setup-database.sh
