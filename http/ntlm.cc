#include "http/ntlm.h"

#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstdlib>
#include <mutex>

#include "absl/strings/escaping.h"

namespace urlsweep {
namespace {

constexpr std::string_view kSignature("NTLMSSP\0", 8);
constexpr uint32_t kNegotiateType = 1;
constexpr uint32_t kChallengeType = 2;
constexpr uint32_t kAuthenticateType = 3;
// The client's flags: Unicode or OEM strings, ask for the target, NTLM, always-sign and extended
// session security (what every current client sends; NTLMv2 needs no more).
constexpr uint32_t kClientFlags = kNtlmNegotiateUnicode | kNtlmNegotiateOem | kNtlmRequestTarget |
                                  kNtlmNegotiateNtlm | kNtlmNegotiateAlwaysSign |
                                  kNtlmNegotiateExtendedSessionSecurity;
constexpr uint16_t kMsvAvEol = 0;
constexpr uint16_t kMsvAvTimestamp = 7;
// Seconds from 1601-01-01 (FILETIME's epoch) to 1970-01-01.
constexpr uint64_t kFiletimeUnixOffsetS = 11644473600ULL;

uint16_t Get16(std::string_view s, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[at]) | (static_cast<uint8_t>(s[at + 1]) << 8));
}
uint32_t Get32(std::string_view s, size_t at) { return Get16(s, at) | (uint32_t{Get16(s, at + 2)} << 16); }
uint64_t Get64(std::string_view s, size_t at) { return Get32(s, at) | (uint64_t{Get32(s, at + 4)} << 32); }

void Put16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xff));
  out->push_back(static_cast<char>(v >> 8));
}
void Put32(std::string* out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v & 0xffff));
  Put16(out, static_cast<uint16_t>(v >> 16));
}
void Put64(std::string* out, uint64_t v) {
  Put32(out, static_cast<uint32_t>(v & 0xffffffff));
  Put32(out, static_cast<uint32_t>(v >> 32));
}

