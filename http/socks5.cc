#include "http/socks5.h"

namespace urlsweep {
namespace {

constexpr uint8_t kVersion = 5;
constexpr uint8_t kUserPassVersion = 1;  // RFC 1929 section 2
constexpr uint8_t kCmdConnect = 1;
constexpr uint8_t kAtypIpv4 = 1;
constexpr uint8_t kAtypDomain = 3;
constexpr uint8_t kAtypIpv6 = 4;
// Version, reply, reserved, address type: the part of a CONNECT reply before the bound address.
constexpr uint16_t kConnectHead = 4;

void AppendPort(uint16_t port, std::string* out) {
  out->push_back(static_cast<char>(port >> 8));
  out->push_back(static_cast<char>(port & 0xFF));
}

void ConnectHead(uint8_t atyp, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kVersion));
  out->push_back(static_cast<char>(kCmdConnect));
  out->push_back(0);  // reserved
  out->push_back(static_cast<char>(atyp));
}

}  // namespace

void SerializeSocksGreeting(bool offer_user_pass, std::string* out) {
  out->clear();
  out->push_back(static_cast<char>(kVersion));
  out->push_back(static_cast<char>(offer_user_pass ? 2 : 1));
  out->push_back(static_cast<char>(kSocksMethodNone));
  if (offer_user_pass) out->push_back(static_cast<char>(kSocksMethodUserPass));
}

bool SerializeSocksUserPass(std::string_view user, std::string_view password, std::string* out) {
  if (user.size() > kSocksMaxCredential || password.size() > kSocksMaxCredential) return false;
  out->clear();
  out->push_back(static_cast<char>(kUserPassVersion));
  out->push_back(static_cast<char>(user.size()));
  out->append(user);
  out->push_back(static_cast<char>(password.size()));
  out->append(password);
  return true;
}

bool SerializeSocksConnectDomain(std::string_view host, uint16_t port, std::string* out) {
  if (host.empty() || host.size() > kSocksMaxDomain) return false;
  ConnectHead(kAtypDomain, out);
  out->push_back(static_cast<char>(host.size()));
  out->append(host);
  AppendPort(port, out);
  return true;
}

void SerializeSocksConnectAddress(const IpAddress& ip, uint16_t port, std::string* out) {
  const bool v4 = ip.family == AF_INET;
  ConnectHead(v4 ? kAtypIpv4 : kAtypIpv6, out);
  out->append(reinterpret_cast<const char*>(ip.bytes), v4 ? 4 : 16);
  AppendPort(port, out);
}

const char* SocksReplyText(uint8_t reply) {
  switch (reply) {
    case 0x00: return "succeeded";
    case 0x01: return "general failure";
    case 0x02: return "connection not allowed by ruleset";
    case 0x03: return "network unreachable";
    case 0x04: return "host unreachable";
    case 0x05: return "connection refused";
    case 0x06: return "TTL expired";
    case 0x07: return "command not supported";
    case 0x08: return "address type not supported";
    default: return "unknown reply code";
  }
}

void Socks5Reader::Expect(Message message) {
  message_ = message;
  state_ = State::kNeedMore;
  value_ = 0;
  atyp_ = 0;
  pos_ = 0;
  total_ = message == Message::kConnect ? 0 : 2;
  error_ = "";
}

Socks5Reader::State Socks5Reader::Fail(const char* why) {
  error_ = why;
  state_ = State::kError;
  return state_;
}

Socks5Reader::State Socks5Reader::Take(uint8_t byte) {
  const uint16_t i = pos_++;
  switch (message_) {
    case Message::kMethod:
      if (i == 0) return byte == kVersion ? State::kNeedMore : Fail("bad version in the method reply");
      value_ = byte;
      return State::kDone;
    case Message::kAuth:
      // RFC 1929 says version 1; some servers answer with 5, which curl accepts too.
      if (i == 0) {
        return byte == kUserPassVersion || byte == kVersion ? State::kNeedMore
                                                            : Fail("bad version in the authentication reply");
      }
      value_ = byte;
      return State::kDone;
    case Message::kConnect:
      break;
  }
  if (i == 0) return byte == kVersion ? State::kNeedMore : Fail("bad version in the connect reply");
  if (i == 1) {
    value_ = byte;
    // A refusal ends the exchange: the server closes, and the address after it (often zeros, sometimes
    // missing) says nothing.
    return byte == 0 ? State::kNeedMore : State::kDone;
  }
  if (i == 2) return State::kNeedMore;  // reserved
  if (i == 3) {
    atyp_ = byte;
    if (byte == kAtypIpv4) total_ = kConnectHead + 4 + 2;
    else if (byte == kAtypIpv6) total_ = kConnectHead + 16 + 2;
    else if (byte != kAtypDomain) return Fail("bad address type in the connect reply");
    return State::kNeedMore;
  }
  if (i == kConnectHead && atyp_ == kAtypDomain) total_ = kConnectHead + 1 + byte + 2;
  return pos_ == total_ ? State::kDone : State::kNeedMore;
}

Socks5Reader::State Socks5Reader::Feed(const char* data, size_t len, size_t* consumed) {
  *consumed = 0;
  while (state_ == State::kNeedMore && *consumed < len) {
    state_ = Take(static_cast<uint8_t>(data[*consumed]));
    if (state_ != State::kError) ++*consumed;
  }
  return state_;
}

}  // namespace urlsweep
