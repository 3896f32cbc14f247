// Test helpers: unique paths under the test's temporary directory, and a file's whole content read or
// written.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace urlsweep {

// A new path under testing::TempDir() on every call, ending in `stem`.
inline std::string TempPath(const char* stem) {
  static std::atomic<int> counter{0};
  return absl::StrCat(testing::TempDir(), "urlsweep_output_", getpid(), "_", counter++, "_", stem);
}

// The file's bytes; empty when it cannot be opened.
inline std::string ReadAll(const std::string& path) {
  std::string bytes;
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) return bytes;
  char buffer[65536];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), f)) > 0) bytes.append(buffer, n);
  fclose(f);
  return bytes;
}

// Replaces the file's content with `bytes`.
inline void WriteAll(const std::string& path, std::string_view bytes) {
  FILE* f = fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  fclose(f);
}

}  // namespace urlsweep
