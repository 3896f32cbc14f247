#include "http/h2_session.h"

#include <nghttp2/nghttp2.h>

#include <array>
#include <vector>

#include "absl/strings/ascii.h"
#include "core/error_map.h"

namespace urlsweep {
namespace {

// Headers a request must not carry over HTTP/2 (RFC 9113 section 8.2.2), and Host, which :authority
// replaces (section 8.3.1).
bool ForbiddenInH2(std::string_view lower_name) {
  return lower_name == "connection" || lower_name == "keep-alive" || lower_name == "proxy-connection" ||
         lower_name == "transfer-encoding" || lower_name == "upgrade" || lower_name == "host" ||
         lower_name == "te";
}

bool ValidFieldValue(std::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool ValidFieldName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ':') return false;
  }
  return true;
}

nghttp2_nv Nv(std::string_view name, std::string_view value) {
  // NO_COPY: the bytes outlive nghttp2_submit_request, which copies them into the frame it queues.
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                    NGHTTP2_NV_FLAG_NONE};
}

// The three-digit :status (RFC 9113 section 8.3.2); 0 when it is not one.
int ParseStatus(std::string_view value) {
  if (value.size() != 3) return 0;
  int n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

// nghttp2's callbacks, befriended by H2Session and H2Stream.
struct H2SessionCallbacks {
  static H2Session* Self(void* user) { return static_cast<H2Session*>(user); }

  static H2Stream* StreamOf(nghttp2_session* session, int32_t stream_id) {
    return static_cast<H2Stream*>(nghttp2_session_get_stream_user_data(session, stream_id));
  }

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame*, void* user) {
    Self(user)->block_status_ = 0;
    return 0;
  }

  static int OnHeader(nghttp2_session* session, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    H2Stream* stream = StreamOf(session, frame->hd.stream_id);
    if (stream == nullptr) return 0;
    H2Session* self = Self(user);
    stream->header_list_bytes_ += static_cast<uint32_t>(namelen + valuelen + 32);
    if (stream->header_list_bytes_ > kMaxH2HeaderListBytes) {
      // We will not hold more of it: the stream ends here, and the server hears CANCEL (we no longer
      // want the stream; nothing is wrong with the protocol). nghttp2 still decodes the rest of the
      // block, keeping the HPACK state in step for the other streams.
      self->Unlink(stream);
      nghttp2_session_set_stream_user_data(session, frame->hd.stream_id, nullptr);
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_CANCEL);
      stream->OnH2Close(H2StreamEnd::kHeaderListTooLarge, NGHTTP2_CANCEL);  // nothing may follow
      return 0;
    }
    if (stream->final_head_) return 0;  // trailers: bounded above, not reported
    const std::string_view n(reinterpret_cast<const char*>(name), namelen);
    const std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status") self->block_status_ = ParseStatus(v);
    stream->OnH2Field(n, v);
    return 0;
  }

  static int OnFrameRecv(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    H2Session* self = Self(user);
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      self->goaway_received_ = true;
      self->goaway_code_ = frame->goaway.error_code;
      self->goaway_last_stream_id_ = frame->goaway.last_stream_id;
      return 0;
    }
    if (frame->hd.stream_id == 0) return 0;
    H2Stream* stream = StreamOf(session, frame->hd.stream_id);
    if (stream == nullptr) return 0;
    const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
    switch (frame->hd.type) {
      case NGHTTP2_RST_STREAM:
        stream->reset_received_ = true;
        stream->reset_code_ = frame->rst_stream.error_code;
        break;
      case NGHTTP2_HEADERS:
        if (end_stream) stream->end_stream_ = true;
        if (!stream->final_head_) {
          const int status = self->block_status_;
          if (status >= 200 || status == 101 || status < 100) stream->final_head_ = true;
          stream->OnH2HeadEnd(status, end_stream);  // may cancel the stream
        }
        break;
      case NGHTTP2_DATA:
        if (end_stream) stream->end_stream_ = true;
        break;
      default:
        break;
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session* session, uint8_t, int32_t stream_id, const uint8_t* data, size_t len,
                         void*) {
    H2Stream* stream = StreamOf(session, stream_id);
    if (stream == nullptr) return 0;
    stream->OnH2Data(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int OnFrameSend(nghttp2_session* session, const nghttp2_frame* frame, void* user) {
    H2Session* self = Self(user);
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      self->goaway_sent_ = true;
      self->goaway_sent_code_ = frame->goaway.error_code;
      return 0;
    }
    if (frame->hd.type == NGHTTP2_RST_STREAM) {
      // nghttp2 reset a stream it found in violation (a malformed response, RFC 9113 section 8.1.1).
      if (H2Stream* stream = StreamOf(session, frame->hd.stream_id); stream != nullptr) {
        stream->reset_sent_ = true;
        stream->reset_code_ = frame->rst_stream.error_code;
      }
    }
    return 0;
  }

  static int OnStreamClose(nghttp2_session* session, int32_t stream_id, uint32_t error_code, void* user) {
    H2Stream* stream = StreamOf(session, stream_id);
    if (stream == nullptr) return 0;
    H2Session* self = Self(user);
    self->Unlink(stream);
    nghttp2_session_set_stream_user_data(session, stream_id, nullptr);
    H2StreamEnd end;
    uint32_t code = error_code;
    if (stream->reset_received_) {
      code = stream->reset_code_;
      end = H2CodeIsRefused(code) ? H2StreamEnd::kRefused : H2StreamEnd::kReset;
    } else if (stream->end_stream_) {
      end = H2StreamEnd::kComplete;
    } else if (self->goaway_received_ && stream_id > self->goaway_last_stream_id_) {
      // RFC 9113 section 6.8: streams above the last stream id were not processed.
      end = H2StreamEnd::kRefused;
      code = NGHTTP2_REFUSED_STREAM;
    } else if (stream->reset_sent_) {
      code = stream->reset_code_;
      end = H2StreamEnd::kProtocolError;
    } else if (H2CodeIsRefused(error_code)) {
      end = H2StreamEnd::kRefused;
    } else {
      end = error_code == NGHTTP2_NO_ERROR ? H2StreamEnd::kReset : H2StreamEnd::kProtocolError;
    }
    stream->OnH2Close(end, code);  // nothing may follow: the owner may reuse the stream at once
    return 0;
  }
};

