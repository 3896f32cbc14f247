#include "http/response_parser.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/ascii.h"

namespace urlsweep {
namespace {

// The reason texts of our own limits; static so error_reason() never dangles.
static_assert(kMaxHeaderBytes == 65536, "update the texts below");
constexpr char kHeadTooLarge[] = "response head larger than 65536 bytes";
constexpr char kTrailersTooLarge[] = "response trailers larger than 65536 bytes";
static_assert(kMaxInterimResponses == 32, "update the text below");
constexpr char kTooManyInterim[] = "more than 32 interim (1xx) responses";
constexpr char kStatusTooLow[] = "status code below 100";
constexpr char kClosedBeforeFinal[] = "connection closed before the final response";
constexpr char kNotHttp1[] = "status line of another HTTP version than 1.x";

constexpr std::string_view kFieldNames[] = {"location", "content-type", "server", "retry-after",
                                            "proxy-authenticate"};
constexpr size_t kFieldCaps[] = {kMaxLocationBytes, kMaxFieldBytes, kMaxFieldBytes, kMaxFieldBytes,
                                 kMaxProxyAuthenticateBytes};

ResponseParser* Self(llhttp_t* p) { return static_cast<ResponseParser*>(p->data); }

void AppendCapped(std::string* s, const char* at, size_t len, size_t cap) {
  if (s->size() >= cap) return;
  s->append(at, std::min(len, cap - s->size()));
}

bool IsInterim(int status) { return status >= 100 && status < 200 && status != 101; }

}  // namespace

// Built once, on first use, so no parser can see it before it is initialised; llhttp keeps a pointer.
const llhttp_settings_t* ResponseParser::Settings() {
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_message_begin = &ResponseParser::OnMessageBegin;
    s.on_version_complete = &ResponseParser::OnVersionComplete;
    s.on_status = &ResponseParser::OnStatus;
    s.on_header_field = &ResponseParser::OnHeaderField;
    s.on_header_field_complete = &ResponseParser::OnHeaderFieldComplete;
    s.on_header_value = &ResponseParser::OnHeaderValue;
    s.on_header_value_complete = &ResponseParser::OnHeaderValueComplete;
    s.on_headers_complete = &ResponseParser::OnHeadersComplete;
    s.on_body = &ResponseParser::OnBody;
    s.on_message_complete = &ResponseParser::OnMessageComplete;
    return s;
  }();
  return &settings;
}

ResponseParser::ResponseParser() { Reset(false, 0); }

void ResponseParser::Reset(bool head_request, int64_t max_body, bool connect_request) {
  llhttp_init(&parser_, HTTP_RESPONSE, Settings());
  parser_.data = this;
  state_ = State::kNeedMore;
  head_request_ = head_request;
  connect_request_ = connect_request;
  max_body_ = std::max<int64_t>(max_body, 0);
  bytes_received_ = 0;
  in_message_ = false;
  head_bytes_ = 0;
  headers_done_ = false;
  trailer_bytes_ = 0;
  interim_count_ = 0;
  head_complete_ = false;
  status_ = 0;
  http_major_ = 0;
  http_minor_ = 0;
  StartMessage();
  body_bytes_ = 0;
  truncated_ = false;
  should_keep_alive_ = false;
  trailing_bytes_ = false;
  stop_at_ = nullptr;
  title_.Reset();
  if (extra_ != nullptr && extra_->size() > 0) {
    if (extras_ == nullptr) extras_ = std::make_unique<Extras>();
    extras_->values.resize(extra_->header_names.size());
    extras_->present.assign(extra_->header_names.size(), false);
    extras_->hash_body = extra_->body_sha256 && !head_request;
    if (extras_->hash_body) extras_->body_hash.Start();
  } else {
    extras_.reset();
  }
  error_ = HPE_OK;
  error_reason_ = "";
}

// Forgets what an interim response said: only the final response's fields are reported.
void ResponseParser::StartMessage() {
  name_len_ = 0;
  name_too_long_ = false;
  current_ = kOther;
  reason_.clear();
  if (extras_ != nullptr) {
    extras_->name.clear();
    extras_->current = -1;
    for (size_t i = 0; i < extras_->values.size(); ++i) {
      extras_->values[i].clear();
      extras_->present[i] = false;
    }
  }
  for (int i = 0; i < kFieldCount; ++i) {
    fields_[i].clear();
    present_[i] = false;
  }
  content_length_.reset();
}

void ResponseParser::Fail(int error, const char* reason) {
  state_ = State::kError;
  error_ = error;
  error_reason_ = reason;
}

