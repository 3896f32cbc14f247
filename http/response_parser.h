// ResponseParser: one HTTP/1.x response, fed incrementally, parsed by llhttp. Pure: bytes in, fields
// out; no I/O, no libuv, and no allocation per response once its strings have grown (the kept fields
// are copied, capped, into reused members).
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/row.h"
#include "http/body_hash.h"
#include "http/title.h"

namespace urlsweep {

// A real response head is a few KiB; 64 KiB is what nginx and Node accept by default and bounds what
// one connection can make us buffer. Beyond it the response is bad_response.
inline constexpr size_t kMaxHeaderBytes = 64 * 1024;
// Redirect targets can be long (signed URLs), but a Location past 8 KiB is beyond what browsers follow.
inline constexpr size_t kMaxLocationBytes = 8 * 1024;
// Reason, Content-Type, Server and Retry-After are labels; 1 KiB keeps every row small.
inline constexpr size_t kMaxReasonBytes = 1024;
inline constexpr size_t kMaxFieldBytes = 1024;
// Every Proxy-Authenticate field of a 407, joined: a few challenges, an NTLM CHALLENGE message in base64
// (a few hundred bytes) the longest.
inline constexpr size_t kMaxProxyAuthenticateBytes = 8 * 1024;
// A captured header's value (its fields joined with ", ") is cut at kMaxCapturedBytes, enough for a
// Content-Security-Policy or a few Set-Cookie fields.
inline constexpr size_t kMaxCapturedBytes = 4096;
// 1xx responses carry no answer; a server sending them without end would hold the slot until --timeout,
// so after this many we call the response bad. Real servers send one or two (100, 102, 103).
inline constexpr int kMaxInterimResponses = 32;
// llhttp 8 has no HPE_HEADER_OVERFLOW, so our own limits report HPE_USER with a reason text.
inline constexpr int kHeaderOverflowError = HPE_USER;

class ResponseParser {
 public:
  enum class State { kNeedMore, kComplete, kError };

  ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  // Starts a new response. head_request: the request was HEAD, so no body follows whatever the headers
  // say. max_body: --max-body, the most body bytes to read. connect_request: the request was CONNECT,
  // so a 2xx answer has no body (the tunnel starts after its head, RFC 9110 section 9.3.6) while any
  // other answer (a 407) has the body its headers announce.
  void Reset(bool head_request, int64_t max_body, bool connect_request = false);

  // The run's optional columns: which headers to keep (lower-case names) and whether to hash the body.
  // `extra` must outlive the parser; nullptr (the default) keeps none. Takes effect at the next Reset.
  void SetExtraColumns(const ExtraColumns* extra) { extra_ = extra; }

  // Feeds bytes as they arrive, in any split down to 1 byte. Returns kComplete once the final response
  // is complete, or once max_body body bytes were read and more were coming (truncated() then true).
  // *consumed: bytes of `data` used (less than len when bytes follow the response; all of them on
  // kError). 1xx interim
  // responses (100, 102, 103) are skipped and not reported; 101 is final. After kComplete or kError,
  // further calls return the same state and consume nothing.
  State Feed(const char* data, size_t len, size_t* consumed);

  // The peer closed the connection. Completes a close-delimited body (HTTP/1.0, or no length given):
  // kComplete. A response cut short is kError with error() == HPE_INVALID_EOF_STATE (the caller's
  // read_reset). kNeedMore when no byte at all was received (the caller's empty_response).
  State Finish();

  // HTTP/2: the same response filled from one stream's frames (http/h2_session.h hands them over), so
  // that the kept fields, the title and --max-body behave alike over both protocols. Reset() first; then
  // H2Field for each field of a header block (names in lower case, as HTTP/2 sends them), H2HeadEnd
  // when a block ends (an interim 1xx block is forgotten), H2Body for DATA, H2End at END_STREAM.
  // They return what Feed would: kComplete once the response is complete or max_body was reached.
  void H2Field(std::string_view name, std::string_view value);
  State H2HeadEnd(int status, bool end_stream);
  State H2Body(const char* data, size_t len);
  State H2End();

