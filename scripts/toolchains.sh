# Rust and Node.js for the build, installed when the machine lacks them or has versions too old
# (Debian 12 ships rustc 1.63 and Node 18; we need Rust 1.94+ (sqlx 0.9, in inbox-relay) and Node 20.19+ for Vite).
# Sourced by setup.sh, run.sh and test.sh, so each puts the same tools first on PATH.
#
# Rust comes from rustup (https://sh.rustup.rs), as the Rust project distributes it. Node comes
# from the npm registry this machine is configured for (the node-linux-<arch> and npm packages),
# so a machine that can reach its registry (or a mirror of it) needs nothing else; it goes into
# .tools/ in the checkout, not into the system.

TOOLS_DIR="$(pwd)/.tools"
NODE_VERSION=22.23.3
NPM_VERSION=10.9.4
export PATH="$TOOLS_DIR/node/bin:$HOME/.cargo/bin:$PATH"

version_at_least() { # $1 >= $2, both dotted
  [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]
}

ensure_rust() {
  if command -v rustc >/dev/null && version_at_least "$(rustc --version | cut -d' ' -f2)" 1.94.0; then
    return
  fi
  if command -v rustup >/dev/null; then
    echo "setup: updating Rust with rustup"
    rustup toolchain install stable --profile minimal && rustup default stable
  else
    echo "setup: installing Rust with rustup (https://rustup.rs)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
  fi
}

# The npm registry this machine is configured for, without a trailing slash: the environment,
# then npm itself when some npm is installed, then the user's and the system's npmrc. The
# project names no registry of its own, so a mirror works unchanged.
npm_registry() {
  local r="${NPM_CONFIG_REGISTRY:-${npm_config_registry:-}}"
  if [ -z "$r" ] && command -v npm >/dev/null; then r=$(npm config get registry 2>/dev/null || true); fi
  for rc in "$HOME/.npmrc" /etc/npmrc; do
    [ -n "$r" ] && break
    [ -f "$rc" ] && r=$(sed -n 's/^[[:space:]]*registry[[:space:]]*=[[:space:]]*//p' "$rc" | tail -1)
  done
  [ -n "$r" ] || return 1
  printf '%s\n' "${r%/}"
}

ensure_node() {
  if command -v node >/dev/null && command -v npm >/dev/null && version_at_least "$(node --version | tr -d v)" 20.19.0; then
    return
  fi
  local arch registry tmp
  registry=$(npm_registry) || {
    echo "setup: no npm registry configured: set NPM_CONFIG_REGISTRY (or registry= in ~/.npmrc) to your registry or mirror" >&2
    exit 1
  }
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "setup: no Node.js $NODE_VERSION build for $(uname -m); install Node.js 20.19+ yourself" >&2; exit 1 ;;
  esac
  echo "setup: installing Node.js $NODE_VERSION and npm $NPM_VERSION into .tools/node"
  tmp=$(mktemp -d)
  curl -sSfL "$registry/node-linux-$arch/-/node-linux-$arch-$NODE_VERSION.tgz" | tar xz -C "$tmp"
  curl -sSfL "$registry/npm/-/npm-$NPM_VERSION.tgz" | tar xz -C "$tmp" --transform 's,^package,npm,'
  rm -rf "$TOOLS_DIR/node" && mkdir -p "$TOOLS_DIR/node/bin" "$TOOLS_DIR/node/lib"
  mv "$tmp/package/bin/node" "$TOOLS_DIR/node/bin/node"
  mv "$tmp/npm" "$TOOLS_DIR/node/lib/npm"
  rm -rf "$tmp"
  for tool in npm npx; do
    printf '#!/bin/sh\nexec "%s/node/bin/node" "%s/node/lib/npm/bin/%s-cli.js" "$@"\n' "$TOOLS_DIR" "$TOOLS_DIR" "$tool" >"$TOOLS_DIR/node/bin/$tool"
    chmod +x "$TOOLS_DIR/node/bin/$tool"
  done
}
