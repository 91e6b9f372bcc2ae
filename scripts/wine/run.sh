#!/usr/bin/env bash
# Runs a Windows program under Wine: cargo's runner for the `x86_64-pc-windows-gnu` target
# (`CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=scripts/wine/run.sh`), used by `scripts/test.sh`
# to run the core's and the CLI's tests as Windows programs.
#
# Rust's standard library draws random numbers from `ProcessPrng` in bcryptprimitives.dll
# (Windows 10 and later); Debian 12's Wine 8.0 has no such DLL, so every Rust program fails to
# start there ("bcryptprimitives.dll not found"). `bcryptprimitives.c` is that one function over
# `RtlGenRandom` (advapi32's SystemFunction036, which Wine has); it is built here with the
# mingw-w64 compiler the target links with, and put on Wine's PATH, never into a build.
#
# The Wine prefix (Wine's C: drive and registry) lives under target/, made on first use, quiet:
# no debug channels, and no Mono or Gecko installer (none of our programs uses .NET or MSHTML).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
support="${CARGO_TARGET_DIR:-$root/target}/wine"
mkdir -p "$support"
if [ ! -f "$support/bcryptprimitives.dll" ] || [ "$here/bcryptprimitives.c" -nt "$support/bcryptprimitives.dll" ]; then
  x86_64-w64-mingw32-gcc -O2 -shared -o "$support/bcryptprimitives.dll.tmp" "$here/bcryptprimitives.c" "$here/bcryptprimitives.def" -ladvapi32
  mv "$support/bcryptprimitives.dll.tmp" "$support/bcryptprimitives.dll"
fi
export WINEPREFIX="${WINEPREFIX:-$support/prefix}"
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
# Wine maps Z: to the root of the Unix file system.
export WINEPATH="Z:${support//\//\\}"
# assert_cmd starts `inbox` through this runner when it sees the variable; inside Wine the test
# is a Windows program already and starts inbox.exe itself.
unset CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER
exec wine "$@"
