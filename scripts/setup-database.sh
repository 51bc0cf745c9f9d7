#!/usr/bin/env bash
# The server of the views (--sink postgres): Debian's PostgreSQL 15. Idempotent: nothing to do when
# its initdb is there. Needs root (CI runs as root). Debian's package would also create and start a
# cluster of its own on port 5432, where the project's private one listens: it is told not to.
set -euo pipefail
if [ -x /usr/lib/postgresql/15/bin/initdb ] && command -v psql >/dev/null; then
  exit 0
fi
echo "setup: installing PostgreSQL 15 (postgresql-15, psql) with apt (first time: a minute) ..."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  $SUDO mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq postgresql-15 postgresql-client-15 >/dev/null
