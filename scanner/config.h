// The command line: argv -> a validated Config (core/options.h), the --help text, and the proxy rules
// applied per URL. Pure: no I/O beyond reading the environment for proxy variables, no libuv.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "core/options.h"

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
using EnvLookup = const char* (*)(const char* name);
absl::StatusOr<ParsedArgs> ParseArgs(int argc, const char* const* argv, EnvLookup env);

// The --help text.
const char* HelpText();

// The proxy for one URL, from the rules above; nullptr = connect directly. `host` is the lower-case
// ASCII host name or IP literal of the URL (no brackets). no_proxy entries match the name and its
// subdomains. Pure and cheap: called once per URL.
const ProxySpec* ProxyFor(const Config& config, bool https, std::string_view host);

}  // namespace urlsweep
