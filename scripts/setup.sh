#!/usr/bin/env bash
# Installs what Approval Inbox needs to build, run and test on Debian 12 / Ubuntu 22.04+:
# the system packages for Tauri (WebKitGTK), the headless test tools (Xvfb, WebKitWebDriver,
# gnome-keyring), Rust and Node.js when missing or too old (scripts/toolchains.sh), the UI's
# npm packages, the built UI and tauri-driver; `--test-tools` adds the test tools and the Windows
# target with mingw-w64 and Wine, `--windows` the Windows target with mingw-w64 and NSIS.
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/toolchains.sh

SYSTEM_PACKAGES=(
  libwebkit2gtk-4.1-dev build-essential curl wget file libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev pkg-config xvfb xauth webkit2gtk-driver dbus
  gnome-keyring imagemagick sqlite3 x11-utils xdotool
  # Without a CJK font WebKitGTK draws every Chinese character as an empty box.
  fonts-noto-cjk
  # initdb and postgres for the 则一 relay's tests, which start a throwaway PostgreSQL server.
  postgresql
)

# Windows builds from Linux (issue 15): the mingw-w64 linker for `x86_64-pc-windows-gnu`; with
# --test-tools Wine too (scripts/test.sh runs the core's and the CLI's tests as Windows programs);
# with --windows NSIS (scripts/package-windows.sh makes the installer with it).
case "${1:-}" in
  --test-tools) SYSTEM_PACKAGES+=(gcc-mingw-w64-x86-64 wine wine64) ;;
  --windows) SYSTEM_PACKAGES+=(gcc-mingw-w64-x86-64 nsis) ;;
esac

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${SYSTEM_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

ensure_rust
ensure_node
case "${1:-}" in
  --test-tools | --windows)
    if command -v rustup >/dev/null && ! rustup target list --installed | grep -qx x86_64-pc-windows-gnu; then
      echo "setup: adding the Rust target x86_64-pc-windows-gnu (Windows builds with mingw-w64)"
      rustup target add x86_64-pc-windows-gnu
    fi
    ;;
esac

echo "setup: UI packages and build"
(cd ui && { [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund; } && npm run build --silent)

if [ "${1:-}" = "--test-tools" ] && ! command -v tauri-driver >/dev/null; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --locked --quiet
fi

if [ "${1:-}" = "--test-tools" ] && ! command -v cargo-deny >/dev/null; then
  echo "setup: installing cargo-deny (supply-chain policy, deny.toml)"
  cargo install cargo-deny --locked --quiet
fi
