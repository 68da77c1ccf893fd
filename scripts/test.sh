#!/usr/bin/env bash
# Runs every test of parkdb: the Rust crate's, then the Python package's
# against a wheel built here. Installs what it needs into .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
# A clean build gains nothing from incremental compilation's files, which
# take disk; and the disk free is the first thing to know if a build fails.
export CARGO_INCREMENTAL=0
# Each phase says how long the run has taken so far.
phase() { echo "== [${SECONDS}s] $*"; }
df -h . | tail -n 1 | awk '{print "== disk free here: " $4 " of " $2}'

python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r bindings-python/requirements-test.txt

phase "formatting, lints and docs"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# The library as embedders who turn the ledgers off build it, with its tests.
cargo clippy -p parkdb --no-default-features --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet

phase "Rust tests"
cargo test --workspace --exclude parkdb-python

phase "building the Python wheel"
rm -rf target/wheels
# The dev profile, as the Rust tests just built it: the dependencies
# compiled for them serve the wheel too, so it builds in about 70 s on
# CI's machine where an optimised build took 250-340 s; the Python tests
# run about 10 s slower on it, and with overflow checks on.
.venv/bin/maturin build --profile dev --quiet -m bindings-python/Cargo.toml -o target/wheels
.venv/bin/python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps target/wheels/parkdb-*.whl

# The browser test drives the dashboard (`parkdb serve`) in the
# distribution's headless Chromium through its chromedriver.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    phase "installing chromium and chromium-driver (Debian) for the browser test"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        chromium chromium-driver fonts-noto-cjk >/dev/null
fi

# pytest under one virtualenv; collecting no tests (exit 5) is a failure here.
run_pytest() {
    local status=0
    ( cd bindings-python && "../$1/bin/python" -m pytest -q tests ) || status=$?
    if [ "$status" -eq 5 ]; then
        echo "pytest collected no tests: that is a failure here" >&2
        return 1
    fi
    return "$status"
}

phase "Python tests (pandas 3)"
run_pytest .venv

phase "Python tests again under pandas 2 (text as Python objects)"
python3 -m venv .venv-pandas2
grep -v '^pandas==' bindings-python/requirements-test.txt \
    | cat - bindings-python/requirements-pandas2.txt > .venv-pandas2/requirements.txt
.venv-pandas2/bin/python -m pip install --quiet --disable-pip-version-check -r .venv-pandas2/requirements.txt
.venv-pandas2/bin/python -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps target/wheels/parkdb-*.whl
run_pytest .venv-pandas2
phase "done"
