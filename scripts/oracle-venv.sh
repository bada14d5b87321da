#!/usr/bin/env bash
# Builds (once per machine) the cached Python virtualenvs holding real MLflow, the oracle
# the differential tests compare against. Shared by .ci/run and the test suite.
# Usage: scripts/oracle-venv.sh [2|3|spark|all]   prints "<line> <python path>" for each built env.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${PYFUNC_ORACLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyfunc-ts/oracle}"
python="${PYFUNC_PYTHON:-python3}"
which_lines="${1:-all}"
mkdir -p "$cache"

uv_bin() {
  local tool="$cache/uv-tool"
  if [ ! -x "$tool/bin/uv" ]; then
    rm -rf "$tool.tmp"
    "$python" -m venv "$tool.tmp" >&2
    "$tool.tmp/bin/python" -m pip install --quiet --disable-pip-version-check 'uv==0.9.*' >&2
    rm -rf "$tool" && mv "$tool.tmp" "$tool"
    # venv scripts hard-code their path; re-create the entry point location-independently
  fi
  if ! "$tool/bin/python" -m uv --version >/dev/null 2>&1; then
    rm -rf "$tool"; uv_bin; return
  fi
  echo "$tool/bin/python -m uv"
}

build() {
  local line="$1" reqs="$here/../test/oracle/requirements-mlflow$1.txt" prefix="mlflow$1"
  # the spark line: PySpark with MLflow 3 and pandas 2 (PySpark does not run on pandas 3)
  if [ "$line" = spark ]; then reqs="$here/../test/oracle/requirements-spark.txt"; prefix=spark; fi
  local key; key="$(cat "$reqs" | sha256sum | cut -c1-16)"
  local env="$cache/$prefix-$key"
  if [ ! -x "$env/bin/python" ] || [ ! -f "$env/.complete" ]; then
    local uv; uv="$(uv_bin)"
    rm -rf "$env" "$env.tmp"
    $uv venv --quiet --python "$(command -v "$python")" "$env" >&2
    VIRTUAL_ENV="$env" $uv pip install --quiet --python "$env/bin/python" -r "$reqs" >&2
    touch "$env/.complete"
    # drop environments of this line built from older pins
    find "$cache" -maxdepth 1 -name "$prefix-*" ! -name "$prefix-$key" -exec rm -rf {} + 2>/dev/null || true
  fi
  echo "$line $env/bin/python"
}

case "$which_lines" in
  2) build 2 ;;
  3) build 3 ;;
  spark) build spark ;;
  all) build 2; build 3; build spark ;;
  *) echo "usage: $0 [2|3|spark|all]" >&2; exit 2 ;;
esac
