# Shared helpers for scripts/demo and scripts/test. Source it; do not run it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JOBS="$(nproc 2>/dev/null || echo 2)"

# Debian packages needed to build and run wangge (one place for the list).
BUILD_PACKAGES=(cmake g++ make pkg-config libgdal-dev gdal-bin libgeos-dev libboost-dev
                nlohmann-json3-dev libcli11-dev libspdlog-dev libgtest-dev libpqxx-dev
                libsqlite3-dev libosmium2-dev libprotozero-dev zlib1g-dev libbz2-dev libexpat1-dev libpistache-dev
                libmetis-dev libsodium-dev libcurl4-openssl-dev fonts-dejavu-core)
# What the checks of the house rules need (scripts/check-format, tests/layout).
CHECK_PACKAGES=(clang-format-14 python3)
# Extra packages the demo needs: curl for the HTTP examples, python3 to read JSON answers.
DEMO_PACKAGES=(curl python3)
# Extra packages the tests need: a real PostgreSQL + PostGIS to cross-check against, Chromium
# for the console's browser tests (Playwright drives it; it downloads no browser).
TEST_PACKAGES=(postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting postgresql-client-15 python3
               python3-yaml nginx-light wrk qgis python3-qgis fonts-wqy-microhei clang-tools-14
               chromium patroni etcd-server etcd-client curl)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf '\033[1;31merror: %s\033[0m\n' "$*" >&2; exit 1; }

# ensure_packages PKG...: installs the packages that are missing; does nothing when all are there.
ensure_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "installing missing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

# ensure_console_packages: the web console's pinned npm packages (console/package-lock.json),
# installed when missing or older than the lock file. The machine's Node.js and npm when present,
# else Debian's.
ensure_console_packages() {
  command -v npm >/dev/null 2>&1 || ensure_packages nodejs npm
  local stamp="$ROOT/console/node_modules/.package-lock.json"
  if [[ ! -f "$stamp" || "$ROOT/console/package-lock.json" -nt "$stamp" ]]; then
    log "installing the web console's pinned npm packages (console/package-lock.json)"
    (cd "$ROOT/console" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

# build DIR [CMAKE ARGS...]: configures (once) and builds wangge (and its web console) in DIR.
build() {
  local dir="$1"; shift
  ensure_console_packages
  log "building in ${dir#$ROOT/}"
  # One configuration for every script, so that demo, test and bench share build/: CMake's
  # standard Release type (-O3 -DNDEBUG, as a user's build gets it) with line tables for
  # backtraces (-g1; full -g costs ~40% more compile time), and warnings as errors.
  cmake -S "$ROOT" -B "$dir" -U CMAKE_CXX_FLAGS_RELEASE -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="-g1" \
    -DWANGGE_WERROR=ON "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}
