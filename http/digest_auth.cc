#include "http/digest_auth.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>

namespace urlsweep {
namespace {

bool EqualsLower(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

bool IsSha256(DigestAlgorithm a) { return a == DigestAlgorithm::kSha256 || a == DigestAlgorithm::kSha256Sess; }
bool IsSess(DigestAlgorithm a) { return a == DigestAlgorithm::kMd5Sess || a == DigestAlgorithm::kSha256Sess; }

// H(data) as lower-case hex (RFC 7616 section 3.4: "the hexadecimal representation").
std::string HashHex(DigestAlgorithm algorithm, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const EVP_MD* md = IsSha256(algorithm) ? EVP_sha256() : EVP_md5();
  if (EVP_Digest(data.data(), data.size(), digest, &length, md, nullptr) != 1) length = 0;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
  return out;
}

std::string Join3(std::string_view a, std::string_view b, std::string_view c) {
  std::string out;
  out.reserve(a.size() + b.size() + c.size() + 2);
  out.append(a).push_back(':');
  out.append(b).push_back(':');
  out.append(c);
  return out;
}

// A quoted-string of `value`, '"' and '\\' escaped (RFC 9110 section 5.6.4).
void AppendQuoted(std::string_view value, std::string* out) {
  out->push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace

bool ParseDigestChallenge(const AuthChallenge& challenge, DigestChallenge* out) {
  *out = DigestChallenge{};
  if (challenge.scheme != "digest") return false;
  const std::string* realm = challenge.Param("realm");
  const std::string* nonce = challenge.Param("nonce");
  if (realm == nullptr || nonce == nullptr) return false;
  out->realm = *realm;
  out->nonce = *nonce;
  if (const std::string* opaque = challenge.Param("opaque")) {
    out->opaque = *opaque;
    out->has_opaque = true;
  }
  if (const std::string* algorithm = challenge.Param("algorithm")) {
    if (EqualsLower(*algorithm, "md5")) {
      out->algorithm = DigestAlgorithm::kMd5;
    } else if (EqualsLower(*algorithm, "md5-sess")) {
      out->algorithm = DigestAlgorithm::kMd5Sess;
    } else if (EqualsLower(*algorithm, "sha-256")) {
      out->algorithm = DigestAlgorithm::kSha256;
    } else if (EqualsLower(*algorithm, "sha-256-sess")) {
      out->algorithm = DigestAlgorithm::kSha256Sess;
    } else {
      return false;
    }
  }
  if (const std::string* qop = challenge.Param("qop")) {
    // A comma-separated list of options in one quoted-string: qop="auth,auth-int".
    std::string_view rest = *qop;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view option = rest.substr(0, comma);
      while (!option.empty() && (option.front() == ' ' || option.front() == '\t')) option.remove_prefix(1);
      while (!option.empty() && (option.back() == ' ' || option.back() == '\t')) option.remove_suffix(1);
      if (EqualsLower(option, "auth")) out->qop_auth = true;
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
    if (!out->qop_auth) return false;
  }
  if (const std::string* stale = challenge.Param("stale")) out->stale = EqualsLower(*stale, "true");
  if (const std::string* userhash = challenge.Param("userhash")) out->userhash = EqualsLower(*userhash, "true");
  return true;
}

int DigestStrength(DigestAlgorithm algorithm) { return IsSha256(algorithm) ? 2 : 1; }

const char* DigestAlgorithmName(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::kMd5: return "MD5";
    case DigestAlgorithm::kMd5Sess: return "MD5-sess";
    case DigestAlgorithm::kSha256: return "SHA-256";
    case DigestAlgorithm::kSha256Sess: return "SHA-256-sess";
  }
  return "MD5";
}

std::string DigestAuthorization(const DigestChallenge& challenge, std::string_view user,
                                std::string_view password, const DigestRequest& request) {
  const DigestAlgorithm algorithm = challenge.algorithm;
  char nc[9];
  std::snprintf(nc, sizeof nc, "%08x", request.nonce_count);
  // A1 (section 3.4.2), A2 for qop=auth (section 3.4.3).
  std::string ha1 = HashHex(algorithm, Join3(user, challenge.realm, password));
  if (IsSess(algorithm)) ha1 = HashHex(algorithm, Join3(ha1, challenge.nonce, request.cnonce));
  std::string a2;
  a2.append(request.method).push_back(':');
  a2.append(request.uri);
  const std::string ha2 = HashHex(algorithm, a2);
  std::string kd = ha1;
  kd.push_back(':');
  kd.append(challenge.nonce);
  if (challenge.qop_auth) {
    kd.push_back(':');
    kd.append(nc).push_back(':');
    kd.append(request.cnonce).append(":auth:");
  } else {
    kd.push_back(':');  // RFC 2069 form: KD(HA1, nonce ":" HA2)
  }
  kd.append(ha2);
  const std::string response = HashHex(algorithm, kd);

  std::string out = "Digest username=";
  if (challenge.userhash) {
    AppendQuoted(HashHex(algorithm, std::string(user) + ":" + challenge.realm), &out);
  } else {
    AppendQuoted(user, &out);
  }
  out.append(", realm=");
  AppendQuoted(challenge.realm, &out);
  out.append(", nonce=");
  AppendQuoted(challenge.nonce, &out);
  out.append(", uri=");
  AppendQuoted(request.uri, &out);
  out.append(", algorithm=").append(DigestAlgorithmName(algorithm));
  out.append(", response=");
  AppendQuoted(response, &out);
  if (challenge.qop_auth) {
    out.append(", qop=auth, nc=").append(nc).append(", cnonce=");
    AppendQuoted(request.cnonce, &out);
  }
  if (challenge.has_opaque) {
    out.append(", opaque=");
    AppendQuoted(challenge.opaque, &out);
  }
  if (challenge.userhash) out.append(", userhash=true");
  return out;
}

std::string MakeDigestCnonce() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    for (unsigned char& b : bytes) b = 0;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace urlsweep
