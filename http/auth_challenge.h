// Parser for the challenges of a Proxy-Authenticate (or WWW-Authenticate) field (RFC 9110 section 11.6.1):
// one field may hold several challenges separated by commas, and a response may carry several fields.
// Pure: a field value in, structs out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace urlsweep {

struct AuthParam {
  std::string name;   // lower case (parameter names are case-insensitive, RFC 9110 section 11.2)
  std::string value;  // a quoted-string's value with its escapes removed
};

struct AuthChallenge {
  std::string scheme;   // lower case ("basic", "digest", "ntlm", ...)
  std::string token68;  // the token68 form (NTLM's base64 message); empty when params are used
  std::vector<AuthParam> params;

  // The value of the first parameter named `name` (lower case), or nullptr.
  const std::string* Param(std::string_view name) const;
};

// Bounds on what one response may make us keep: a proxy sends two to four challenges.
constexpr size_t kMaxChallenges = 16;
constexpr size_t kMaxAuthParams = 32;  // per challenge

// Appends the challenges of one field value to *out. Empty list elements (",,") are skipped, as the
// list syntax allows (RFC 9110 section 5.6.1.2). Returns false at the first element that is not a
// challenge or auth-param (or past the bounds); what was parsed before it stays in *out, so a proxy's
// malformed extra challenge does not hide the good ones before it.
bool ParseAuthChallenges(std::string_view field_value, std::vector<AuthChallenge>* out);

}  // namespace urlsweep