  uint64_t bytes_received() const { return bytes_received_; }
  // The status line and headers of the final response were parsed.
  bool head_complete() const { return head_complete_; }
  int status() const { return status_; }
  std::string_view reason() const { return reason_; }
  int http_major() const { return http_major_; }
  int http_minor() const { return http_minor_; }
  // Header values (first occurrence, trailing white space removed), capped at the limits above.
  std::optional<std::string_view> location() const { return Field(kLocation); }
  std::optional<std::string_view> content_type() const { return Field(kContentType); }
  std::optional<std::string_view> server() const { return Field(kServer); }
  std::optional<std::string_view> retry_after() const { return Field(kRetryAfter); }
  // Every Proxy-Authenticate field, in order, joined by ", " (RFC 9110 section 5.3), capped at
  // kMaxProxyAuthenticateBytes.
  std::optional<std::string_view> proxy_authenticate() const { return Field(kProxyAuthenticate); }
  // As llhttp parsed it; llhttp rejects malformed and conflicting values.
  std::optional<int64_t> content_length() const { return content_length_; }
  // Body bytes read after chunked decoding; never more than max_body.
  int64_t body_bytes() const { return body_bytes_; }
  // The <title> text within the body bytes read.
  std::optional<std::string_view> title() const;
  // Captured header `i` (ExtraColumns::header_names order) of the final response: all its fields
  // joined with ", ", or nullopt when the response had none.
  std::optional<std::string_view> captured(size_t i) const;
  // Lower-case hex SHA-256 of the body bytes read, when the extra columns ask for it and the final
  // response's head was read (the hash of nothing for an empty body); nullopt otherwise.
  std::optional<std::string_view> body_sha256();
  // Stopped at max_body before the body ended.
  bool truncated() const { return truncated_; }
  // The connection may carry another request: complete, not truncated, llhttp_should_keep_alive, and
  // no byte after the response.
  bool keep_alive() const;
  // llhttp_errno_t when kError; kHeaderOverflowError for a head beyond kMaxHeaderBytes.
  int error() const { return error_; }
  // Static or llhttp-owned text; valid until the next Reset.
  const char* error_reason() const { return error_reason_; }

 private:
  enum FieldId {
    kLocation, kContentType, kServer, kRetryAfter, kProxyAuthenticate, kFieldCount, kOther = kFieldCount
  };

  // Longest header name of the row's own fields ("proxy-authenticate" is 18); captured names are
  // collected apart (Extras::name), so a parser without extra columns stays small.
  static constexpr size_t kMaxNameBytes = 18;

  // What only a run with extra columns needs, allocated at the first Reset that asks for it.
  struct Extras {
    std::string name;  // the current header name, lower case, up to ExtraColumns::kMaxHeaderNameBytes + 1
    int current = -1;  // index of the captured header the current value goes to, -1 for none
    std::vector<std::string> values;
    std::vector<bool> present;
    bool hash_body = false;
    BodyHash body_hash;
  };

  std::optional<std::string_view> Field(FieldId id) const;
  void StartMessage();
  void Fail(int error, const char* reason);
  int CountTrailerBytes(size_t len);

  static int OnMessageBegin(llhttp_t* p);
  static int OnVersionComplete(llhttp_t* p);
  static int OnStatus(llhttp_t* p, const char* at, size_t len);
  static int OnHeaderField(llhttp_t* p, const char* at, size_t len);
  static int OnHeaderFieldComplete(llhttp_t* p);
  static int OnHeaderValue(llhttp_t* p, const char* at, size_t len);
  static int OnHeaderValueComplete(llhttp_t* p);
  static int OnHeadersComplete(llhttp_t* p);
  static int OnBody(llhttp_t* p, const char* at, size_t len);
  static int OnMessageComplete(llhttp_t* p);
  static const llhttp_settings_t* Settings();

  llhttp_t parser_;
  State state_ = State::kNeedMore;
  bool head_request_ = false;
  bool connect_request_ = false;
  int64_t max_body_ = 0;
  uint64_t bytes_received_ = 0;

  // Per message (interim ones included).
  bool in_message_ = false;    // llhttp saw the start of a message that has not ended
  size_t head_bytes_ = 0;     // bytes of the current head fed so far
  bool headers_done_ = false;  // on_headers_complete ran for the current message
  size_t trailer_bytes_ = 0;   // span bytes of chunked trailers, bounded like a head
  int interim_count_ = 0;

  // The current header line.
  char name_[kMaxNameBytes] = {};
  size_t name_len_ = 0;
  bool name_too_long_ = false;
  FieldId current_ = kOther;

  // The final response.
  bool head_complete_ = false;
  int status_ = 0;
  int http_major_ = 0;
  int http_minor_ = 0;
  std::string reason_;
  std::string fields_[kFieldCount];
  bool present_[kFieldCount] = {};
  std::optional<int64_t> content_length_;
  int64_t body_bytes_ = 0;
  bool truncated_ = false;
  bool should_keep_alive_ = false;
  bool trailing_bytes_ = false;
  const char* stop_at_ = nullptr;  // where OnBody stopped the parse at max_body
  TitleScanner title_;

  // The optional columns (SetExtraColumns); extras_ is null while none is asked for.
  const ExtraColumns* extra_ = nullptr;
  std::unique_ptr<Extras> extras_;

  int error_ = HPE_OK;
  const char* error_reason_ = "";
};

}  // namespace urlsweep
