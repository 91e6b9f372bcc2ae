#!/usr/bin/env bash
# Sets everything up and starts Approval Inbox. With no account configured it opens in demo
# mode against the built-in vendor simulators. Extra arguments go to the app (e.g. --demo).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchains.sh
scripts/setup.sh
cargo build --release -p approval-inbox
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "run: no display found; starting the app on a virtual one (xvfb-run)" >&2
  exec xvfb-run -a -s "-screen 0 1440x900x24" target/release/approval-inbox "$@"
fi
exec target/release/approval-inbox "$@"
