#!/usr/bin/env bash
# Builds one static dts-switch binary (musl libc, rustls: no system library at run time)
# to copy to a jump host, then checks it: statically linked, and `--version` runs (natively,
# or under qemu-user for another architecture when qemu-<arch> is installed).
#
#   scripts/build-static.sh                              # x86_64-unknown-linux-musl
#   scripts/build-static.sh aarch64-unknown-linux-musl   # ARM64 (needs a cross C compiler, see README)
#
# Output: target/<TARGET>/release/dts-switch (symbols stripped).
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET="${1:-x86_64-unknown-linux-musl}"
case "$TARGET" in
  *-linux-musl) ;;
  *) echo "error: $TARGET is not a *-linux-musl target; a static binary needs musl" >&2; exit 2 ;;
esac
ARCH="${TARGET%%-*}"

# 1. The Rust standard library for the target.
if command -v rustup >/dev/null 2>&1; then
  if ! rustup target list --installed | grep -qx "$TARGET"; then
    echo "== rustup target add $TARGET"
    rustup target add "$TARGET"
  fi
elif ! rustc --print target-libdir --target "$TARGET" >/dev/null 2>&1; then
  echo "error: the Rust standard library for $TARGET is missing and rustup is not here to add it" >&2
  exit 1
fi

# 2. A C compiler for the target: ring (rustls' crypto) has C and assembly parts. A musl
#    cross compiler is best; for x86_64 the host gcc works too (ring's C uses no libc headers).
#    Set CC_<target> / CARGO_TARGET_<TARGET>_LINKER yourself to choose another.
env_target="$(echo "$TARGET" | tr '-' '_')"
cc_var="CC_${env_target}"
linker_var="CARGO_TARGET_$(echo "$env_target" | tr '[:lower:]' '[:upper:]')_LINKER"
if [ -z "${!cc_var:-}" ]; then
  candidates=("${ARCH}-linux-musl-gcc")
  if [ "$ARCH" = "$(uname -m)" ]; then
    candidates+=(musl-gcc gcc cc)
  else
    candidates+=("${ARCH}-linux-gnu-gcc")
  fi
  for c in "${candidates[@]}"; do
    if command -v "$c" >/dev/null 2>&1; then
      export "$cc_var=$c"
      # Cross builds also link with it (rustc brings musl's libc and start files).
      if [ "$ARCH" != "$(uname -m)" ] && [ -z "${!linker_var:-}" ]; then
        export "$linker_var=$c"
      fi
      break
    fi
  done
  if [ -z "${!cc_var:-}" ]; then
    echo "error: no C compiler for $TARGET (tried: ${candidates[*]})." >&2
    echo "  Debian/Ubuntu: apt-get install musl-tools (x86_64) or gcc-${ARCH}-linux-gnu (cross)" >&2
    exit 1
  fi
fi
echo "== C compiler for $TARGET: ${!cc_var}${!linker_var:+, linker ${!linker_var}}"

# 3. Build (the lock file as committed; symbols stripped).
echo "== cargo build --release --locked --target $TARGET"
CARGO_PROFILE_RELEASE_STRIP=symbols cargo build --release --locked --target "$TARGET"
BIN="target/$TARGET/release/dts-switch"

# 4. Check it.
if command -v file >/dev/null 2>&1; then
  info="$(file -b "$BIN")"
  echo "== file: $info"
  case "$info" in
    *"statically linked"*|*"static-pie linked"*) ;;
    *) echo "error: $BIN is not statically linked" >&2; exit 1 ;;
  esac
elif ldd "$BIN" >/dev/null 2>&1; then
  echo "error: $BIN has dynamic dependencies: $(ldd "$BIN")" >&2
  exit 1
fi
if [ "$ARCH" = "$(uname -m)" ]; then
  echo "== $("$BIN" --version)"
elif command -v "qemu-$ARCH" >/dev/null 2>&1; then
  echo "== (qemu-$ARCH) $("qemu-$ARCH" "$BIN" --version)"
fi
size=$(wc -c <"$BIN")
echo "== $BIN: $size bytes ($(awk "BEGIN{printf \"%.1f\", $size/1048576}") MiB), static; copy it to the jump host, e.g.:"
echo "   scp $BIN jump-host:/usr/local/bin/dts-switch"
