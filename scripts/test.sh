#!/usr/bin/env bash
# Sets everything up and runs every test: the UI's unit tests (Vitest), then every Rust test
# — core, simulator, CLI and the end-to-end tests of the real app window — under a virtual
# display and a fresh, unlocked gnome-keyring on a private D-Bus session.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test-tools
export PATH="$HOME/.cargo/bin:$PATH"

echo "test: UI unit tests"
(cd ui && npm test --silent)

echo "test: building the app binary the end-to-end tests drive"
cargo build -p approval-inbox

# A fresh keyring home so no existing login keyring (with another password) asks for a prompt.
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
echo "test: Rust tests (workspace)"
XDG_DATA_HOME="$keyring_home" dbus-run-session -- sh -c '
  echo -n test-password | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
  exec xvfb-run -a -s "-screen 0 1440x900x24" cargo test --workspace --exclude approval-inbox --no-fail-fast
'