// UTF-8 to UTF-16LE; a byte that does not start a valid sequence becomes U+FFFD.
std::string Utf16Le(std::string_view utf8, bool upper_ascii) {
  std::string out;
  out.reserve(utf8.size() * 2);
  size_t i = 0;
  while (i < utf8.size()) {
    uint8_t c = static_cast<uint8_t>(utf8[i]);
    uint32_t cp = 0xFFFD;
    size_t extra = 0;
    if (c < 0x80) {
      cp = c;
    } else if (c >= 0xC2 && c <= 0xDF) {
      cp = c & 0x1F;
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      cp = c & 0x0F;
      extra = 2;
    } else if (c >= 0xF0 && c <= 0xF4) {
      cp = c & 0x07;
      extra = 3;
    }
    bool ok = i + extra < utf8.size() || extra == 0;
    for (size_t k = 1; ok && k <= extra; ++k) {
      uint8_t cc = static_cast<uint8_t>(utf8[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    const uint32_t min_for_length[] = {0, 0x80, 0x800, 0x10000};
    if (!ok || cp < min_for_length[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      cp = 0xFFFD;
      extra = 0;
    }
    i += extra + 1;
    if (upper_ascii && cp >= 'a' && cp <= 'z') cp -= 'a' - 'A';
    if (cp >= 0x10000) {
      cp -= 0x10000;
      Put16(&out, static_cast<uint16_t>(0xD800 + (cp >> 10)));
      Put16(&out, static_cast<uint16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      Put16(&out, static_cast<uint16_t>(cp));
    }
  }
  return out;
}

bool HmacMd5(const uint8_t* key, size_t key_len, std::string_view data, std::array<uint8_t, 16>* out) {
  size_t len = 0;
  return EVP_Q_mac(nullptr, "HMAC", nullptr, "MD5", nullptr, key, key_len,
                   reinterpret_cast<const unsigned char*>(data.data()), data.size(), out->data(),
                   out->size(), &len) != nullptr &&
         len == out->size();
}

bool Md4(std::string_view data, std::array<uint8_t, 16>* out) {
  if (!EnableNtlmCrypto()) return false;
  EVP_MD* md = EVP_MD_fetch(nullptr, "MD4", nullptr);
  if (md == nullptr) return false;
  unsigned int len = 0;
  bool ok = EVP_Digest(data.data(), data.size(), out->data(), &len, md, nullptr) == 1 && len == 16;
  EVP_MD_free(md);
  return ok;
}

// A security buffer (len, maxlen, offset) whose payload is `size` bytes at `offset`.
void PutField(std::string* out, size_t size, size_t offset) {
  Put16(out, static_cast<uint16_t>(size));
  Put16(out, static_cast<uint16_t>(size));
  Put32(out, static_cast<uint32_t>(offset));
}

// Reads a security buffer at `at`; false when its payload does not lie inside the message.
bool GetField(std::string_view message, size_t at, std::string_view* payload) {
  uint16_t len = Get16(message, at);
  uint32_t offset = Get32(message, at + 4);
  if (offset > message.size() || len > message.size() - offset) return false;
  *payload = message.substr(offset, len);
  return true;
}

}  // namespace

bool EnableNtlmCrypto() {
  static std::once_flag once;
  static bool available = false;
  // Both stay loaded until the process exits, held here.
  static OSSL_PROVIDER* base = nullptr;
  static OSSL_PROVIDER* legacy = nullptr;
  std::call_once(once, [] {
    // "default" first: once any provider is loaded explicitly OpenSSL no longer falls back to it.
    base = OSSL_PROVIDER_load(nullptr, "default");
    legacy = OSSL_PROVIDER_load(nullptr, "legacy");
    if (legacy != nullptr) {
      EVP_MD* md = EVP_MD_fetch(nullptr, "MD4", nullptr);
      available = md != nullptr;
      EVP_MD_free(md);
    }
    // Our loads are given back at exit, before OpenSSL's own cleanup (registered earlier, so run
    // later): it frees only what no load still holds, and what ours held would be reported as leaked
    // by LeakSanitizer. The process has ended its work by then (the scan's threads are joined).
    std::atexit([] {
      if (legacy != nullptr) OSSL_PROVIDER_unload(legacy);
      if (base != nullptr) OSSL_PROVIDER_unload(base);
      legacy = base = nullptr;
    });
  });
  return available;
}

std::string NtlmNegotiateMessage() {
  std::string out(kSignature);
  Put32(&out, kNegotiateType);
  Put32(&out, kClientFlags);
  PutField(&out, 0, 32);  // DomainNameFields
  PutField(&out, 0, 32);  // WorkstationFields
  return out;
}

bool ParseNtlmChallenge(std::string_view message, NtlmChallenge* out) {
  *out = NtlmChallenge{};
  // Signature, type, TargetNameFields, flags, ServerChallenge: 32 bytes. Old servers stop there or
  // before the version; TargetInfoFields needs 48. The target name is not used and not read (squid's
  // ntlm_fake_auth sends a bogus offset for it).
  if (message.size() < 32 || message.size() > kMaxNtlmChallengeBytes) return false;
  if (message.substr(0, 8) != kSignature || Get32(message, 8) != kChallengeType) return false;
  out->flags = Get32(message, 20);
  for (size_t i = 0; i < 8; ++i) out->server_challenge[i] = static_cast<uint8_t>(message[24 + i]);
  // TargetInfoFields are ignored unless NTLMSSP_NEGOTIATE_TARGET_INFO is set (section 2.2.1.2): a
  // server without it may have its payload where they would be.
  if ((out->flags & kNtlmNegotiateTargetInfo) == 0) return true;
  if (message.size() < 48) return false;
  std::string_view info;
  if (!GetField(message, 40, &info)) return false;
  if (info.empty()) return true;
  size_t at = 0;
  while (true) {
    if (info.size() - at < 4) return false;  // every list ends in MsvAvEOL, a whole pair
    uint16_t id = Get16(info, at);
    uint16_t len = Get16(info, at + 2);
    if (len > info.size() - at - 4) return false;
    if (id == kMsvAvEol && len != 0) return false;  // MsvAvEOL has no value (section 2.2.2.1)
    if (id == kMsvAvTimestamp) {
      if (len != 8) return false;
      out->has_timestamp = true;
      out->timestamp = Get64(info, at + 4);
    }
    at += 4 + len;
    if (id == kMsvAvEol) break;
  }
  out->target_info.assign(info.substr(0, at));
  return true;
}

void SplitNtlmUser(std::string_view given, std::string_view* domain, std::string_view* user) {
  size_t slash = given.find('\\');
  if (slash == std::string_view::npos) {
    *domain = {};
    *user = given;
  } else {
    *domain = given.substr(0, slash);
    *user = given.substr(slash + 1);
  }
}

NtlmClientValues MakeNtlmClientValues() {
  NtlmClientValues v;
  if (RAND_bytes(v.client_challenge.data(), static_cast<int>(v.client_challenge.size())) != 1) {
    v.client_challenge.fill(0);
  }
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  uint64_t ticks = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count() / 100);
  v.now_filetime = ticks + kFiletimeUnixOffsetS * 10000000ULL;
  return v;
}

bool NtowfV2(std::string_view user, std::string_view domain, std::string_view password,
             std::array<uint8_t, 16>* out) {
  std::array<uint8_t, 16> nt_hash;
  if (!Md4(Utf16Le(password, false), &nt_hash)) return false;
  std::string identity = Utf16Le(user, true);
  identity.append(Utf16Le(domain, false));
  return HmacMd5(nt_hash.data(), nt_hash.size(), identity, out);
}

namespace {

// Both NTLMv2 responses have one shape: HMAC_MD5(key, server challenge || blob), then the blob itself.
bool KeyedProofThen(const std::array<uint8_t, 16>& key, std::string_view server, std::string_view blob,
                    std::string* out) {
  std::string input(server);
  input.append(blob);
  std::array<uint8_t, 16> proof;
  if (!HmacMd5(key.data(), key.size(), input, &proof)) return false;
  out->assign(reinterpret_cast<const char*>(proof.data()), proof.size());
  out->append(blob);
  return true;
}

}  // namespace

bool NtlmV2Responses(const NtlmChallenge& challenge, const NtlmCredentials& credentials,
                     const NtlmClientValues& client, std::string* nt_response, std::string* lm_response) {
  std::array<uint8_t, 16> key;
  if (!NtowfV2(credentials.user, credentials.domain, credentials.password, &key)) return false;
  const std::string_view server(reinterpret_cast<const char*>(challenge.server_challenge.data()), 8);
  const std::string_view client_challenge(reinterpret_cast<const char*>(client.client_challenge.data()), 8);
  // temp = RespType, HiRespType, Z(6), Time, ClientChallenge, Z(4), ServerName (the AV pairs), Z(4).
  std::string temp;
  temp.push_back(1);
  temp.push_back(1);
  temp.append(6, '\0');
  Put64(&temp, challenge.has_timestamp ? challenge.timestamp : client.now_filetime);
  temp.append(client_challenge);
  temp.append(4, '\0');
  temp.append(challenge.target_info);
  temp.append(4, '\0');
  // NTProofStr, then temp.
  if (!KeyedProofThen(key, server, temp, nt_response)) return false;
  if (challenge.has_timestamp) {
    lm_response->assign(24, '\0');
    return true;
  }
  // LMv2: the same over the client challenge alone.
  return KeyedProofThen(key, server, client_challenge, lm_response);
}

bool NtlmAuthenticateMessage(const NtlmChallenge& challenge, const NtlmCredentials& credentials,
                             const NtlmClientValues& client, std::string* out) {
  std::string nt;
  std::string lm;
  if (!NtlmV2Responses(challenge, credentials, client, &nt, &lm)) return false;
  const bool unicode = (challenge.flags & kNtlmNegotiateUnicode) != 0;
  auto encode = [unicode](std::string_view s) { return unicode ? Utf16Le(s, false) : std::string(s); };
  const std::string domain = encode(credentials.domain);
  const std::string user = encode(credentials.user);
  const std::string workstation = encode(credentials.workstation);
  constexpr size_t kMaxField = 0xFFFF;  // a security buffer's length is 16 bits
  if (domain.size() > kMaxField || user.size() > kMaxField || workstation.size() > kMaxField ||
      nt.size() > kMaxField) {
    return false;
  }
  uint32_t flags = kClientFlags & ~(unicode ? kNtlmNegotiateOem : kNtlmNegotiateUnicode);
  flags |= challenge.flags & kNtlmNegotiateTargetInfo;
  constexpr size_t kHeaderBytes = 64;  // fixed part without version and MIC
  out->assign(kSignature);
  Put32(out, kAuthenticateType);
  size_t offset = kHeaderBytes;
  PutField(out, lm.size(), offset);
  offset += lm.size();
  PutField(out, nt.size(), offset);
  offset += nt.size();
  PutField(out, domain.size(), offset);
  offset += domain.size();
  PutField(out, user.size(), offset);
  offset += user.size();
  PutField(out, workstation.size(), offset);
  offset += workstation.size();
  PutField(out, 0, offset);  // EncryptedRandomSessionKeyFields: no key exchange
  Put32(out, flags);
  out->append(lm).append(nt).append(domain).append(user).append(workstation);
  return true;
}

std::string NtlmAuthorization(std::string_view message) {
  std::string out = "NTLM ";
  out.append(absl::Base64Escape(absl::string_view(message.data(), message.size())));
  return out;
}

}  // namespace urlsweep
