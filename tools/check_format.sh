#!/bin/sh
# Fails if a C++ source differs from what clang-format (.clang-format) makes of it.
set -eu
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
    echo "check_format: clang-format not installed, skipped"
    exit 0
fi
status=0
for file in $(git ls-files 'src/*.cpp' 'include/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'tools/*.cpp'); do
    if ! clang-format --dry-run --Werror "$file" >/dev/null 2>&1; then
        echo "check_format: $file is not formatted (run: clang-format -i $file)"
        status=1
    fi
done
exit $status
