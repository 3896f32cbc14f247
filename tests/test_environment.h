// What a test may know about where it runs: whether a skip is the machine's doing, and whether a
// sanitizer slows the code under test.
#pragma once

namespace urlsweep {

// Starts the message of a GTEST_SKIP whose cause is the machine, not the project: a device node, an
// address or a limit a container may not provide (`GTEST_SKIP() << kEnvironmentOnlySkip << "no
// /dev/full"`). Under URLSWEEP_CI_STRICT=1 (.ci/run) every other skip fails its test
// (tests/test_main.cc), as tests/integration/fixtures.py OPTIONAL_SKIPS does for the Python tests: a
// test CI skipped is a test CI did not run.
inline constexpr char kEnvironmentOnlySkip[] = "environment-only: ";

// Whether AddressSanitizer is compiled in (tools/ci_sanitize.sh, -DURLSWEEP_SANITIZE=ON). The code then
// runs several times slower on a shared machine, so an upper bound on wall-clock time would measure
// the sanitizer: such bounds are asserted only when this is false (the behaviour itself always is).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace urlsweep