ResponseParser::State ResponseParser::Feed(const char* data, size_t len, size_t* consumed) {
  *consumed = 0;
  bytes_received_ += len;
  if (state_ != State::kNeedMore) {
    if (state_ == State::kComplete && len > 0) trailing_bytes_ = true;
    return state_;
  }
  size_t pos = 0;
  while (pos < len) {
    const char* p = data + pos;
    size_t n = len - pos;
    // While in a head, llhttp sees no more than the head may still grow by, so a head that does not end
    // within kMaxHeaderBytes is caught exactly, whatever the split.
    if (!headers_done_) n = std::min(n, kMaxHeaderBytes - head_bytes_);
    stop_at_ = nullptr;
    llhttp_errno_t err = llhttp_execute(&parser_, p, n);
    if (err == HPE_OK) {
      pos += n;
      if (!headers_done_) {
        head_bytes_ += n;
        if (head_bytes_ >= kMaxHeaderBytes) Fail(kHeaderOverflowError, kHeadTooLarge);
      }
      if (state_ == State::kError) break;
      continue;
    }
    if (state_ == State::kError) break;  // one of our callbacks failed and said why
    if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) {
      // Every message ends in a pause so that the bytes of each are known exactly.
      const char* stop = stop_at_ != nullptr ? stop_at_ : llhttp_get_error_pos(&parser_);
      pos += static_cast<size_t>(stop - p);
      if (state_ == State::kComplete) break;
      llhttp_resume(&parser_);  // an interim response ended: the final one follows
      continue;
    }
    Fail(err, llhttp_get_error_reason(&parser_));
    break;
  }
  // After an error the connection is of no further use: everything counts as taken, which also keeps
  // the count the same however the bytes were split.
  *consumed = state_ == State::kError ? len : pos;
  if (state_ == State::kComplete && pos < len) trailing_bytes_ = true;
  return state_;
}

ResponseParser::State ResponseParser::Finish() {
  if (state_ != State::kNeedMore) return state_;
  if (bytes_received_ == 0) return State::kNeedMore;
  if (!in_message_) {
    // Between messages: only interim responses (or blank lines) came before the close.
    Fail(HPE_INVALID_EOF_STATE, kClosedBeforeFinal);
    return state_;
  }
  llhttp_errno_t err = llhttp_finish(&parser_);
  if (state_ != State::kNeedMore) return state_;  // on_message_complete ran: a close-delimited body
  Fail(err != HPE_OK ? err : HPE_INVALID_EOF_STATE, llhttp_get_error_reason(&parser_));
  return state_;
}

std::optional<std::string_view> ResponseParser::title() const {
  if (!title_.found()) return std::nullopt;
  return title_.title();
}

bool ResponseParser::keep_alive() const {
  return state_ == State::kComplete && !truncated_ && should_keep_alive_ && !trailing_bytes_;
}

std::optional<std::string_view> ResponseParser::captured(size_t i) const {
  if (!head_complete_ || extras_ == nullptr || i >= extras_->values.size() || !extras_->present[i]) {
    return std::nullopt;
  }
  return std::string_view(extras_->values[i]);
}

std::optional<std::string_view> ResponseParser::body_sha256() {
  if (extras_ == nullptr || !extras_->hash_body || !head_complete_) return std::nullopt;
  return extras_->body_hash.Hex();
}

std::optional<std::string_view> ResponseParser::Field(FieldId id) const {
  if (!present_[id]) return std::nullopt;
  return std::string_view(fields_[id]);
}

int ResponseParser::OnMessageBegin(llhttp_t* p) {
  Self(p)->in_message_ = true;
  Self(p)->StartMessage();
  return 0;
}

int ResponseParser::OnStatus(llhttp_t* p, const char* at, size_t len) {
  AppendCapped(&Self(p)->reason_, at, len, kMaxReasonBytes);
  return 0;
}

// Chunked trailers: not reported, but bounded like a head. An llhttp callback's return value.
int ResponseParser::CountTrailerBytes(size_t len) {
  trailer_bytes_ += len;
  if (trailer_bytes_ > kMaxHeaderBytes) {
    Fail(kHeaderOverflowError, kTrailersTooLarge);
    return -1;
  }
  return 0;
}

int ResponseParser::OnHeaderField(llhttp_t* p, const char* at, size_t len) {
  ResponseParser* self = Self(p);
  if (self->headers_done_) return self->CountTrailerBytes(len);
  if (self->extras_ != nullptr) {
    AppendCapped(&self->extras_->name, at, len, ExtraColumns::kMaxHeaderNameBytes + 1);
  }
  if (self->name_len_ + len > kMaxNameBytes) {
    self->name_too_long_ = true;
    return 0;
  }
  for (size_t i = 0; i < len; ++i) {
    self->name_[self->name_len_++] = absl::ascii_tolower(static_cast<unsigned char>(at[i]));
  }
  return 0;
}

