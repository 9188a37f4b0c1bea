#!/bin/sh
# Fails if a Python file differs from what black makes of it or flake8 finds
# anything in it (pyproject.toml's [tool.black], .flake8). Python files are
# the *.py files and the scripts whose first line names python.
set -eu
cd "$(dirname "$0")/.."
# Debian's Python, which has flake8 (python3-flake8), before any other on the PATH.
python=$(command -v /usr/bin/python3 || command -v python3)
if ! command -v black >/dev/null 2>&1 || ! "$python" -m flake8 --version >/dev/null 2>&1; then
    echo "check_python: black or flake8 not installed (tools/install_dependencies.sh), skipped"
    exit 0
fi
files=$(git ls-files | while read -r file; do
    case "$file" in
    *.py) echo "$file" ;;
    *) if [ -f "$file" ] && head -n 1 "$file" | grep -q '^#!.*python'; then echo "$file"; fi ;;
    esac
done)
status=0
# shellcheck disable=SC2086
black --check $files || status=1
# shellcheck disable=SC2086
"$python" -m flake8 $files || status=1
exit $status
