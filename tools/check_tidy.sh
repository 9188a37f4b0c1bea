#!/bin/sh
# Runs clang-tidy (.clang-tidy) over the sources, with the compile commands of
# a build directory (default: build). Fails on any finding.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
if ! command -v clang-tidy >/dev/null 2>&1; then
    echo "check_tidy: clang-tidy not installed, skipped"
    exit 0
fi
status=0
for file in $(find src -name "*.cpp" | sort); do
    clang-tidy -p "$build" --quiet "$file" 2>/dev/null || status=1
done
exit $status
