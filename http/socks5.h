// SOCKS version 5 as a client speaks it (RFC 1928, with RFC 1929 username/password authentication):
// the three messages urlsweep sends, built into a caller-owned buffer, and `Socks5Reader`, which reads
// the server's three answers from bytes in pieces of any size. Pure: no I/O, no allocation while reading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/ip_address.h"

namespace urlsweep {

// RFC 1928 section 3: the authentication methods urlsweep offers.
inline constexpr uint8_t kSocksMethodNone = 0x00;
inline constexpr uint8_t kSocksMethodUserPass = 0x02;
inline constexpr uint8_t kSocksMethodNoneAcceptable = 0xFF;
// RFC 1929 section 2: a user name and a password are 1 to 255 bytes each.
inline constexpr size_t kSocksMaxCredential = 255;
// RFC 1928 section 5: a domain name is sent with a one-byte length.
inline constexpr size_t kSocksMaxDomain = 255;

// The greeting: version 5 and the methods offered, "no authentication" always and "username/password"
// when the proxy URL holds credentials. Replaces *out.
void SerializeSocksGreeting(bool offer_user_pass, std::string* out);
// The RFC 1929 request. False (and *out unspecified) when the user name or password is longer than 255
// bytes; an empty one is sent as it is.
bool SerializeSocksUserPass(std::string_view user, std::string_view password, std::string* out);
// CONNECT to a domain name the proxy resolves (socks5h). False when the name is empty or longer than 255.
bool SerializeSocksConnectDomain(std::string_view host, uint16_t port, std::string* out);
// CONNECT to an address urlsweep resolved (socks5).
void SerializeSocksConnectAddress(const IpAddress& ip, uint16_t port, std::string* out);

// The text of a reply code (RFC 1928 section 6): "connection refused", "host unreachable", ...; codes the
// RFC does not name are "unknown reply code".
const char* SocksReplyText(uint8_t reply);

// Reads one server answer at a time, fed in pieces of any size. `Expect` names the next answer; `Feed`
// consumes at most up to that answer's end, so bytes after it (which belong to the tunnel) stay the
// caller's.
class Socks5Reader {
 public:
  enum class Message : uint8_t {
    kMethod,   // version 5, the chosen method (2 bytes)
    kAuth,     // RFC 1929: version 1, status (2 bytes)
    kConnect,  // version 5, reply, reserved, bound address (type, address, port)
  };
  enum class State : uint8_t { kNeedMore, kDone, kError };

  // Starts reading `message`; what an earlier one held is forgotten.
  void Expect(Message message);
  // Consumes bytes of the expected answer; *consumed says how many (all of them while kNeedMore).
  // After kDone or kError it consumes nothing and returns the same state.
  State Feed(const char* data, size_t len, size_t* consumed);

  State state() const { return state_; }
  Message message() const { return message_; }
  // kMethod: the method the server chose. kAuth: the status (0 = success). kConnect: the reply code
  // (0 = succeeded).
  uint8_t value() const { return value_; }
  // On kError: what was wrong, for error_detail ("bad version in the method reply", ...).
  const char* error() const { return error_; }

 private:
  State Fail(const char* why);
  // Takes one byte of the answer; the state after it.
  State Take(uint8_t byte);

  Message message_ = Message::kMethod;
  State state_ = State::kNeedMore;
  uint8_t value_ = 0;
  uint8_t atyp_ = 0;
  uint16_t pos_ = 0;    // bytes of this answer taken so far
  uint16_t total_ = 0;  // its length, once known (0 = not yet)
  const char* error_ = "";
};

}  // namespace urlsweep
