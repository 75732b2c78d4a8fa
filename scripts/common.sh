# Shared by scripts/run and scripts/test: checks the toolchain and installs the system packages
# the build needs (Debian/Ubuntu), or says exactly what is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/trove-target}"
MIN_RUST="1.95"

die() { echo "error: $*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root to run: $*"; fi
}

# System packages: a C compiler for the bundled SQLite, pkg-config.
ensure_system_packages() {
    local missing=()
    command -v cc >/dev/null || missing+=(build-essential)
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    [ ${#missing[@]} -eq 0 ] && return 0
    if command -v apt-get >/dev/null; then
        echo "Installing ${missing[*]} (apt-get)…" >&2
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        die "missing ${missing[*]}: install a C compiler and pkg-config with your package manager"
    fi
}

ensure_rust() {
    if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
    command -v cargo >/dev/null || die "Rust is not installed. Install Rust $MIN_RUST or newer from https://rustup.rs:
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh"
    local have
    have="$(rustc --version | awk '{print $2}')"
    if [ "$(printf '%s\n%s\n' "$MIN_RUST" "$have" | sort -V | head -n1)" != "$MIN_RUST" ]; then
        die "Rust $have is too old; Trove needs $MIN_RUST or newer: run \`rustup update\`"
    fi
}
