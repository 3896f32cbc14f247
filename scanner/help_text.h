// The text `urlsweep --help` prints: every flag with its default, and the proxy environment rules.
#pragma once

namespace urlsweep {

const char* HelpText();

}  // namespace urlsweep
