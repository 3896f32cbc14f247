// Fuzzes ParseNtlmChallenge (an NTLM CHALLENGE message, raw bytes) and, for a message it accepts, the
// AUTHENTICATE message built from it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/ntlm.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  urlsweep::NtlmChallenge challenge;
  if (!urlsweep::ParseNtlmChallenge(in, &challenge)) return 0;
  if (challenge.target_info.size() > in.size()) __builtin_trap();
  // A kept AV list ends in MsvAvEOL: four zero bytes at its end.
  if (!challenge.target_info.empty() &&
      (challenge.target_info.size() < 4 ||
       challenge.target_info.compare(challenge.target_info.size() - 4, 4, std::string(4, '\0')) != 0)) {
    __builtin_trap();
  }
  urlsweep::NtlmClientValues client;
  client.client_challenge.fill(0x11);
  std::string message;
  if (urlsweep::NtlmAuthenticateMessage(challenge, {"user", "DOMAIN", "password", ""}, client, &message)) {
    if (message.size() < 64 + 24 + 16) __builtin_trap();
  }
  return 0;
}
