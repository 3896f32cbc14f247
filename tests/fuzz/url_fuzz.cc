// libFuzzer target for ParseUrl: any bytes either fail with a detail or yield a Target whose fields agree
// with each other and whose url is a fixed point of ParseUrl (redirect loop detection and --resume rely
// on comparing normalised URLs as strings).
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scanner/url.h"

namespace {

void Check(bool condition) {
  if (!condition) abort();
}

bool IsNameByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

bool IsIpv6Byte(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.'; }

// Bytes a request line may carry unescaped after ParseUrl: printable ASCII except the encoded ones.
bool IsRequestTargetByte(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  if (c <= 0x20 || c >= 0x7f) return false;
  return std::string_view("\"<>`{}#").find(ch) == std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  urlsweep::Target target;
  const char* detail = nullptr;
  if (!urlsweep::ParseUrl(input, &target, &detail)) {
    Check(detail != nullptr && detail[0] != '\0');
    return 0;
  }
  Check(!target.host.empty() && target.host.size() <= 253);
  for (char c : target.host) Check(target.ip_family == AF_INET6 ? IsIpv6Byte(c) : IsNameByte(c));
  Check(target.port != 0);
  Check(target.default_port == (target.port == (target.https ? 443 : 80)));
  Check(!target.request_target.empty() && target.request_target[0] == '/');
  for (char c : target.request_target) Check(IsRequestTargetByte(c));

  std::string expected = target.https ? "https://" : "http://";
  const std::string column = target.ip_family == AF_INET6 ? "[" + target.host + "]" : target.host;
  Check(target.host_column() == column);
  std::string authority = column;
  if (!target.default_port) authority += ":" + std::to_string(target.port);
  Check(target.authority() == authority);
  expected += authority + target.request_target;
  Check(target.url == expected);

  urlsweep::Target again;
  Check(urlsweep::ParseUrl(target.url, &again, &detail));
  Check(again.url == target.url && again.host == target.host && again.port == target.port &&
        again.ip_family == target.ip_family && again.request_target == target.request_target &&
        again.userinfo.empty());
  return 0;
}