int ResponseParser::OnHeaderFieldComplete(llhttp_t* p) {
  ResponseParser* self = Self(p);
  if (self->headers_done_) return 0;
  self->current_ = kOther;
  if (!self->name_too_long_) {
    std::string_view name(self->name_, self->name_len_);
    for (int i = 0; i < kFieldCount; ++i) {
      if (name != kFieldNames[i]) continue;
      if (i == kProxyAuthenticate) {
        // Each Proxy-Authenticate field is kept, as one comma-separated list (RFC 9110 section 5.3).
        self->current_ = kProxyAuthenticate;
        if (self->present_[i]) AppendCapped(&self->fields_[i], ", ", 2, kFieldCaps[i]);
        break;
      }
      // The first occurrence wins; a repeated field cannot replace what was kept.
      if (!self->present_[i]) {
        self->current_ = static_cast<FieldId>(i);
        self->fields_[i].clear();
      }
      break;
    }
  }
  if (Extras* extras = self->extras_.get(); extras != nullptr) {
    extras->current = -1;
    absl::AsciiStrToLower(&extras->name);
    for (size_t i = 0; i < extras->values.size(); ++i) {
      if (extras->name == self->extra_->header_names[i]) {
        // A repeated field is joined to the ones before it (RFC 9110 section 5.3).
        extras->current = static_cast<int>(i);
        if (extras->present[i]) AppendCapped(&extras->values[i], ", ", 2, kMaxCapturedBytes);
        break;
      }
    }
  }
  return 0;
}

int ResponseParser::OnHeaderValue(llhttp_t* p, const char* at, size_t len) {
  ResponseParser* self = Self(p);
  if (self->headers_done_) return self->CountTrailerBytes(len);
  if (self->current_ != kOther) {
    AppendCapped(&self->fields_[self->current_], at, len, kFieldCaps[self->current_]);
  }
  if (self->extras_ != nullptr && self->extras_->current >= 0) {
    AppendCapped(&self->extras_->values[static_cast<size_t>(self->extras_->current)], at, len, kMaxCapturedBytes);
  }
  return 0;
}

int ResponseParser::OnHeaderValueComplete(llhttp_t* p) {
  ResponseParser* self = Self(p);
  if (self->headers_done_) return 0;
  if (self->current_ != kOther) {
    // llhttp drops leading white space but keeps trailing (RFC 9110 section 5.5: OWS is not part of
    // the value).
    std::string& v = self->fields_[self->current_];
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
    self->present_[self->current_] = true;
  }
  if (Extras* extras = self->extras_.get(); extras != nullptr) {
    if (extras->current >= 0) {
      const auto i = static_cast<size_t>(extras->current);
      std::string& v = extras->values[i];
      while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.pop_back();
      extras->present[i] = true;
    }
    extras->current = -1;
    extras->name.clear();
  }
  self->current_ = kOther;
  self->name_len_ = 0;
  self->name_too_long_ = false;
  return 0;
}

// llhttp takes the versions it knows of (0.9, 1.0, 1.1, 2.0) from any status line, but this is an
// HTTP/1.x connection: an "HTTP/2.0" or "HTTP/0.9" status line on it is not an HTTP/1.x answer (RFC 9112
// section 2.3: the major version tells the message syntax). Minor versions above 1 ("HTTP/1.2"), which
// RFC 9112 section 2.3 would have us read as 1.1, never reach here: strict llhttp rejects them itself
// (HPE_INVALID_VERSION), and no server sends them.
int ResponseParser::OnVersionComplete(llhttp_t* p) {
  if (p->http_major == 1) return 0;
  Self(p)->Fail(HPE_INVALID_VERSION, kNotHttp1);
  return -1;
}

int ResponseParser::OnHeadersComplete(llhttp_t* p) {
  ResponseParser* self = Self(p);
  self->headers_done_ = true;
  int status = p->status_code;
  // llhttp takes "000" or "99" as a status; RFC 9110 section 15 defines only 100-599 (and three digits
  // in general), so anything below 100 is not an HTTP answer.
  if (status < 100) {
    self->Fail(HPE_INVALID_STATUS, kStatusTooLow);
    return -1;
  }
  if (IsInterim(status)) return 1;  // no body; the final response follows
  self->head_complete_ = true;
  self->status_ = status;
  self->http_major_ = p->http_major;
  self->http_minor_ = p->http_minor;
  if (p->flags & F_CONTENT_LENGTH) self->content_length_ = static_cast<int64_t>(p->content_length);
  // RFC 9112 section 6.3: responses to HEAD, and 1xx, 204 and 304 responses, end at the empty line
  // whatever their Content-Length says. llhttp knows the 1xx/204 rules but waits for a 304's body.
  if (self->head_request_ || status == 101 || status == 204 || status == 304) return 1;
  if (self->connect_request_ && status >= 200 && status < 300) return 1;
  if (self->max_body_ == 0 && self->content_length_.value_or(0) > 0) {
    // Nothing of the body is wanted and some is announced: stop right after the head.
    self->truncated_ = true;
    self->state_ = State::kComplete;
    return HPE_PAUSED;
  }
  return 0;
}

