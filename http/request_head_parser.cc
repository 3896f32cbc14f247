#include "http/request_head_parser.h"

#include <algorithm>

namespace urlsweep {
namespace {

RequestHeadParser* Self(llhttp_t* p) { return static_cast<RequestHeadParser*>(p->data); }

}  // namespace

// Built once, on first use, so no parser can see it before it is initialised; llhttp keeps a pointer.
const llhttp_settings_t* RequestHeadParser::Settings() {
  static const llhttp_settings_t settings = [] {
    llhttp_settings_t s;
    llhttp_settings_init(&s);
    s.on_url = &RequestHeadParser::OnUrl;
    s.on_headers_complete = &RequestHeadParser::OnHeadersComplete;
    return s;
  }();
  return &settings;
}

RequestHeadParser::RequestHeadParser() {
  llhttp_init(&parser_, HTTP_REQUEST, Settings());
  parser_.data = this;
}

int RequestHeadParser::OnUrl(llhttp_t* p, const char* at, size_t len) {
  // The whole head is bounded by kMaxRequestHeadBytes, so the target is too.
  Self(p)->target_.append(at, len);
  return 0;
}

int RequestHeadParser::OnHeadersComplete(llhttp_t* p) {
  RequestHeadParser* self = Self(p);
  switch (llhttp_get_method(p)) {
    case HTTP_GET:
      self->method_ = Method::kGet;
      break;
    case HTTP_HEAD:
      self->method_ = Method::kHead;
      break;
    default:
      self->method_ = Method::kOther;
      break;
  }
  self->state_ = State::kComplete;
  // The head is all we need: stop here, whatever follows.
  return HPE_PAUSED;
}

RequestHeadParser::State RequestHeadParser::Feed(const char* data, size_t len) {
  if (state_ != State::kNeedMore) return state_;
  const size_t room = kMaxRequestHeadBytes - head_bytes_;
  const size_t n = std::min(len, room);
  head_bytes_ += n;
  const llhttp_errno_t err = llhttp_execute(&parser_, data, n);
  if (state_ == State::kComplete) return state_;
  if (err != HPE_OK) {
    state_ = State::kError;
  } else if (head_bytes_ == kMaxRequestHeadBytes) {
    // The limit is reached and the head has not ended.
    head_too_large_ = true;
    state_ = State::kError;
  }
  return state_;
}

std::string_view RequestHeadParser::path() const {
  std::string_view t = target_;
  const size_t q = t.find('?');
  return q == std::string_view::npos ? t : t.substr(0, q);
}

}  // namespace urlsweep