H2Session::~H2Session() { End(); }

bool H2Session::Start() {
  End();
  nghttp2_session_callbacks* callbacks = nullptr;
  if (nghttp2_session_callbacks_new(&callbacks) != 0) return false;
  nghttp2_session_callbacks_set_on_begin_headers_callback(callbacks, &H2SessionCallbacks::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(callbacks, &H2SessionCallbacks::OnHeader);
  nghttp2_session_callbacks_set_on_frame_recv_callback(callbacks, &H2SessionCallbacks::OnFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, &H2SessionCallbacks::OnDataChunk);
  nghttp2_session_callbacks_set_on_frame_send_callback(callbacks, &H2SessionCallbacks::OnFrameSend);
  nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, &H2SessionCallbacks::OnStreamClose);
  nghttp2_option* option = nullptr;
  if (nghttp2_option_new(&option) != 0) {
    nghttp2_session_callbacks_del(callbacks);
    return false;
  }
  // Until the server's SETTINGS arrive, assume the 100 streams RFC 9113 section 6.5.2 recommends as
  // the least a server should allow (nghttp2 would assume no limit at all).
  nghttp2_option_set_peer_max_concurrent_streams(option, 100);
  // A closed stream is forgotten at once (nghttp2 would keep some for the priority tree): the memory of
  // a connection is that of its open streams.
  nghttp2_option_set_no_closed_streams(option, 1);
  const int rc = nghttp2_session_client_new2(&session_, callbacks, this, option);
  nghttp2_option_del(option);
  nghttp2_session_callbacks_del(callbacks);
  if (rc != 0) {
    session_ = nullptr;
    return false;
  }
  goaway_received_ = false;
  goaway_code_ = 0;
  goaway_last_stream_id_ = 0;
  goaway_sent_ = false;
  goaway_sent_code_ = 0;
  block_status_ = 0;
  const std::array<nghttp2_settings_entry, 2> settings = {{
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, kMaxH2HeaderListBytes},
  }};
  if (nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size()) != 0) {
    End();
    return false;
  }
  return true;
}

void H2Session::End() {
  // Streams still linked are forgotten without a callback (the owner has already ended them).
  for (H2Stream* stream = head_; stream != nullptr;) {
    H2Stream* next = stream->next_;
    stream->session_ = nullptr;
    stream->prev_ = stream->next_ = nullptr;
    stream = next;
  }
  head_ = tail_ = nullptr;
  open_streams_ = 0;
  if (session_ != nullptr) {
    nghttp2_session_del(session_);
    session_ = nullptr;
  }
}

void H2Session::Link(H2Stream* stream) {
  stream->session_ = this;
  stream->prev_ = tail_;
  stream->next_ = nullptr;
  if (tail_ != nullptr) {
    tail_->next_ = stream;
  } else {
    head_ = stream;
  }
  tail_ = stream;
  ++open_streams_;
}

void H2Session::Unlink(H2Stream* stream) {
  if (stream->session_ != this) return;
  if (stream->prev_ != nullptr) {
    stream->prev_->next_ = stream->next_;
  } else {
    head_ = stream->next_;
  }
  if (stream->next_ != nullptr) {
    stream->next_->prev_ = stream->prev_;
  } else {
    tail_ = stream->prev_;
  }
  stream->prev_ = stream->next_ = nullptr;
  stream->session_ = nullptr;
  --open_streams_;
}

