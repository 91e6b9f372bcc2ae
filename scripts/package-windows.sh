#!/usr/bin/env bash
# Builds the Windows installer from Linux: the UI, the release binary for x86_64-pc-windows-gnu
# (linked by Debian's mingw-w64, .cargo/config.toml) and the Tauri bundler's NSIS target, run by
# Debian's `makensis`. The bundler is the prebuilt @tauri-apps/cli from npm at the exact version
# scripts/package-deb.sh uses. WebView2 is not packed: the installer downloads Microsoft's
# bootstrapper on the user's machine when WebView2 is missing (bundle.windows.webviewInstallMode
# "downloadBootstrapper"; Windows 11 and current Windows 10 have it already).
# Output: "target/x86_64-pc-windows-gnu/release/bundle/nsis/Approval Inbox_<version>_x64-setup.exe"
#
# Two things the bundler needs that no package registry reachable here carries (README "Windows
# and macOS"); without either this script stops before building and says which:
# - the NSIS plug-in nsis_tauri_utils.dll (tauri-apps/nsis-tauri-utils v0.5.3), which the bundler
#   downloads from a GitHub release and checks against a SHA-1 built into the CLI. Give it once as
#   NSIS_TAURI_UTILS_DLL=/path/to/nsis_tauri_utils.dll (checked here against the release's size
#   and hashes, and put where the bundler looks);
# - makensis of NSIS 3.11 or later (the CLI's template includes Win\RestartManager.nsh, new in
#   3.11; Debian 12 ships 3.08): put one first on PATH, the bundler runs `makensis` from there.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --windows
source scripts/toolchains.sh

TAURI_CLI_VERSION=2.12.5
TARGET=x86_64-pc-windows-gnu
# What @tauri-apps/cli 2.12.5 requires (its NSIS_TAURI_UTILS_URL and _SHA1), and the release
# file's size and SHA-256.
PLUGIN_URL=https://github.com/tauri-apps/nsis-tauri-utils/releases/download/nsis_tauri_utils-v0.5.3/nsis_tauri_utils.dll
PLUGIN_SHA1=75197fee3c6a814fe035788d1c34ead39349b860
PLUGIN_SHA256=5ba143b5db4a87d32d6e7802e033330aae56cbceabe0d1e3ba41948385ad4709
PLUGIN_SIZE=34304
# The bundler's tools folder on Linux: `dirs::cache_dir()/tauri`.
PLUGIN_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/tauri/NSIS/Plugins/x86-unicode/additional"

plugin_ok() { # $1: a file that must be the release's plugin
  [ -f "$1" ] && [ "$(stat -c %s "$1")" = "$PLUGIN_SIZE" ] && echo "$PLUGIN_SHA256  $1" | sha256sum --check --status && echo "$PLUGIN_SHA1  $1" | sha1sum --check --status
}

missing=0
if ! plugin_ok "$PLUGIN_DIR/nsis_tauri_utils.dll"; then
  if [ -n "${NSIS_TAURI_UTILS_DLL:-}" ] && plugin_ok "$NSIS_TAURI_UTILS_DLL"; then
    mkdir -p "$PLUGIN_DIR"
    cp "$NSIS_TAURI_UTILS_DLL" "$PLUGIN_DIR/nsis_tauri_utils.dll"
    echo "package-windows: using $NSIS_TAURI_UTILS_DLL (size and hashes checked) as the bundler's NSIS plugin"
  else
    [ -n "${NSIS_TAURI_UTILS_DLL:-}" ] && echo "package-windows: $NSIS_TAURI_UTILS_DLL is not that file (size $PLUGIN_SIZE, SHA-256 $PLUGIN_SHA256)" >&2
    cat >&2 <<EOF
package-windows: the Tauri bundler's NSIS target needs nsis_tauri_utils.dll v0.5.3, which it
downloads from GitHub (unreachable from here) and no package registry carries:
  $PLUGIN_URL
  size $PLUGIN_SIZE bytes, SHA-256 $PLUGIN_SHA256, SHA-1 $PLUGIN_SHA1
Get that file where GitHub is reachable and run again with
  NSIS_TAURI_UTILS_DLL=/path/to/nsis_tauri_utils.dll scripts/package-windows.sh
(it is checked and kept in $PLUGIN_DIR for later runs).
EOF
    missing=1
  fi
fi

nsis_version=$(makensis -VERSION 2>/dev/null | sed 's/^v//; s/-.*//')
if ! version_at_least "${nsis_version:-0}" 3.11; then
  cat >&2 <<MSG
package-windows: $(command -v makensis || echo makensis) is NSIS ${nsis_version:-?}; the installer template of
@tauri-apps/cli $TAURI_CLI_VERSION includes Win\RestartManager.nsh, which NSIS has from 3.11 on
(Debian 12 ships 3.08). Put a makensis of NSIS 3.11 or later first on PATH and run again.
MSG
  missing=1
fi
[ "$missing" = 0 ] || exit 1

(cd ui && npm ci --no-audit --no-fund && npm run build)
npm exec --yes --package "@tauri-apps/cli@$TAURI_CLI_VERSION" -- tauri build --target "$TARGET" --bundles nsis --config src-tauri/tauri.conf.json "$@"
ls -l target/$TARGET/release/bundle/nsis/*-setup.exe
