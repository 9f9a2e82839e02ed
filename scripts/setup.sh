#!/usr/bin/env bash
# Create both virtual environments when missing or when pyproject.toml changed.
#   .venv-rasa  Python 3.10: Rasa Open Source (conversation server)
#   .venv       Python 3.11: action server, retrieval, staff CLI, tests
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {  # find_python 3.10 -> path of a python3.10 executable
  local version=$1 candidate
  for candidate in "python$version" "$(pyenv root 2>/dev/null)/versions/$version"*/bin/"python$version" \
                   /usr/bin/"python$version" /usr/local/bin/"python$version"; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys' >/dev/null 2>&1; then
      command -v "$candidate"; return 0
    fi
  done
  echo "setup: Python $version not found (install it, e.g. 'pyenv install $version')" >&2
  return 1
}

stamp=$(sha256sum pyproject.toml | cut -c1-16)

make_venv() {  # make_venv DIR PYTHON_VERSION EXTRAS [PRE_INSTALL]
  local dir=$1 version=$2 extras=$3 pre=${4:-}
  if [ -f "$dir/.installed-$stamp" ]; then
    echo "setup: $dir is up to date"; return 0
  fi
  echo "setup: creating $dir (Python $version, extras: $extras); this takes a few minutes the first time"
  local python; python=$(find_python "$version")
  rm -rf "$dir"
  "$python" -m venv "$dir"
  "$dir/bin/pip" install --progress-bar on --quiet --upgrade pip 'setuptools<70' wheel
  if [ -n "$pre" ]; then "$dir/bin/pip" install --progress-bar on $pre; fi
  "$dir/bin/pip" install --progress-bar on -e ".[$extras]"
  touch "$dir/.installed-$stamp"
  echo "setup: $dir ready"
}

# torch first, alone and pinned, so pip takes the CPU build from this machine's disk
make_venv .venv 3.11 app,dev "torch==2.13.0" &
app_pid=$!
make_venv .venv-rasa 3.10 rasa
wait $app_pid
