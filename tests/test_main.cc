// main() of every unit test binary, in place of gtest_main: gtest's own, plus StrictSkips, which under
// URLSWEEP_CI_STRICT=1 (.ci/run) turns a GTEST_SKIP into a failure unless its message starts with
// kEnvironmentOnlySkip (tests/test_environment.h). Without it a skipped gtest passes CI silently: ctest
// shows it as "Skipped" and exits 0.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "tests/test_environment.h"

namespace urlsweep {
namespace {

bool StrictSkipsWanted() {
  const char* strict = std::getenv("URLSWEEP_CI_STRICT");
  return strict != nullptr && std::strcmp(strict, "1") == 0;
}

// Whether a skipped test gave kEnvironmentOnlySkip as the start of its message. gtest stores the
// message as "Skipped\n" followed by what the test streamed into GTEST_SKIP().
bool SkippedForTheEnvironment(const ::testing::TestResult& result) {
  for (int i = 0; i < result.total_part_count(); ++i) {
    const ::testing::TestPartResult& part = result.GetTestPartResult(i);
    if (!part.skipped()) continue;
    const char* message = part.message();
    const char* user = std::strchr(message, '\n');
    user = user != nullptr ? user + 1 : message;
    if (std::strncmp(user, kEnvironmentOnlySkip, std::strlen(kEnvironmentOnlySkip)) == 0) return true;
  }
  return false;
}

// Fails a skipped test from OnTestEnd. gtest calls OnTestEnd on its listeners last-appended first and
// the test is still the current one then, so the failure lands in the test's own result before the
// default printer reports it: the test prints and counts as FAILED, and ctest (whose
// gtest_discover_tests marks a test skipped on "[  SKIPPED ]") sees a failure. It generates failures,
// so it must not handle OnTestPartResult (gtest's rule for such listeners).
class StrictSkips : public ::testing::EmptyTestEventListener {
 public:
  void OnTestEnd(const ::testing::TestInfo& test) override {
    const ::testing::TestResult& result = *test.result();
    if (!result.Skipped() || SkippedForTheEnvironment(result)) return;
    ADD_FAILURE() << "URLSWEEP_CI_STRICT=1: " << test.test_suite_name() << "." << test.name()
                  << " was skipped, and CI must run it. A skip whose cause is the machine rather than "
                     "the project starts its message with \""
                  << kEnvironmentOnlySkip << "\" (tests/test_environment.h).";
  }
};

}  // namespace
}  // namespace urlsweep

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (urlsweep::StrictSkipsWanted()) {
    ::testing::UnitTest::GetInstance()->listeners().Append(new urlsweep::StrictSkips);
  }
  return RUN_ALL_TESTS();
}
