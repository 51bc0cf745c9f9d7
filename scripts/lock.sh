#!/usr/bin/env bash
# Resolve requirements.in (the direct dependencies) into requirements.txt: every package, transitive
# ones included, pinned with its hashes for Python 3.11 on Linux. Run after changing requirements.in.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pip install --quiet "uv==0.9.9"
.venv/bin/python -m uv pip compile requirements.in --generate-hashes --python-version 3.11 \
  --python-platform x86_64-unknown-linux-gnu --output-file requirements.txt --quiet
echo "lock: requirements.txt written from requirements.in"
