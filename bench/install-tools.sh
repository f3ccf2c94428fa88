#!/usr/bin/env bash
# The load tools the bench drives, from Debian's packages: wrk (closed-loop
# HTTP), iperf3 (bulk TCP), haproxy (the control path's proxy). Installed only
# when missing; their services are never started (the bench runs each tool
# itself, inside its own namespaces).
set -euo pipefail

exec bash "$(dirname "$0")/../scripts/install-debian-packages.sh" "weft bench" wrk iperf3 haproxy
