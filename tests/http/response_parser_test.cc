#include "http/response_parser.h"

#include <llhttp.h>

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

namespace urlsweep {
namespace {

using State = ResponseParser::State;

// Everything a caller can observe after a run.
struct Outcome {
  State state = State::kNeedMore;
  size_t consumed = 0;
  uint64_t bytes_received = 0;
  bool head_complete = false;
  int status = 0;
  std::string reason;
  int http_major = 0;
  int http_minor = 0;
  std::optional<std::string> location, content_type, server, retry_after, title, proxy_authenticate;
  std::optional<int64_t> content_length;
  int64_t body_bytes = 0;
  bool truncated = false;
  bool keep_alive = false;
  int error = 0;
  std::string error_reason;
  std::vector<std::optional<std::string>> captured;  // one per Options::extra header name
  std::optional<std::string> body_sha256;
  bool operator==(const Outcome&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Outcome& o) {
  auto opt = [](const std::optional<std::string>& s) { return s ? "'" + s->substr(0, 40) + "'" : "-"; };
  return os << "{state=" << static_cast<int>(o.state) << " consumed=" << o.consumed
            << " received=" << o.bytes_received << " head=" << o.head_complete << " status=" << o.status
            << " reason='" << o.reason << "' v=" << o.http_major << "." << o.http_minor
            << " loc=" << opt(o.location) << " ct=" << opt(o.content_type) << " server=" << opt(o.server)
            << " retry=" << opt(o.retry_after) << " title=" << opt(o.title)
            << " proxy-auth=" << opt(o.proxy_authenticate)
            << " cl=" << (o.content_length ? std::to_string(*o.content_length) : "-")
            << " body=" << o.body_bytes << " trunc=" << o.truncated << " ka=" << o.keep_alive
            << " err=" << o.error << " '" << o.error_reason << "' sha256=" << opt(o.body_sha256) << "}";
}

std::optional<std::string> Str(std::optional<std::string_view> v) {
  if (!v) return std::nullopt;
  return std::string(*v);
}

struct Options {
  bool head_request = false;
  int64_t max_body = 65536;
  bool eof = false;  // the peer closes after the input: Finish() is called if still kNeedMore
  bool connect_request = false;
  const ExtraColumns* extra = nullptr;  // headers to capture, body hash
};

// Feeds every piece in order, as a connection feeds every read; a state once reached must stay.
Outcome Run(ResponseParser* p, const std::vector<std::string_view>& pieces, const Options& opt) {
  p->SetExtraColumns(opt.extra);
  p->Reset(opt.head_request, opt.max_body, opt.connect_request);
  Outcome o;
  for (std::string_view piece : pieces) {
    size_t used = 0;
    State before = o.state;
    o.state = p->Feed(piece.data(), piece.size(), &used);
    o.consumed += used;
    if (before != State::kNeedMore) {
      EXPECT_EQ(o.state, before);
      EXPECT_EQ(used, 0u);
    } else if (o.state == State::kNeedMore) {
      EXPECT_EQ(used, piece.size()) << "a parser that needs more must take every byte";
    }
  }
  if (o.state == State::kNeedMore && opt.eof) o.state = p->Finish();
  if (o.state == State::kError) o.consumed = 0;  // nothing is read after an error: no count to compare
  o.bytes_received = p->bytes_received();
  o.head_complete = p->head_complete();
  o.status = p->status();
  o.reason = std::string(p->reason());
  o.http_major = p->http_major();
  o.http_minor = p->http_minor();
  o.location = Str(p->location());
  o.content_type = Str(p->content_type());
  o.server = Str(p->server());
  o.retry_after = Str(p->retry_after());
  o.title = Str(p->title());
  o.proxy_authenticate = Str(p->proxy_authenticate());
  o.content_length = p->content_length();
  o.body_bytes = p->body_bytes();
  o.truncated = p->truncated();
  o.keep_alive = p->keep_alive();
  o.error = p->error();
  o.error_reason = p->error_reason();
  if (opt.extra != nullptr) {
    for (size_t i = 0; i < opt.extra->header_names.size(); ++i) o.captured.push_back(Str(p->captured(i)));
  }
  o.body_sha256 = Str(p->body_sha256());
  return o;
}

// The outcome of the whole input at once, checked to be the same for every cut into two pieces and
// for 1-byte pieces. Large inputs are cut at every byte near their ends and at a stride elsewhere.
Outcome RunEverySplit(std::string_view in, const Options& opt) {
  ResponseParser p;
  Outcome whole = Run(&p, {in}, opt);
  auto same = [&](const Outcome& o, const std::string& how) { EXPECT_EQ(o, whole) << how; };
  const size_t stride = in.size() > 4096 ? 997 : 1;
  for (size_t cut = 0; cut <= in.size(); ++cut) {
    bool near_end = cut < 64 || in.size() - cut < 64;
    if (!near_end && cut % stride != 0) continue;
    same(Run(&p, {in.substr(0, cut), in.substr(cut)}, opt), "cut at " + std::to_string(cut));
  }
  std::vector<std::string_view> bytes;
  for (size_t i = 0; i < in.size(); ++i) bytes.push_back(in.substr(i, 1));
  same(Run(&p, bytes, opt), "1-byte pieces");
  return whole;
}

std::string WithLength(std::string head, std::string_view body) {
  return head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

struct Case {
  std::string name;
  std::string input;
  Options opt;
  std::function<void(const Outcome&, size_t input_size)> check;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ResponseParserTest : public testing::TestWithParam<Case> {};

TEST_P(ResponseParserTest, SameOutcomeForEverySplit) {
  const Case& c = GetParam();
  Outcome o = RunEverySplit(c.input, c.opt);
  SCOPED_TRACE(testing::Message() << o);
  c.check(o, c.input.size());
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  auto add = [&](std::string name, std::string input, Options opt,
                 std::function<void(const Outcome&, size_t)> check) {
    cases.push_back({std::move(name), std::move(input), opt, std::move(check)});
  };

  add("ContentLength",
      WithLength("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nServer: nginx/1.22\r\n",
                 "<html><title>Hi &amp; bye</title></html>"),
      {}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n);
        EXPECT_TRUE(o.head_complete);
        EXPECT_EQ(o.status, 200);
        EXPECT_EQ(o.reason, "OK");
        EXPECT_EQ(o.http_major, 1);
        EXPECT_EQ(o.http_minor, 1);
        EXPECT_EQ(o.content_type, "text/html; charset=utf-8");
        EXPECT_EQ(o.server, "nginx/1.22");
        EXPECT_EQ(o.location, std::nullopt);
        EXPECT_EQ(o.content_length, 40);
        EXPECT_EQ(o.body_bytes, 40);
        EXPECT_EQ(o.title, "Hi & bye");
        EXPECT_FALSE(o.truncated);
        EXPECT_TRUE(o.keep_alive);
      });
  // A proxy's 407 with three challenges in two fields, another header between them: one list.
  add("ProxyAuthenticateFieldsJoined",
      WithLength("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM  \r\n"
                 "Server: squid\r\nPROXY-AUTHENTICATE: Digest realm=\"r\", nonce=\"n\"\r\n"
                 "proxy-authenticate: Basic realm=\"r\"\r\nConnection: keep-alive\r\n",
                 "<html>denied</html>"),
      {}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n);
        EXPECT_EQ(o.status, 407);
        EXPECT_EQ(o.proxy_authenticate, "NTLM, Digest realm=\"r\", nonce=\"n\", Basic realm=\"r\"");
        EXPECT_EQ(o.server, "squid");
        EXPECT_TRUE(o.keep_alive);  // the body was read: the connection can carry the next message
      });
  add("ProxyAuthenticateAbsent", WithLength("HTTP/1.1 200 OK\r\n", "x"), {}, [](const Outcome& o, size_t) {
    EXPECT_EQ(o.proxy_authenticate, std::nullopt);
  });
  // An answer to CONNECT: a 2xx ends at its head (what follows is the tunnel), a 407 has its body.
  add("ConnectEstablishedHasNoBody",
      "HTTP/1.1 200 Connection established\r\nContent-Length: 5\r\n\r\n",
      {.connect_request = true}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n);
        EXPECT_EQ(o.body_bytes, 0);
      });
  add("ConnectRefusedBodyIsRead",
      WithLength("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: NTLM TlRMTVNTUAACAAAA\r\n",
                 "0123456789"),
      {.connect_request = true}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n);
        EXPECT_EQ(o.body_bytes, 10);
        EXPECT_EQ(o.proxy_authenticate, "NTLM TlRMTVNTUAACAAAA");
        EXPECT_TRUE(o.keep_alive);
      });
  add("ChunkedWithExtensionsAndTrailers",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "7;ext=1\r\n<title>\r\n9;a=\"b c\";d\r\nChunked</\r\n7\r\ntitle>x\r\n"
      "0\r\nX-Trailer: t\r\nServer: from-trailer\r\n\r\n",
      {}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n);
        EXPECT_EQ(o.body_bytes, 23);
        EXPECT_EQ(o.title, "Chunked");
        EXPECT_EQ(o.server, std::nullopt);  // trailers are not the head
        EXPECT_EQ(o.content_length, std::nullopt);
        EXPECT_TRUE(o.keep_alive);
      });
  add("HeadWithContentLengthAndNoBody", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n",
      {.head_request = true}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n);
        EXPECT_EQ(o.content_length, 1234);
        EXPECT_EQ(o.body_bytes, 0);
        EXPECT_FALSE(o.truncated);
        EXPECT_TRUE(o.keep_alive);
      });
  add("HeadChunkedHasNoBody", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
      {.head_request = true}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n);
        EXPECT_TRUE(o.keep_alive);
      });
  add("NoContent", "HTTP/1.1 204 No Content\r\n\r\n", {}, [](const Outcome& o, size_t n) {
    EXPECT_EQ(o.state, State::kComplete);
    EXPECT_EQ(o.consumed, n);
    EXPECT_EQ(o.status, 204);
    EXPECT_EQ(o.reason, "No Content");
    EXPECT_TRUE(o.keep_alive);
  });
  add("NotModifiedWithContentLength", "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", {},
      [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n);
        EXPECT_EQ(o.status, 304);
        EXPECT_EQ(o.content_length, 99);
        EXPECT_EQ(o.body_bytes, 0);
        EXPECT_TRUE(o.keep_alive);
      });
  add("ContinueThen200",
      "HTTP/1.1 100 Continue\r\nServer: interim\r\n\r\n" +
          WithLength("HTTP/1.1 200 OK\r\n", "hi"),
      {}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n);
        EXPECT_EQ(o.status, 200);
        EXPECT_EQ(o.reason, "OK");
        EXPECT_EQ(o.server, std::nullopt);  // the interim response's headers are not reported
        EXPECT_EQ(o.body_bytes, 2);
        EXPECT_TRUE(o.keep_alive);
      });
  add("EarlyHintsThen200",
      "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\nLocation: /interim\r\n\r\n"
      "HTTP/1.1 102 Processing\r\n\r\n"
      "HTTP/1.1 200 Fine\r\nServer: final\r\nContent-Length: 0\r\n\r\n",
      {}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n);
        EXPECT_EQ(o.status, 200);
        EXPECT_EQ(o.reason, "Fine");
        EXPECT_EQ(o.server, "final");
        EXPECT_EQ(o.location, std::nullopt);
      });
  add("SwitchingProtocolsIsFinal",
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello",
      {}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n - 7);
        EXPECT_EQ(o.status, 101);
        EXPECT_FALSE(o.keep_alive);
      });
  add("Http10CloseDelimited",
      "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html><title>Old</title>", {.eof = true},
      [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n);
        EXPECT_EQ(o.http_major, 1);
        EXPECT_EQ(o.http_minor, 0);
        EXPECT_EQ(o.body_bytes, 24);
        EXPECT_EQ(o.title, "Old");
        EXPECT_FALSE(o.keep_alive);
      });
  add("Http11WithoutLengthWaitsForClose", "HTTP/1.1 200 OK\r\n\r\nuntil close", {},
      [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kNeedMore);
        EXPECT_EQ(o.consumed, n);
        EXPECT_TRUE(o.head_complete);
        EXPECT_EQ(o.body_bytes, 11);
      });
  add("Http11WithoutLengthThenClose", "HTTP/1.1 200 OK\r\n\r\nuntil close", {.eof = true},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.body_bytes, 11);
        EXPECT_FALSE(o.keep_alive);
      });
  add("ConnectionClose", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", {},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_FALSE(o.keep_alive);
      });
  add("Http10KeepAlive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", {},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_TRUE(o.keep_alive);
      });
  add("Http10WithLengthButNoKeepAlive", "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", {},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_FALSE(o.keep_alive);
      });
  add("BytesAfterTheResponse", WithLength("HTTP/1.1 200 OK\r\n", "hi") + "HTTP/1.1 200 OK\r\n", {},
      [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n - 17);
        EXPECT_FALSE(o.keep_alive);  // what follows is not ours to read
      });
  add("MaxBodyTruncatesContentLength", WithLength("HTTP/1.1 200 OK\r\n", "0123456789"),
      {.max_body = 4}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n - 6);
        EXPECT_EQ(o.body_bytes, 4);
        EXPECT_EQ(o.content_length, 10);
        EXPECT_TRUE(o.truncated);
        EXPECT_FALSE(o.keep_alive);
      });
  add("MaxBodyEqualToContentLengthIsNotTruncated", WithLength("HTTP/1.1 200 OK\r\n", "0123456789"),
      {.max_body = 10}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n);
        EXPECT_FALSE(o.truncated);
        EXPECT_TRUE(o.keep_alive);
      });
  add("MaxBodyZeroStopsAfterTheHead", WithLength("HTTP/1.1 200 OK\r\n", "0123456789"),
      {.max_body = 0}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n - 10);
        EXPECT_EQ(o.body_bytes, 0);
        EXPECT_TRUE(o.truncated);
      });
  add("MaxBodyZeroEmptyBody", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", {.max_body = 0},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_FALSE(o.truncated);
        EXPECT_TRUE(o.keep_alive);
      });
  add("MaxBodyTruncatesChunked",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n",
      {.max_body = 4}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n - 9);  // stopped right after the 'd'
        EXPECT_EQ(o.body_bytes, 4);
        EXPECT_TRUE(o.truncated);
      });
  add("MaxBodyAtAChunkBoundaryIsNotTruncated",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", {.max_body = 3},
      [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n);
        EXPECT_FALSE(o.truncated);
        EXPECT_TRUE(o.keep_alive);
      });
  add("MaxBodyTruncatesCloseDelimited", "HTTP/1.0 200 OK\r\n\r\n<title>T</title>and more",
      {.max_body = 16, .eof = true}, [](const Outcome& o, size_t n) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.consumed, n - 8);
        EXPECT_EQ(o.title, "T");
        EXPECT_TRUE(o.truncated);
      });
  add("BodyShorterThanContentLengthThenClose", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
      {.eof = true}, [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kError);
        EXPECT_EQ(o.error, HPE_INVALID_EOF_STATE);
        EXPECT_TRUE(o.head_complete);
        EXPECT_EQ(o.status, 200);
        EXPECT_EQ(o.body_bytes, 3);
      });
  add("HeadCutShortThenClose", "HTTP/1.1 200 OK\r\nContent-Ty", {.eof = true},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kError);
        EXPECT_EQ(o.error, HPE_INVALID_EOF_STATE);
        EXPECT_FALSE(o.head_complete);
      });
  add("OnlyInterimThenClose", "HTTP/1.1 100 Continue\r\n\r\n", {.eof = true},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kError);
        EXPECT_EQ(o.error, HPE_INVALID_EOF_STATE);
        EXPECT_EQ(o.error_reason, "connection closed before the final response");
        EXPECT_FALSE(o.head_complete);
      });
  add("Garbage", "hello world", {.eof = true}, [](const Outcome& o, size_t) {
    EXPECT_EQ(o.state, State::kError);
    EXPECT_EQ(o.error, HPE_INVALID_CONSTANT);
    EXPECT_FALSE(o.head_complete);
    EXPECT_EQ(o.status, 0);
  });
  add("Http09Html", "<html><title>x</title></html>", {.eof = true}, [](const Outcome& o, size_t) {
    EXPECT_EQ(o.state, State::kError);
    EXPECT_EQ(o.error, HPE_INVALID_CONSTANT);
    EXPECT_FALSE(o.head_complete);
  });
  add("Http2Preface", "HTTP/2 200\r\n\r\n", {}, [](const Outcome& o, size_t) {
    EXPECT_EQ(o.state, State::kError);
    EXPECT_EQ(o.error, HPE_INVALID_VERSION);
  });
  // llhttp knows "HTTP/2.0" and "HTTP/0.9" status lines; on an HTTP/1.x connection they are not an
  // HTTP/1.x answer, also after an interim response. "HTTP/1.2" llhttp rejects itself.
  const std::pair<const char*, const char*> other_versions[] = {
      {"Http20StatusLine", "HTTP/2.0 200 OK"},
      {"Http09StatusLine", "HTTP/0.9 200 OK"},
      {"Http20AfterInterim", "HTTP/1.1 100 Continue\r\n\r\nHTTP/2.0 200 OK"}};
  for (const auto& [name, line] : other_versions) {
    add(name,
        WithLength(std::string(line) + "\r\n", "<title>x</title>"), {}, [](const Outcome& o, size_t) {
          EXPECT_EQ(o.state, State::kError);
          EXPECT_EQ(o.error, HPE_INVALID_VERSION);
          EXPECT_EQ(o.error_reason, "status line of another HTTP version than 1.x");
          EXPECT_FALSE(o.head_complete);
          EXPECT_EQ(o.status, 0);
        });
  }
  add("MinorVersionAboveOne", WithLength("HTTP/1.2 200 OK\r\n", "x"), {}, [](const Outcome& o, size_t) {
    EXPECT_EQ(o.state, State::kError);
    EXPECT_EQ(o.error, HPE_INVALID_VERSION);
    EXPECT_FALSE(o.head_complete);
  });
  add("Status999IsAccepted", "HTTP/1.1 999 Odd\r\nContent-Length: 0\r\n\r\n", {},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.status, 999);
        EXPECT_EQ(o.reason, "Odd");
      });
  // llhttp itself takes "000" (and two digits) as a status; we do not.
  add("Status000IsRejected", "HTTP/1.1 000 Zero\r\nContent-Length: 0\r\n\r\n", {},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kError);
        EXPECT_EQ(o.error, HPE_INVALID_STATUS);
        EXPECT_FALSE(o.head_complete);
      });
  add("FourDigitStatusIsRejected", "HTTP/1.1 2000 Big\r\n\r\n", {}, [](const Outcome& o, size_t) {
    EXPECT_EQ(o.state, State::kError);
    EXPECT_EQ(o.error, HPE_INVALID_STATUS);
  });
  add("NoReasonPhrase", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", {}, [](const Outcome& o, size_t) {
    EXPECT_EQ(o.state, State::kComplete);
    EXPECT_EQ(o.reason, "");
  });
  add("NulInHeaderValue", std::string("HTTP/1.1 200 OK\r\nX: a\0b\r\nContent-Length: 0\r\n\r\n", 46),
      {}, [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kError);
        EXPECT_EQ(o.error, HPE_INVALID_HEADER_TOKEN);
      });
  add("TwoDifferentContentLengths",
      "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", {},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kError);
        EXPECT_EQ(o.error, HPE_UNEXPECTED_CONTENT_LENGTH);
        EXPECT_FALSE(o.head_complete);
      });
  // llhttp 8 rejects a repeated Content-Length even with the same value.
  add("TwoEqualContentLengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab",
      {}, [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kError);
        EXPECT_EQ(o.error, HPE_UNEXPECTED_CONTENT_LENGTH);
      });
  add("ChunkedWithContentLength",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n0\r\n\r\n", {},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kError);
        EXPECT_EQ(o.error, HPE_UNEXPECTED_CONTENT_LENGTH);
      });
  add("BadContentLength", "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", {},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kError);
        EXPECT_EQ(o.error, HPE_INVALID_CONTENT_LENGTH);
      });
  add("BadChunkSize", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n", {},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kError);
        EXPECT_EQ(o.error, HPE_INVALID_CHUNK_SIZE);
        EXPECT_TRUE(o.head_complete);
        EXPECT_EQ(o.body_bytes, 3);
      });
  add("KeptFieldsAreCaseInsensitiveFirstWinsAndTrimmed",
      "HTTP/1.1 302 Found\r\nLOCATION: /first  \r\nlocation: /second\r\ncontent-TYPE:text/plain\r\n"
      "Retry-After: 120\r\nServer:\t \r\nContent-Length: 0\r\n\r\n",
      {}, [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.location, "/first");
        EXPECT_EQ(o.content_type, "text/plain");
        EXPECT_EQ(o.retry_after, "120");
        EXPECT_EQ(o.server, "");  // present but empty
      });
  add("LongFieldsAreCapped",
      "HTTP/1.1 301 " + std::string(3000, 'r') + "\r\nLocation: /" + std::string(10000, 'l') +
          "\r\nServer: " + std::string(2000, 's') + "\r\nX-" + std::string(40, 'n') +
          ": v\r\nContent-Length: 0\r\n\r\n",
      {}, [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.reason, std::string(kMaxReasonBytes, 'r'));
        EXPECT_EQ(o.location, "/" + std::string(kMaxLocationBytes - 1, 'l'));
        EXPECT_EQ(o.server, std::string(kMaxFieldBytes, 's'));
      });
  {
    // A head of exactly kMaxHeaderBytes is accepted; one byte more is not.
    std::string start = "HTTP/1.1 200 OK\r\nX-Pad: ";
    std::string end = "\r\nContent-Length: 0\r\n\r\n";
    std::string pad(kMaxHeaderBytes - start.size() - end.size(), 'p');
    add("HeadAtTheLimit", start + pad + end, {}, [](const Outcome& o, size_t n) {
      EXPECT_EQ(n, kMaxHeaderBytes);
      EXPECT_EQ(o.state, State::kComplete);
    });
    add("HeadOverTheLimit", start + pad + "p" + end, {}, [](const Outcome& o, size_t) {
      EXPECT_EQ(o.state, State::kError);
      EXPECT_EQ(o.error, kHeaderOverflowError);
      EXPECT_EQ(o.error_reason, "response head larger than 65536 bytes");
      EXPECT_FALSE(o.head_complete);
    });
    // Interim responses do not count toward the final head's size.
    add("LargeInterimThenLargeFinal",
        "HTTP/1.1 103 Early Hints\r\nLink: " + std::string(60000, 'k') + "\r\n\r\n" + start + pad + end,
        {}, [](const Outcome& o, size_t) { EXPECT_EQ(o.state, State::kComplete); });
  }
  add("HugeTrailers",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: " + std::string(70000, 't') +
          "\r\n\r\n",
      {}, [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kError);
        EXPECT_EQ(o.error, kHeaderOverflowError);
        EXPECT_TRUE(o.head_complete);
      });
  {
    std::string many;
    for (int i = 0; i <= kMaxInterimResponses; ++i) many += "HTTP/1.1 100 Continue\r\n\r\n";
    add("TooManyInterimResponses", many + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", {},
        [](const Outcome& o, size_t) {
          EXPECT_EQ(o.state, State::kError);
          EXPECT_EQ(o.error_reason, "more than 32 interim (1xx) responses");
        });
  }
  // Captured headers: any case, repeated fields joined, interim responses' fields forgotten, trailing
  // white space dropped, a captured name that is also one of the row's own fields kept in both.
  static const ExtraColumns* const kCapture = [] {
    auto* extra = new ExtraColumns;
    extra->header_names = {"x-powered-by", "set-cookie", "server", "strict-transport-security"};
    extra->body_sha256 = true;
    return extra;
  }();
  add("CapturedHeadersAndBodyHash",
      "HTTP/1.1 103 Early Hints\r\nSet-Cookie: early=1\r\n\r\n" +
          WithLength("HTTP/1.1 200 OK\r\nX-Powered-By: PHP/8.2  \r\nset-cookie: a=1\r\nServer: nginx\r\n"
                     "SET-COOKIE: b=2; Path=/\r\nX-Powered-By-Not: no\r\n",
                     "abc"),
      {.extra = kCapture}, [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kComplete);
        ASSERT_EQ(o.captured.size(), 4u);
        EXPECT_EQ(o.captured[0], "PHP/8.2");
        EXPECT_EQ(o.captured[1], "a=1, b=2; Path=/");
        EXPECT_EQ(o.captured[2], "nginx");
        EXPECT_EQ(o.server, "nginx");
        EXPECT_EQ(o.captured[3], std::nullopt);
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        EXPECT_EQ(o.body_sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
      });
  add("BodyHashAfterChunkedDecodingAndOfNothing",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n2\r\nbc\r\n0\r\n\r\n",
      {.extra = kCapture}, [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.body_sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
      });
  add("BodyHashOfEmptyBody", "HTTP/1.1 204 No Content\r\n\r\n", {.extra = kCapture},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.body_sha256, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
      });
  add("BodyHashOfTheBytesReadOnly", WithLength("HTTP/1.1 200 OK\r\n", "abcdef"),
      {.max_body = 3, .extra = kCapture}, [](const Outcome& o, size_t) {
        EXPECT_TRUE(o.truncated);
        EXPECT_EQ(o.body_sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
      });
  add("NoBodyHashForHead", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
      {.head_request = true, .extra = kCapture}, [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kComplete);
        EXPECT_EQ(o.body_sha256, std::nullopt);
      });
  add("NoCapturesWithoutAResponse", "HTTP/1.1 200 OK\r\nX-Powered-By: a\r\n", {.eof = true, .extra = kCapture},
      [](const Outcome& o, size_t) {
        EXPECT_EQ(o.state, State::kError);
        EXPECT_EQ(o.captured[0], std::nullopt);
        EXPECT_EQ(o.body_sha256, std::nullopt);
      });
  add("EmptyThenClose", "", {.eof = true}, [](const Outcome& o, size_t) {
    EXPECT_EQ(o.state, State::kNeedMore);
    EXPECT_EQ(o.bytes_received, 0u);
  });
  return cases;
}

