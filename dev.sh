#!/usr/bin/env bash
# ClinicDesk developer entry point. Usage: ./dev.sh setup|demo|test|bench|bundle [args…]
#   setup   system packages (when root or sudo allows), .venv, Python packages, translations
#   demo    setup, then the demo: reference server + synthetic patients + virtual QHR key + app
#   test    setup, then the whole suite inside a private D-Bus session with a real Secret Service
#   bench   setup, then the benchmark runner (python -m bench)
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(
  python3-venv python3-dev gcc
  pcscd libpcsclite-dev pcsc-tools libccid vsmartcard-vpcd libusb-1.0-0
  softhsm2 opensc opensc-pkcs11
  umockdev libumockdev0 gir1.2-umockdev-1.0 python3-gi
  gnome-keyring dbus xvfb xauth fonts-dejavu-core
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  postgresql msitools wixl
)
# Node.js for the independent FHIR R4 server of the sync tests (thirdparty/medplum_shim):
# Debian's nodejs 18 and npm 9 will do (Medplum 3.2 wants Node 18 or newer); a Node already
# installed otherwise (NodeSource's, which bundles npm) is kept.
command -v node >/dev/null || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null || APT_PACKAGES+=(npm)
NODE_MIN=18.0
VENV=.venv
PY=$VENV/bin/python

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1
  fi
}

setup_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> apt: installing ${missing[*]}"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq ||
     ! as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
         --no-install-recommends "${missing[@]}" >/dev/null; then
    echo "!! Could not install system packages (need root or sudo): ${missing[*]}" >&2
    echo "!! Install them yourself, then run this command again." >&2
    exit 1
  fi
}

setup_venv() {
  [ -x "$PY" ] || python3 -m venv "$VENV"
  local stamp=$VENV/.installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "==> pip: installing clinicdesk with the server, test and build extras"
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q -e '.[server,test,build]'
    touch "$stamp"
  fi
  if [ -f resources/translations/build.py ]; then "$PY" resources/translations/build.py; fi
}

setup_node() {
  # The independent FHIR R4 server the sync suite also runs against: npm packages pinned by
  # package-lock.json.
  local shim=thirdparty/medplum_shim version
  version=$(node --version 2>/dev/null | sed 's/^v//') || true
  if [ -z "$version" ] || [ "$(printf '%s\n' "$NODE_MIN" "$version" | sort -V | head -1)" != "$NODE_MIN" ]; then
    echo "!! Node.js $NODE_MIN or newer is needed for $shim (found: ${version:-none});" >&2
    echo "!! install it (Debian bookworm's nodejs package will do), then run this again." >&2
    exit 1
  fi
  if [ ! -d "$shim/node_modules" ] || [ "$shim/package-lock.json" -nt "$shim/node_modules" ]; then
    echo "==> npm: installing $shim (npm ci)"
    (cd "$shim" && npm ci --no-audit --no-fund --loglevel=error) && touch "$shim/node_modules"
  fi
}

setup() { setup_apt; setup_venv; setup_node; }

run_tests() {
  # A private session bus and an unlocked gnome-keyring: the real Secret Service, headless.
  export HOME_FOR_TESTS; HOME_FOR_TESTS=$(mktemp -d)
  trap 'rm -rf "$HOME_FOR_TESTS"' EXIT
  HOME="$HOME_FOR_TESTS" \
  PYTHON_KEYRING_BACKEND=keyring.backends.SecretService.Keyring \
  QT_QPA_PLATFORM=offscreen \
  dbus-run-session -- sh -c '
    printf clinicdesk-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    exec "$0" -m pytest "$@"' "$PWD/$PY" "$@"
}

cmd=${1:-help}; shift || true
case "$cmd" in
  setup) setup ;;
  demo) setup; exec "$PY" -m app demo "$@" ;;
  test) setup; run_tests "$@" ;;
  bench) setup; exec "$PY" -m bench "$@" ;;
  bundle) setup; exec "$PY" installer/build.py "$@" ;;
  *) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
