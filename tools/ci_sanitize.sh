#!/usr/bin/env bash
# CI: the unit tests, and the integration tests that finish quickly, under AddressSanitizer (leaks
# included) and UndefinedBehaviorSanitizer. Any report fails the run: every sanitizer aborts on its first
# finding, and a test that aborts fails.
#
# Usage: tools/ci_sanitize.sh [BUILD_DIR]   (default: build-sanitize, a folder of its own: the flags
# differ from every other build's)
# Environment: CC/CXX pick the compiler (gcc or clang; default: the system's), JOBS the parallel build
# and test jobs (default: nproc), SKIP_INTEGRATION=1 runs the unit tests only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build-sanitize}
jobs=${JOBS:-$(nproc)}

# Integration groups that take at most about a minute each when sanitized (about 7 minutes in all on two
# cores; report takes about 25 s: three small scans, the report reader of each format, DuckDB and
# Chromium). Left out: scale, resume, shards and the Parquet readback, which take minutes each and mostly
# repeat at volume what these check once.
quick_integration=(fixtures h2_fixture http2 scheme_less columns input http redirects dns connect exchange keepalive tls proxy proxy_auth proxy_socks proxy_https hostile politeness faults pipelines
  report cli resumption progress)

# halt_on_error / abort_on_error: stop at the first report with a non-zero status, so ctest sees a
# failure rather than a passing test with a report in its log. detect_leaks: a leak in a test is a leak
# in the scanner. detect_stack_use_after_return: catches spans into buffers of a returned frame, the
# bug class house style rule 9 invites.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-print_suppressions=0}
# The tests read this (tests/integration/fixtures.py SANITIZED): the code runs several times slower here,
# so upper bounds on wall-clock time are loosened to what still tells the behaviour apart, or not
# asserted where the rows already show it. The C++ tests see the same from __SANITIZE_ADDRESS__
# (tests/test_environment.h kSanitized).
export URLSWEEP_SANITIZED=1

# -O1 keeps the stack traces exact while making the sanitized tests several times faster than -O0; the
# Debug type keeps assert() on.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1" \
  -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" -DURLSWEEP_SANITIZE=ON -DURLSWEEP_FUZZ=OFF -DURLSWEEP_BENCH=OFF \
  -DURLSWEEP_TESTS=ON >/dev/null

# Only what the tests run: every urlsweep_test(...) (a missing test source stops the configuration
# above, so each one is defined), urlsweep and the fixture server.
mapfile -t declared < <(sed -n 's/^urlsweep_test(\([A-Za-z0-9_]*\).*/\1/p' tests/CMakeLists.txt)
targets=(urlsweep urlsweep_man fixture_server "${declared[@]}")
echo "ci_sanitize: building ${#targets[@]} targets in $build with $jobs jobs"
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

cd "$build"
echo "ci_sanitize: unit tests"
ctest -L unit -j"$jobs" --output-on-failure --timeout 300

if [[ "${SKIP_INTEGRATION:-0}" != 1 ]]; then
  regex="^integration_($(IFS='|'; echo "${quick_integration[*]}"))\$"
  echo "ci_sanitize: integration tests $regex"
  # One at a time: each starts its own fixture stack, and the timing tests need a CPU to themselves.
  ctest -R "$regex" --output-on-failure --timeout 600
fi
echo "ci_sanitize: all green under ASan/UBSan ($root/$build)"