INSTANTIATE_TEST_SUITE_P(Responses, ResponseParserTest, testing::ValuesIn(Cases()),
                         [](const testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(ResponseParserReuseTest, FeedAfterCompleteConsumesNothingAndResetStartsOver) {
  ResponseParser p;
  p.Reset(false, 65536);
  std::string first = WithLength("HTTP/1.1 301 Moved\r\nLocation: /next\r\n", "x");
  size_t used = 0;
  ASSERT_EQ(p.Feed(first.data(), first.size(), &used), State::kComplete);
  EXPECT_EQ(used, first.size());
  EXPECT_TRUE(p.keep_alive());
  ASSERT_EQ(p.Feed("late", 4, &used), State::kComplete);
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(p.bytes_received(), first.size() + 4);
  EXPECT_FALSE(p.keep_alive());  // a byte came after the response
  EXPECT_EQ(p.Finish(), State::kComplete);

  p.Reset(true, 65536);
  EXPECT_FALSE(p.head_complete());
  EXPECT_EQ(p.location(), std::nullopt);
  EXPECT_EQ(p.status(), 0);
  EXPECT_EQ(p.bytes_received(), 0u);
  std::string second = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n";
  ASSERT_EQ(p.Feed(second.data(), second.size(), &used), State::kComplete);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(p.body_bytes(), 0);
}

TEST(ResponseParserReuseTest, ErrorIsSticky) {
  ResponseParser p;
  p.Reset(false, 65536);
  size_t used = 0;
  ASSERT_EQ(p.Feed("nope", 4, &used), State::kError);
  std::string ok = "HTTP/1.1 200 OK\r\n\r\n";
  EXPECT_EQ(p.Feed(ok.data(), ok.size(), &used), State::kError);
  EXPECT_EQ(used, 0u);
  EXPECT_EQ(p.Finish(), State::kError);
  EXPECT_EQ(p.error(), HPE_INVALID_CONSTANT);
}

// HTTP/2: the same fields, title and --max-body, from a stream's events.
TEST(ResponseParserH2Test, FieldsTitleAndBody) {
  ResponseParser p;
  p.Reset(false, 65536);
  p.H2Field("content-type", "text/html");
  p.H2Field("content-length", "33");
  p.H2Field("server", "h2srv");
  p.H2Field("location", "/next");
  p.H2Field("retry-after", "5");
  p.H2Field("server", "second");  // the first occurrence wins, as over HTTP/1.x
  EXPECT_EQ(p.H2HeadEnd(200, false), ResponseParser::State::kNeedMore);
  EXPECT_EQ(p.H2Body("<title>a b</title>", 18), ResponseParser::State::kNeedMore);
  EXPECT_EQ(p.H2Body("0123456789abcde", 15), ResponseParser::State::kNeedMore);
  EXPECT_EQ(p.H2End(), ResponseParser::State::kComplete);
  EXPECT_EQ(p.status(), 200);
  EXPECT_EQ(p.http_major(), 2);
  EXPECT_EQ(p.content_type(), "text/html");
  EXPECT_EQ(p.server(), "h2srv");
  EXPECT_EQ(p.location(), "/next");
  EXPECT_EQ(p.retry_after(), "5");
  EXPECT_EQ(p.content_length(), 33);
  EXPECT_EQ(p.title(), "a b");
  EXPECT_EQ(p.body_bytes(), 33);
  EXPECT_FALSE(p.truncated());
}

TEST(ResponseParserH2Test, MaxBodyCompletesAndTruncates) {
  ResponseParser p;
  p.Reset(false, 10);
  EXPECT_EQ(p.H2HeadEnd(200, false), ResponseParser::State::kNeedMore);
  EXPECT_EQ(p.H2Body("0123456", 7), ResponseParser::State::kNeedMore);
  EXPECT_EQ(p.H2Body("789abc", 6), ResponseParser::State::kComplete);
  EXPECT_EQ(p.body_bytes(), 10);
  EXPECT_TRUE(p.truncated());
}

TEST(ResponseParserH2Test, InterimHeadIsForgottenAndHeadRequestEndsAtTheHead) {
  ResponseParser p;
  p.Reset(true, 65536);
  p.H2Field("link", "</a.css>");
  p.H2Field("server", "interim");
  EXPECT_EQ(p.H2HeadEnd(103, false), ResponseParser::State::kNeedMore);
  EXPECT_FALSE(p.head_complete());
  p.H2Field("content-length", "100");
  EXPECT_EQ(p.H2HeadEnd(200, false), ResponseParser::State::kComplete);
  EXPECT_EQ(p.server(), std::nullopt);
  EXPECT_EQ(p.content_length(), 100);
  EXPECT_EQ(p.body_bytes(), 0);
}

TEST(ResponseParserH2Test, CapturedHeadersAndBodyHash) {
  ExtraColumns extra;
  extra.header_names = {"x-a", "content-length"};
  extra.body_sha256 = true;
  ResponseParser p;
  p.SetExtraColumns(&extra);
  p.Reset(false, 65536);
  p.H2Field("x-a", "1");
  p.H2Field("content-length", "3");
  p.H2Field("x-a", "2");
  EXPECT_EQ(p.H2HeadEnd(200, false), ResponseParser::State::kNeedMore);
  EXPECT_EQ(p.H2Body("abc", 3), ResponseParser::State::kNeedMore);
  EXPECT_EQ(p.H2End(), ResponseParser::State::kComplete);
  EXPECT_EQ(p.captured(0), "1, 2");
  EXPECT_EQ(p.captured(1), "3");
  EXPECT_EQ(p.content_length(), 3);
  EXPECT_EQ(p.body_sha256(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ResponseParserH2Test, EndWithoutFinalHeadIsNotComplete) {
  ResponseParser p;
  p.Reset(false, 65536);
  EXPECT_EQ(p.H2HeadEnd(100, false), ResponseParser::State::kNeedMore);
  EXPECT_EQ(p.H2End(), ResponseParser::State::kNeedMore);
}

}  // namespace
}  // namespace urlsweep