int ResponseParser::OnBody(llhttp_t* p, const char* at, size_t len) {
  ResponseParser* self = Self(p);
  int64_t room = self->max_body_ - self->body_bytes_;
  size_t take = std::min(len, static_cast<size_t>(room));
  self->title_.Feed(std::string_view(at, take));
  if (self->extras_ != nullptr && self->extras_->hash_body) self->extras_->body_hash.Update(std::string_view(at, take));
  self->body_bytes_ += static_cast<int64_t>(take);
  bool more = take < len;
  if (!more && self->body_bytes_ == self->max_body_ && (p->flags & F_CHUNKED) == 0 &&
      self->content_length_.value_or(0) > self->max_body_) {
    // The announced length says more is coming: no need to wait for it to know the body is cut.
    more = true;
  }
  if (!more) return 0;
  self->truncated_ = true;
  self->state_ = State::kComplete;
  self->stop_at_ = at + take;
  return HPE_PAUSED;
}

int ResponseParser::OnMessageComplete(llhttp_t* p) {
  ResponseParser* self = Self(p);
  self->in_message_ = false;
  if (!self->head_complete_) {
    if (++self->interim_count_ > kMaxInterimResponses) {
      self->Fail(kHeaderOverflowError, kTooManyInterim);
      return -1;
    }
    // The next head starts its own count.
    self->headers_done_ = false;
    self->head_bytes_ = 0;
    self->trailer_bytes_ = 0;
    return HPE_PAUSED;
  }
  // After 101 the connection speaks another protocol.
  self->should_keep_alive_ = llhttp_should_keep_alive(p) != 0 && self->status_ != 101;
  self->state_ = State::kComplete;
  return HPE_PAUSED;
}

void ResponseParser::H2Field(std::string_view name, std::string_view value) {
  bytes_received_ += name.size() + value.size();
  if (state_ != State::kNeedMore) return;
  if (Extras* extras = extras_.get(); extras != nullptr) {
    for (size_t i = 0; i < extras->values.size(); ++i) {
      if (name != extra_->header_names[i]) continue;
      // A repeated field is joined to the ones before it (RFC 9110 section 5.3), as over HTTP/1.x.
      if (extras->present[i]) AppendCapped(&extras->values[i], ", ", 2, kMaxCapturedBytes);
      AppendCapped(&extras->values[i], value.data(), value.size(), kMaxCapturedBytes);
      extras->present[i] = true;
      break;
    }
  }
  if (name == "content-length") {
    // nghttp2 has checked the value is digits and agrees with the DATA received (RFC 9113 section 8.1.1).
    int64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec == std::errc() && end == value.data() + value.size() && n >= 0) content_length_ = n;
    return;
  }
  for (int i = 0; i < kFieldCount; ++i) {
    if (name == kFieldNames[i] && !present_[i]) {
      AppendCapped(&fields_[i], value.data(), value.size(), kFieldCaps[i]);
      present_[i] = true;
      return;
    }
  }
}

ResponseParser::State ResponseParser::H2HeadEnd(int status, bool end_stream) {
  if (state_ != State::kNeedMore) return state_;
  if (status >= 100 && status < 200) {
    // Interim: what it said is not the answer (RFC 9113 section 8.1).
    if (++interim_count_ > kMaxInterimResponses) {
      Fail(kHeaderOverflowError, kTooManyInterim);
      return state_;
    }
    StartMessage();
    return state_;
  }
  head_complete_ = true;
  headers_done_ = true;
  status_ = status;
  http_major_ = 2;
  http_minor_ = 0;
  if (end_stream || head_request_ || status == 204 || status == 304) {
    state_ = State::kComplete;
  } else if (max_body_ == 0) {
    truncated_ = true;
    state_ = State::kComplete;
  }
  return state_;
}

ResponseParser::State ResponseParser::H2Body(const char* data, size_t len) {
  bytes_received_ += len;
  if (state_ != State::kNeedMore) return state_;
  const int64_t room = max_body_ - body_bytes_;
  const size_t take = std::min(len, static_cast<size_t>(room));
  title_.Feed(std::string_view(data, take));
  if (extras_ != nullptr && extras_->hash_body) extras_->body_hash.Update(std::string_view(data, take));
  body_bytes_ += static_cast<int64_t>(take);
  if (take < len || (body_bytes_ == max_body_ && content_length_.value_or(0) > max_body_)) {
    truncated_ = true;
    state_ = State::kComplete;
  }
  return state_;
}

ResponseParser::State ResponseParser::H2End() {
  if (state_ == State::kNeedMore && head_complete_) state_ = State::kComplete;
  return state_;
}

}  // namespace urlsweep
