// Serialisation of the one request urlsweep sends per attempt (GET or HEAD, HTTP/1.1) and of the
// CONNECT that opens a tunnel through a proxy. Pure: bytes in a caller-owned buffer, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/options.h"

namespace urlsweep {

struct RequestSpec {
  HttpMethod method = HttpMethod::kGet;
  // Origin-form "/path?q", or absolute-form "http://h/p" through a proxy. Bytes that may not stand in a
  // request line are percent-encoded on the way out (the URL layer already does this; we are defensive).
  std::string_view target;
  std::string_view host;  // Host header value: host[:port], IPv6 literals in brackets
  std::string_view user_agent;
  // -H headers in command-line order. One whose name equals a default header (case-insensitive)
  // replaces it; an empty value removes the default header and sends nothing.
  const std::vector<std::pair<std::string, std::string>>* extra_headers = nullptr;
  std::string_view authorization;        // full value, e.g. "Basic dXNlcjpwdw=="; empty = none
  std::string_view proxy_authorization;  // full value; empty = none
};

// Clears *out and writes the whole request (ending in the empty line), reusing out's capacity.
// Default headers, in this order: Host, User-Agent, Accept: */*, Accept-Encoding: identity (urlsweep
// asks for no content encoding, docs/output.md), Authorization, Proxy-Authorization; then the other -H
// headers. No Connection header: HTTP/1.1 is persistent by default (RFC 9112 section 9.3). A header whose
// name is not a token, or whose value holds CR, LF or NUL, is dropped so it can never split the request.
void SerializeRequest(const RequestSpec& spec, std::string* out);

// Clears *out and writes "CONNECT authority HTTP/1.1" with Host, User-Agent and, when non-empty,
// Proxy-Authorization (RFC 9110 section 9.3.6).
void SerializeConnect(std::string_view authority, std::string_view user_agent,
                      std::string_view proxy_authorization, std::string* out);

// "Basic " + base64(user ":" password) (RFC 7617).
std::string BasicAuthorization(std::string_view user, std::string_view password);

}  // namespace urlsweep
