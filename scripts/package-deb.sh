#!/usr/bin/env bash
# Builds the Debian package with the Tauri bundler: the UI, the release binary, the desktop
# entry and the icon. The bundler is the prebuilt @tauri-apps/cli from npm at an exact version
# (not in ui/package-lock.json: npm's lock cannot hold its per-platform binaries), so no
# `cargo install tauri-cli` is needed.
# Output: "target/release/bundle/deb/Approval Inbox_<version>_amd64.deb"
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/toolchains.sh
(cd ui && npm ci --no-audit --no-fund && npm run build)
TAURI_CLI_VERSION=2.12.5
npm exec --yes --package "@tauri-apps/cli@$TAURI_CLI_VERSION" -- tauri build --config src-tauri/tauri.conf.json --bundles deb "$@"
ls -l target/release/bundle/deb/*.deb