int32_t H2Session::Submit(const RequestSpec& spec, std::string_view scheme, H2Stream* stream) {
  if (!accepting()) return 0;
  // Lower-cased -H names, kept here while nghttp2 copies them: its frame holds its own copy afterwards.
  static thread_local std::vector<std::string> names;
  static thread_local std::vector<nghttp2_nv> nva;
  nva.clear();
  const std::string_view method = spec.method == HttpMethod::kHead ? "HEAD" : "GET";
  nva.push_back(Nv(":method", method));
  nva.push_back(Nv(":scheme", scheme));
  nva.push_back(Nv(":authority", spec.host));
  nva.push_back(Nv(":path", spec.target.empty() ? std::string_view("/") : spec.target));
  // The defaults of SerializeRequest, in its order; a -H of the same name replaces or (empty) removes one.
  struct Default {
    std::string_view name;
    std::string_view value;
  };
  const Default defaults[] = {{"user-agent", spec.user_agent},
                              {"accept", "*/*"},
                              {"accept-encoding", "identity"},
                              {"authorization", spec.authorization}};
  size_t extra_count = spec.extra_headers != nullptr ? spec.extra_headers->size() : 0;
  if (names.size() < extra_count) names.resize(extra_count);
  for (size_t i = 0; i < extra_count; ++i) {
    names[i] = absl::AsciiStrToLower((*spec.extra_headers)[i].first);
  }
  for (const Default& d : defaults) {
    bool overridden = false;
    for (size_t i = 0; i < extra_count; ++i) overridden = overridden || names[i] == d.name;
    if (!overridden && !d.value.empty()) nva.push_back(Nv(d.name, d.value));
  }
  for (size_t i = 0; i < extra_count; ++i) {
    const std::string& value = (*spec.extra_headers)[i].second;
    if (value.empty() || ForbiddenInH2(names[i]) || !ValidFieldName(names[i]) || !ValidFieldValue(value)) continue;
    nva.push_back(Nv(names[i], value));
  }
  stream->stream_id_ = 0;
  stream->header_list_bytes_ = 0;
  stream->reset_code_ = 0;
  stream->reset_received_ = false;
  stream->reset_sent_ = false;
  stream->end_stream_ = false;
  stream->final_head_ = false;
  const int32_t id = nghttp2_submit_request(session_, nullptr, nva.data(), nva.size(), nullptr, stream);
  if (id <= 0) return 0;
  stream->stream_id_ = id;
  Link(stream);
  return id;
}

void H2Session::Cancel(H2Stream* stream) {
  if (stream->session_ != this) return;
  const int32_t id = stream->stream_id_;
  Unlink(stream);
  if (session_ == nullptr) return;
  nghttp2_session_set_stream_user_data(session_, id, nullptr);
  // Also a request nghttp2 still holds back (SETTINGS_MAX_CONCURRENT_STREAMS) is dropped by this.
  nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
}

uint32_t H2Session::Receive(const char* data, size_t len, bool* failed) {
  *failed = false;
  if (session_ == nullptr) {
    *failed = true;
    return NGHTTP2_INTERNAL_ERROR;
  }
  const ssize_t rv = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(data), len);
  if (rv < 0) {
    *failed = true;
    return H2CodeOfNghttp2Error(static_cast<int>(rv));
  }
  return 0;
}

bool H2Session::TakeOutput(std::string* out, uint32_t* error_code) {
  *error_code = 0;
  if (session_ == nullptr) return true;
  for (;;) {
    const uint8_t* bytes = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &bytes);
    if (n < 0) {
      *error_code = H2CodeOfNghttp2Error(static_cast<int>(n));
      return false;
    }
    if (n == 0) break;
    out->append(reinterpret_cast<const char*>(bytes), static_cast<size_t>(n));
  }
  // A GOAWAY with an error code is how nghttp2 ends a session it found in violation (the code we send).
  if (goaway_sent_ && goaway_sent_code_ != NGHTTP2_NO_ERROR) {
    *error_code = goaway_sent_code_;
    return false;
  }
  return true;
}

void H2Session::FailAll(H2StreamEnd end, uint32_t code) {
  while (H2Stream* stream = head_) {
    const int32_t id = stream->stream_id_;
    Unlink(stream);
    if (session_ != nullptr) nghttp2_session_set_stream_user_data(session_, id, nullptr);
    stream->OnH2Close(end, code);  // may submit on, or cancel streams of, this session
  }
}

bool H2Session::accepting() const {
  return session_ != nullptr && !goaway_received_ && !goaway_sent_ && nghttp2_session_want_read(session_) != 0 &&
         nghttp2_session_check_request_allowed(session_) != 0;
}

bool H2Session::alive() const {
  return session_ != nullptr && (nghttp2_session_want_read(session_) != 0 || nghttp2_session_want_write(session_) != 0);
}

uint32_t H2Session::max_concurrent_streams() const {
  if (session_ == nullptr) return 0;
  return nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
}

}  // namespace urlsweep
