// The documentation of the scan's flags, written once: `urlsweep --help` and the man page
// (scanner/man_page.h) both render this table, and a test holds it to the flags ParseArgs accepts.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace urlsweep {

// One line of --help: a flag (or a flag and its curl name) with its argument, meaning and default.
struct FlagDoc {
  std::string_view short_name;  // "-o", or "" when there is none
  std::string_view long_name;   // "--output", or "" for a short-only flag ("-4")
  std::string_view argument;    // "PATH", or "" for a switch
  std::string_view meaning;     // one line, no trailing period
  std::string_view fallback;    // the default as --help states it; "" when there is none to state
};

// Every flag of a scan, in the order --help lists them.
std::span<const FlagDoc> FlagDocs();

// What `urlsweep --help` prints: usage, every flag with its default, the proxy environment rules,
// the exit status and a pointer to `urlsweep report`.
const std::string& HelpText();

}  // namespace urlsweep
