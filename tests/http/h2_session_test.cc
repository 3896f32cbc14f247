// H2Session against a real HTTP/2 server: an nghttp2 server session in memory. The client's bytes go to
// the server whole; the server's answer comes back to the client in every split across two reads, and
// each split must give the same events.
#include "http/h2_session.h"

#include <gtest/gtest.h>
#include <nghttp2/nghttp2.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace urlsweep {
namespace {

// What the server does when a request has come in whole.
using Reply = std::function<void(nghttp2_session* server, int32_t stream_id)>;

struct ServerState {
  Reply reply;
  std::vector<std::string> request_fields;  // "name: value" of the last request
  std::string body;                         // DATA the reply sends
  size_t body_pos = 0;
};

ssize_t ReadBody(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags, nghttp2_data_source*,
                 void* user) {
  auto* st = static_cast<ServerState*>(user);
  const size_t n = std::min(length, st->body.size() - st->body_pos);
  std::copy_n(st->body.data() + st->body_pos, n, buf);
  st->body_pos += n;
  if (st->body_pos == st->body.size()) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

// The server's whole answer to the client's first flight (preface, SETTINGS, one request).
std::string ServerBytes(const std::string& client_bytes, ServerState* st) {
  nghttp2_session_callbacks* cb = nullptr;
  nghttp2_session_callbacks_new(&cb);
  nghttp2_session_callbacks_set_on_header_callback(
      cb, [](nghttp2_session*, const nghttp2_frame*, const uint8_t* name, size_t namelen, const uint8_t* value,
             size_t valuelen, uint8_t, void* user) {
        static_cast<ServerState*>(user)->request_fields.push_back(
            std::string(reinterpret_cast<const char*>(name), namelen) + ": " +
            std::string(reinterpret_cast<const char*>(value), valuelen));
        return 0;
      });
  nghttp2_session_callbacks_set_on_frame_recv_callback(
      cb, [](nghttp2_session* session, const nghttp2_frame* frame, void* user) {
        if (frame->hd.type == NGHTTP2_HEADERS && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0) {
          static_cast<ServerState*>(user)->reply(session, frame->hd.stream_id);
        }
        return 0;
      });
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  nghttp2_option_set_max_send_header_block_length(opt, 1 << 20);  // the oversized-head case
  nghttp2_session* server = nullptr;
  nghttp2_session_server_new2(&server, cb, st, opt);
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cb);
  nghttp2_submit_settings(server, NGHTTP2_FLAG_NONE, nullptr, 0);
  EXPECT_GE(nghttp2_session_mem_recv(server, reinterpret_cast<const uint8_t*>(client_bytes.data()),
                                     client_bytes.size()),
            0);
  std::string out;
  for (;;) {
    const uint8_t* p = nullptr;
    ssize_t n = nghttp2_session_mem_send(server, &p);
    if (n <= 0) break;
    out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
  }
  nghttp2_session_del(server);
  return out;
}

class RecordingStream : public H2Stream {
 public:
  void OnH2Field(std::string_view name, std::string_view value) override {
    events += "field " + std::string(name) + "=" + (value.size() > 40 ? "(long)" : std::string(value)) + ";";
  }
  void OnH2HeadEnd(int status, bool end_stream) override {
    absl::StrAppend(&events, "head ", status, end_stream ? " end" : "", ";");
  }
  void OnH2Data(const char* data, size_t len) override { body.append(data, len); }
  void OnH2Close(H2StreamEnd end, uint32_t code) override {
    absl::StrAppend(&events, "close ", static_cast<int>(end), " ", code, ";");
    closed = true;
  }
  std::string events;
  std::string body;
  bool closed = false;
};

RequestSpec Get(std::string_view target) {
  RequestSpec spec;
  spec.target = target;
  spec.host = "example.test";
  spec.user_agent = "urlsweep-test";
  return spec;
}

struct Outcome {
  std::string events;
  std::string body;
  bool failed = false;
  uint32_t error = 0;
};

// Runs the exchange with the server's bytes cut at `split`.
Outcome RunSplit(const std::string& server_bytes, size_t split, const RequestSpec& spec) {
  RecordingStream stream;  // declared first: a stream outlives the session that links it
  H2Session client;
  EXPECT_TRUE(client.Start());
  EXPECT_EQ(client.Submit(spec, "https", &stream), 1);
  std::string ignored;
  uint32_t code = 0;
  EXPECT_TRUE(client.TakeOutput(&ignored, &code));
  Outcome o;
  for (const auto& [from, to] : {std::pair<size_t, size_t>{0, split}, {split, server_bytes.size()}}) {
    if (o.failed) break;
    bool failed = false;
    code = client.Receive(server_bytes.data() + from, to - from, &failed);
    if (failed) {
      o.failed = true;
      o.error = code;
      break;
    }
    std::string out;
    if (!client.TakeOutput(&out, &code)) {
      o.failed = true;
      o.error = code;
    }
  }
  o.events = stream.events;
  o.body = stream.body;
  if (o.failed && !stream.closed) {
    client.FailAll(H2StreamEnd::kProtocolError, o.error);
    o.events = stream.events;
  }
  return o;
}

// The client's first flight for `spec`.
std::string ClientBytes(const RequestSpec& spec) {
  RecordingStream stream;  // declared first: a stream outlives the session that links it
  H2Session client;
  EXPECT_TRUE(client.Start());
  client.Submit(spec, "https", &stream);
  std::string out;
  uint32_t code = 0;
  EXPECT_TRUE(client.TakeOutput(&out, &code));
  return out;
}

// Every split of the server's answer gives `want` (and the same body). With a `stride` above 1 (an answer
// of tens of KiB, where every split would cost minutes), every split within the first and last 512 bytes
// and every stride-th one between them.
void ExpectEverySplit(ServerState* st, const Outcome& want, const RequestSpec& spec = Get("/"), size_t stride = 1) {
  const std::string server_bytes = ServerBytes(ClientBytes(spec), st);
  ASSERT_FALSE(server_bytes.empty());
  for (size_t split = 0; split <= server_bytes.size();
       split += (split < 512 || split + 512 > server_bytes.size()) ? 1 : stride) {
    Outcome got = RunSplit(server_bytes, split, spec);
    ASSERT_EQ(got.events, want.events) << "split at " << split << " of " << server_bytes.size();
    ASSERT_EQ(got.body, want.body) << "split at " << split;
    ASSERT_EQ(got.failed, want.failed) << "split at " << split;
    ASSERT_EQ(got.error, want.error) << "split at " << split;
  }
}

void Respond(nghttp2_session* server, int32_t id, std::vector<std::pair<std::string, std::string>> fields,
             bool with_body) {
  std::vector<nghttp2_nv> nva;
  for (auto& [n, v] : fields) {
    nva.push_back({reinterpret_cast<uint8_t*>(n.data()), reinterpret_cast<uint8_t*>(v.data()), n.size(), v.size(),
                   NGHTTP2_NV_FLAG_NONE});
  }
  nghttp2_data_provider provider{};
  provider.read_callback = &ReadBody;
  nghttp2_submit_response(server, id, nva.data(), nva.size(), with_body ? &provider : nullptr);
}

TEST(H2Session, ResponseWithBodyInEverySplit) {
  ServerState st;
  st.body = "<html><title>Hi</title>" + std::string(3000, 'x');
  st.reply = [&st](nghttp2_session* s, int32_t id) {
    Respond(s, id,
            {{":status", "200"},
             {"content-type", "text/html"},
             {"content-length", std::to_string(st.body.size())},
             {"server", "test"}},
            true);
  };
  Outcome want;
  want.events = "field :status=200;field content-type=text/html;field content-length=3023;field server=test;"
                "head 200;close 0 0;";
  want.body = st.body;
  ExpectEverySplit(&st, want);
}

TEST(H2Session, RequestCarriesPseudoHeadersAndDefaults) {
  ServerState st;
  st.reply = [](nghttp2_session* s, int32_t id) { Respond(s, id, {{":status", "204"}}, false); };
  RequestSpec spec = Get("/a?b=1");
  std::vector<std::pair<std::string, std::string>> extra = {
      {"X-Test", "1"}, {"Connection", "close"}, {"Accept", "text/html"}, {"Host", "other"}};
  spec.extra_headers = &extra;
  ServerBytes(ClientBytes(spec), &st);
  EXPECT_EQ(st.request_fields,
            (std::vector<std::string>{":method: GET", ":scheme: https", ":authority: example.test", ":path: /a?b=1",
                                      "user-agent: urlsweep-test", "accept-encoding: identity", "x-test: 1",
                                      "accept: text/html"}));
}

TEST(H2Session, HeadersEndingTheStreamInEverySplit) {
  ServerState st;
  st.reply = [](nghttp2_session* s, int32_t id) { Respond(s, id, {{":status", "204"}}, false); };
  Outcome want;
  want.events = "field :status=204;head 204 end;close 0 0;";
  ExpectEverySplit(&st, want);
}

TEST(H2Session, InterimResponseThenFinal) {
  ServerState st;
  st.body = "ok";
  st.reply = [](nghttp2_session* s, int32_t id) {
    std::string n = ":status", v = "103", ln = "link", lv = "</a.css>; rel=preload";
    nghttp2_nv info[] = {
        {reinterpret_cast<uint8_t*>(n.data()), reinterpret_cast<uint8_t*>(v.data()), n.size(), v.size(), 0},
        {reinterpret_cast<uint8_t*>(ln.data()), reinterpret_cast<uint8_t*>(lv.data()), ln.size(), lv.size(), 0}};
    nghttp2_submit_headers(s, NGHTTP2_FLAG_NONE, id, nullptr, info, 2, nullptr);
    Respond(s, id, {{":status", "200"}}, true);
  };
  Outcome want;
  want.events = "field :status=103;field link=</a.css>; rel=preload;head 103;field :status=200;head 200;close 0 0;";
  want.body = "ok";
  ExpectEverySplit(&st, want);
}

TEST(H2Session, StreamResetByTheServerInEverySplit) {
  ServerState st;
  st.reply = [](nghttp2_session* s, int32_t id) {
    nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, id, NGHTTP2_INTERNAL_ERROR);
  };
  Outcome want;
  want.events = absl::StrCat("close ", static_cast<int>(H2StreamEnd::kReset), " 2;");
  ExpectEverySplit(&st, want);
}

