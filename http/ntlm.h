// NTLM authentication (MS-NLMP) as an HTTP proxy client speaks it: the NEGOTIATE message, a decoder for
// the server's CHALLENGE message, and the AUTHENTICATE message with an NTLMv2 response. Pure: bytes in,
// bytes out; the hashes go through OpenSSL's EVP interface.
//
// MD4 (for NTOWFv2) lives in OpenSSL 3's "legacy" provider, which is not loaded by default:
// EnableNtlmCrypto loads it (and "default" beside it, since loading one provider explicitly stops
// OpenSSL from loading the default one implicitly) the first time NTLM is used, never before.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace urlsweep {

// NegotiateFlags bits (MS-NLMP section 2.2.2.5) that urlsweep sets or reads.
constexpr uint32_t kNtlmNegotiateUnicode = 0x00000001;
constexpr uint32_t kNtlmNegotiateOem = 0x00000002;
constexpr uint32_t kNtlmRequestTarget = 0x00000004;
constexpr uint32_t kNtlmNegotiateNtlm = 0x00000200;
constexpr uint32_t kNtlmNegotiateAlwaysSign = 0x00008000;
constexpr uint32_t kNtlmNegotiateExtendedSessionSecurity = 0x00080000;
constexpr uint32_t kNtlmNegotiateTargetInfo = 0x00800000;

// A CHALLENGE message larger than this is refused: real ones are a few hundred bytes, and the header
// that carries it is bounded by the response parser anyway.
constexpr size_t kMaxNtlmChallengeBytes = 4096;

// Loads OpenSSL's legacy provider (MD4) and the default provider, once per process; false when the
// legacy provider is not installed (NTLM then cannot be answered). Thread-safe.
bool EnableNtlmCrypto();

// The NEGOTIATE message (section 2.2.1.1): no domain or workstation supplied, 32 bytes.
std::string NtlmNegotiateMessage();

struct NtlmChallenge {
  uint32_t flags = 0;
  std::array<uint8_t, 8> server_challenge{};
  std::string target_info;     // the raw AV_PAIR list, ending in MsvAvEOL (empty when none was sent)
  bool has_timestamp = false;  // MsvAvTimestamp was among the AV pairs
  uint64_t timestamp = 0;      // its FILETIME value (100 ns units since 1601-01-01)
};

// Decodes a CHALLENGE message (section 2.2.1.2). The target info (read only when the server set
// NTLMSSP_NEGOTIATE_TARGET_INFO) is checked against the message; its AV pairs must each fit and the
// list must end in MsvAvEOL. The target name is not read. False when it is not a well-formed
// CHALLENGE message.
bool ParseNtlmChallenge(std::string_view message, NtlmChallenge* out);

struct NtlmCredentials {
  std::string_view user;    // as given; "DOMAIN\user" is split by SplitNtlmUser first
  std::string_view domain;
  std::string_view password;
  std::string_view workstation;  // may be empty
};

// "DOMAIN\user" -> domain "DOMAIN", user "user"; without a backslash the domain is empty.
void SplitNtlmUser(std::string_view given, std::string_view* domain, std::string_view* user);

// What the client contributes to an NTLMv2 response: 8 random bytes, and the time used when the
// challenge carries no MsvAvTimestamp.
struct NtlmClientValues {
  std::array<uint8_t, 8> client_challenge{};
  uint64_t now_filetime = 0;
};

// Random client challenge and the current time as a FILETIME.
NtlmClientValues MakeNtlmClientValues();

// NTOWFv2 (section 3.3.2): HMAC-MD5(MD4(UTF-16LE(password)), UTF-16LE(upper(user) + domain)). User and
// domain are UTF-8; upper-casing covers ASCII letters only. False when MD4 is unavailable.
bool NtowfV2(std::string_view user, std::string_view domain, std::string_view password,
             std::array<uint8_t, 16>* out);

// The NTLMv2 responses (section 3.3.2) for a challenge: NtChallengeResponse (NTProofStr then the
// blob "temp") and LmChallengeResponse (LMv2, or 24 zero bytes when the challenge carries a timestamp,
// as section 3.1.5.1.2 asks).
bool NtlmV2Responses(const NtlmChallenge& challenge, const NtlmCredentials& credentials,
                     const NtlmClientValues& client, std::string* nt_response, std::string* lm_response);

// The AUTHENTICATE message (section 2.2.1.3) without MIC or version: the responses above, domain, user
// and workstation (UTF-16LE when the server negotiated Unicode, else as given), no session key.
bool NtlmAuthenticateMessage(const NtlmChallenge& challenge, const NtlmCredentials& credentials,
                             const NtlmClientValues& client, std::string* out);

// "NTLM " + base64(message), a Proxy-Authorization value.
std::string NtlmAuthorization(std::string_view message);

}  // namespace urlsweep
