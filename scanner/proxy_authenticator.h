// ProxyAuthenticator: one loop's answers to HTTP proxies that ask for authentication (--proxy-auth,
// docs/proxies.md). It decides what Proxy-Authorization each message to a proxy carries and what a 407
// means, and remembers per proxy (and credentials) which scheme worked, so later connections
// authenticate at once. No I/O: the Task sends what it is told; the schemes themselves are in http/.
//
// NTLM authenticates a connection, not a request: NEGOTIATE, the proxy's CHALLENGE in a 407, then
// AUTHENTICATE, all on one connection (the 407's body is read so the connection stays usable). A
// connection it authenticated carries later requests with no header at all.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "core/options.h"
#include "http/digest_auth.h"
#include "http/proxy_auth.h"

namespace urlsweep {

// A 407 answered with credentials that were refused ends the attempt; this many 407s in one attempt
// end it too, whatever they said (a proxy that keeps challenging never lets a request through).
constexpr int kMaxProxyAuthRounds = 4;

class ProxyAuthenticator {
 public:
  // What one attempt (one URL's request or CONNECT, over one or more connections) has said so far.
  // Four bytes: one lives in every Task.
  struct Exchange {
    ProxyAuthScheme sent = ProxyAuthScheme::kNone;  // the scheme of the last message's credentials
    bool ntlm_negotiate = false;                    // the last message carried an NTLM NEGOTIATE
    uint8_t rounds = 0;                             // 407s answered in this attempt
    bool ntlm_authenticate = false;                 // the next message carries the AUTHENTICATE
    void Reset() {
      sent = ProxyAuthScheme::kNone;
      ntlm_negotiate = false;
      rounds = 0;
      ntlm_authenticate = false;
    }
  };

  enum class Verdict : uint8_t {
    kRetry,          // send the request again on the same connection (the 407 left it usable)
    kRetryFresh,     // send it again on a new connection (the proxy closed this one)
    kRejected,       // proxy_auth_required
  };

  explicit ProxyAuthenticator(ProxyAuthMode mode) : mode_(mode) {}

  // The Proxy-Authorization value of the next message of `exchange` to `proxy` (cleared: none).
  // method and uri are the request line's (the absolute URI through a plain-http proxy, host:port for
  // CONNECT: Digest hashes them). conn_ntlm: the connection was authenticated by NTLM already.
  void Authorization(const ProxySpec& proxy, std::string_view method, std::string_view uri, bool conn_ntlm,
                     Exchange* exchange, std::string* out);

  // A 407 answered the last message. proxy_authenticate: its Proxy-Authenticate fields as one list;
  // keep_alive: the connection can carry another message. *offered gets the offered schemes, lower
  // case, comma-separated (the row's proxy_auth on kRejected). After kRetry for an NTLM CHALLENGE the
  // next call must be Authorization for the same exchange (the AUTHENTICATE waits in this object,
  // not in every task): the Task sends again within the same call.
  Verdict On407(const ProxySpec& proxy, std::string_view proxy_authenticate, bool keep_alive,
                Exchange* exchange, std::string* offered);

  // The proxy accepted the last message: the scheme that did it (kNone when none was asked for; kNtlm
  // on an NTLM-authenticated connection).
  static ProxyAuthScheme Accepted(const Exchange& exchange, bool conn_ntlm) {
    return conn_ntlm ? ProxyAuthScheme::kNtlm : exchange.sent;
  }

  // The scheme remembered for `proxy` (kNone before its first 407), for tests.
  ProxyAuthScheme Remembered(const ProxySpec& proxy) const;

 private:
  struct Entry {
    ProxyAuthScheme scheme = ProxyAuthScheme::kNone;
    DigestChallenge digest;
    uint32_t nonce_count = 0;  // uses of digest.nonce so far
    std::string cnonce;
  };
  // host:port, user and a hash of the password: a pool may hold one proxy with several accounts.
  static std::string KeyOf(const ProxySpec& proxy);
  bool NtlmAvailable();

  ProxyAuthMode mode_;
  std::string pending_authenticate_;  // the AUTHENTICATE value of the exchange that retries now
  int ntlm_state_ = 0;  // 0 not tried, 1 available, -1 unavailable (EnableNtlmCrypto)
  absl::flat_hash_map<std::string, Entry> entries_;
};

}  // namespace urlsweep
