// RequestHeadParser: the head of one HTTP/1.x request (request line and header fields), fed
// incrementally, parsed by llhttp; for urlsweep's own small server (GET /metrics, --metrics-listen).
// Pure: bytes in, method and target out; no I/O. What follows the head (a body) is never read: the
// server answers and closes.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace urlsweep {

// A scrape request is a few hundred bytes; 8 KiB is the request-line size RFC 9112 section 3 suggests
// supporting at least, and bounds what one client can make the server buffer.
inline constexpr size_t kMaxRequestHeadBytes = 8 * 1024;

class RequestHeadParser {
 public:
  enum class State { kNeedMore, kComplete, kError };
  enum class Method { kGet, kHead, kOther };

  RequestHeadParser();
  RequestHeadParser(const RequestHeadParser&) = delete;
  RequestHeadParser& operator=(const RequestHeadParser&) = delete;

  // Feeds bytes as they arrive, in any split down to 1 byte. kComplete once the head ended (bytes after
  // it are not looked at); kError for bytes that are not an HTTP/1.x request head, or a head longer than
  // kMaxRequestHeadBytes (head_too_large() then). After kComplete or kError, further calls return the
  // same state.
  State Feed(const char* data, size_t len);

  Method method() const { return method_; }
  // The request-target as sent ("/metrics", "/metrics?x=1"); at most kMaxRequestHeadBytes.
  std::string_view target() const { return target_; }
  // The target without its query (RFC 3986 section 3.3): what names the resource.
  std::string_view path() const;
  bool head_too_large() const { return head_too_large_; }

 private:
  static int OnUrl(llhttp_t* p, const char* at, size_t len);
  static int OnHeadersComplete(llhttp_t* p);
  static const llhttp_settings_t* Settings();

  llhttp_t parser_;
  State state_ = State::kNeedMore;
  size_t head_bytes_ = 0;
  Method method_ = Method::kOther;
  std::string target_;
  bool head_too_large_ = false;
};

}  // namespace urlsweep