TEST(H2Session, RefusedStreamIsRetryable) {
  ServerState st;
  st.reply = [](nghttp2_session* s, int32_t id) {
    nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, id, NGHTTP2_REFUSED_STREAM);
  };
  Outcome want;
  want.events = absl::StrCat("close ", static_cast<int>(H2StreamEnd::kRefused), " 7;");
  ExpectEverySplit(&st, want);
}

TEST(H2Session, StreamAboveGoawayLastIdWasNotProcessed) {
  ServerState st;
  st.reply = [](nghttp2_session* s, int32_t) {
    nghttp2_submit_goaway(s, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, nullptr, 0);
  };
  Outcome want;
  want.events = absl::StrCat("close ", static_cast<int>(H2StreamEnd::kRefused), " 7;");
  ExpectEverySplit(&st, want);
}

TEST(H2Session, HeaderListBeyondTheLimitEndsTheStream) {
  ServerState st;
  st.reply = [](nghttp2_session* s, int32_t id) {
    Respond(s, id, {{":status", "200"}, {"x-a", std::string(30000, 'a')}, {"x-b", std::string(30000, 'b')},
                    {"x-c", std::string(30000, 'c')}},
            false);
  };
  Outcome want;
  want.events = absl::StrCat("field :status=200;field x-a=(long);field x-b=(long);close ",
                             static_cast<int>(H2StreamEnd::kHeaderListTooLarge), " 8;");
  ExpectEverySplit(&st, want, Get("/"), /*stride=*/331);
}

