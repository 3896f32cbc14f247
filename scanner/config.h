// The command line of a scan: argv -> a validated Config (core/options.h). Pure: it reads the
// environment only through the EnvLookup it is given (for the proxy variables) and the file system only
// to check that --ca-file and --exclude are readable.
//
// The syntax (which arguments are flags, where values stand) is core/flag_tokenizer.h's, shared with
// `urlsweep report`; the --help text is scanner/help_text.h; the per-URL proxy choice is
// scanner/proxy_rules.h. Both are included here because the command line's users (main.cc, the engine)
// need them with it.
#pragma once

#include <span>

#include "absl/status/statusor.h"
#include "core/flag_tokenizer.h"
#include "core/options.h"
#include "scanner/help_text.h"
#include "scanner/proxy_rules.h"

namespace urlsweep {

// What the command line asked for.
struct ParsedArgs {
  enum class Action { kScan, kHelp, kVersion };
  Action action = Action::kScan;
  Config config;
};

// Parses and validates argv. Errors are one clear line (no trailing newline), e.g.
// "--concurrency: expected a positive integer, got 'x'". `env` looks up environment variables
// (nullptr result = unset); it is a parameter so tests need not touch the real environment.
// `stdout_is_terminal`: standard output is a terminal, which makes `--format text` the default.
absl::StatusOr<ParsedArgs> ParseArgs(int argc, const char* const* argv, EnvLookup env,
                                     bool stdout_is_terminal = false);

// Every flag ParseArgs accepts (for the test that holds --help and the man page to them).
std::span<const FlagSpec> ScanFlags();

}  // namespace urlsweep
