#!/usr/bin/env bash
# CI: builds every libFuzzer target of tests/fuzz/ with clang (ASan + UBSan), replays its committed corpus,
# then fuzzes it for a bounded time. Fails when any target does not build, crashes, leaks, trips a
# sanitizer, hangs on one input, or runs out of memory; the input that did it is kept in
# BUILD_DIR/fuzz-artifacts/ and named in the log. The committed corpus is read, never written: new inputs
# go to BUILD_DIR/fuzz-corpus/<target>/.
#
# Usage: tools/ci_fuzz.sh [BUILD_DIR]   (default: build-fuzz, a folder of its own: everything in it is
# instrumented for coverage)
# Environment: FUZZ_SECONDS per target (default 20), JOBS for the build (default: nproc), FUZZ_TARGETS (a
# space-separated subset, e.g. "url_fuzz"; default: every target) for a run on one's own machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build-fuzz}
jobs=${JOBS:-$(nproc)}
seconds=${FUZZ_SECONDS:-20}

# A slower input than this is a hang: every target handles one input in well under a millisecond.
per_input_timeout_s=10
# Memory for one fuzzing process: far above what any target needs, far below the machine's.
rss_limit_mb=2048

# UBSan's checks are recoverable in this build (fuzzer-no-link keeps them so); halt_on_error turns a
# report into a crash libFuzzer records.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}

# -O1: libFuzzer's advice for sanitized targets (fast enough, exact traces); Debug keeps assert() on.
CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_C_FLAGS_DEBUG="-g -O1" -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" -DURLSWEEP_FUZZ=ON \
  -DURLSWEEP_SANITIZE=OFF -DURLSWEEP_BENCH=OFF -DURLSWEEP_TESTS=ON >/dev/null
if ! grep -q '^CMAKE_CXX_COMPILER:.*clang' "$build/CMakeCache.txt"; then
  echo "ci_fuzz: $build was configured with a compiler other than clang; use a fresh BUILD_DIR" >&2
  exit 1
fi

mapfile -t targets < <(sed -n 's/^urlsweep_fuzz(\([A-Za-z0-9_]*\).*/\1/p' tests/fuzz/CMakeLists.txt)
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "ci_fuzz: no urlsweep_fuzz(...) line in tests/fuzz/CMakeLists.txt" >&2
  exit 1
fi
if [[ -n ${FUZZ_TARGETS:-} ]]; then
  for wanted in $FUZZ_TARGETS; do
    if [[ " ${targets[*]} " != *" $wanted "* ]]; then
      echo "ci_fuzz: FUZZ_TARGETS names $wanted, which tests/fuzz/CMakeLists.txt does not build" >&2
      exit 1
    fi
  done
  read -r -a targets <<<"$FUZZ_TARGETS"
fi
echo "ci_fuzz: building ${targets[*]}"
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

artifacts=$root/$build/fuzz-artifacts
mkdir -p "$artifacts"
failed=()
for target in "${targets[@]}"; do
  binary=$(find "$build/tests/fuzz" -maxdepth 1 -type f -name "$target" -perm -u+x | head -n 1)
  committed=tests/fuzz/corpus/${target%_fuzz}
  if [[ ! -d $committed ]] || [[ -z $(ls -A "$committed") ]]; then
    echo "ci_fuzz: $target has no seed corpus in $committed" >&2
    failed+=("$target (no corpus)")
    continue
  fi
  work=$build/fuzz-corpus/$target
  mkdir -p "$work"
  flags=(-timeout="$per_input_timeout_s" -rss_limit_mb="$rss_limit_mb" -artifact_prefix="$artifacts/$target-"
         -print_final_stats=1)

  echo "ci_fuzz: $target: replaying $committed"
  if ! "$binary" "${flags[@]}" -runs=0 "$committed" >"$artifacts/$target-replay.log" 2>&1; then
    tail -n 40 "$artifacts/$target-replay.log"
    failed+=("$target (corpus replay)")
    continue
  fi

  # The first folder gets the new inputs; the committed corpus only seeds.
  echo "ci_fuzz: $target: fuzzing for $seconds s"
  if ! "$binary" "${flags[@]}" -max_total_time="$seconds" "$work" "$committed" \
      >"$artifacts/$target-fuzz.log" 2>&1; then
    tail -n 60 "$artifacts/$target-fuzz.log"
    failed+=("$target (fuzzing: see $artifacts/$target-*)")
    continue
  fi
  grep -E '^stat::(number_of_executed_units|peak_rss_mb|new_units_added)' "$artifacts/$target-fuzz.log" |
    sed "s/^/ci_fuzz: $target: /"
done

if [[ ${#failed[@]} -gt 0 ]]; then
  printf 'ci_fuzz: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "ci_fuzz: ${#targets[@]} targets replayed their corpus and ran ${seconds} s each without a finding"