TEST(H2Session, NotHttp2IsAProtocolError) {
  // A server that answers the preface in HTTP/1.1 (or with any bytes that are not a SETTINGS frame).
  const std::string garbage = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
  for (size_t split = 0; split <= garbage.size(); ++split) {
    Outcome got = RunSplit(garbage, split, Get("/"));
    ASSERT_TRUE(got.failed) << split;
    ASSERT_EQ(got.error, static_cast<uint32_t>(NGHTTP2_PROTOCOL_ERROR)) << split;
    ASSERT_EQ(got.events, absl::StrCat("close ", static_cast<int>(H2StreamEnd::kProtocolError), " 1;")) << split;
  }
}

TEST(H2Session, CancelSendsRstStreamAndSilencesTheStream) {
  ServerState st;
  st.body = std::string(1000, 'z');
  st.reply = [](nghttp2_session* s, int32_t id) { Respond(s, id, {{":status", "200"}}, true); };
  const std::string server_bytes = ServerBytes(ClientBytes(Get("/")), &st);
  RecordingStream stream;  // declared first: a stream outlives the session that links it
  H2Session client;
  ASSERT_TRUE(client.Start());
  ASSERT_EQ(client.Submit(Get("/"), "https", &stream), 1);
  std::string out;
  uint32_t code = 0;
  ASSERT_TRUE(client.TakeOutput(&out, &code));
  client.Cancel(&stream);
  EXPECT_EQ(client.open_streams(), 0);
  bool failed = false;
  client.Receive(server_bytes.data(), server_bytes.size(), &failed);
  EXPECT_FALSE(failed);
  EXPECT_EQ(stream.events, "");
  EXPECT_EQ(stream.body, "");
}

TEST(H2Session, FailAllEndsEveryOpenStreamInOrder) {
  RecordingStream a, b;  // declared first: a stream outlives the session that links it
  H2Session client;
  ASSERT_TRUE(client.Start());
  ASSERT_EQ(client.Submit(Get("/a"), "https", &a), 1);
  ASSERT_EQ(client.Submit(Get("/b"), "https", &b), 3);
  EXPECT_EQ(client.open_streams(), 2);
  client.FailAll(H2StreamEnd::kConnectionLost, 0);
  EXPECT_EQ(client.open_streams(), 0);
  const std::string lost = absl::StrCat("close ", static_cast<int>(H2StreamEnd::kConnectionLost), " 0;");
  EXPECT_EQ(a.events, lost);
  EXPECT_EQ(b.events, lost);
}

}  // namespace
}  // namespace urlsweep
