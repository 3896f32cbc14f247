// Fuzzes the HTTP/2 frame path: the input is what a server sends to our client session after our
// preface, SETTINGS and two requests (HEADERS, DATA, SETTINGS, GOAWAY, RST_STREAM, PING, WINDOW_UPDATE,
// CONTINUATION, anything). It is fed in pieces whose sizes the first byte picks, with our output taken
// after each piece, as the engine does. The streams react as the scanner's tasks do: one cancels itself
// once it has read some body (--max-body), one opens a further stream when its head ends (a redirect
// hop or the next URL of the host). Must never crash, leak or trip a sanitizer.
#include <cstddef>
#include <cstdint>
#include <string>

#include "http/h2_session.h"

namespace urlsweep {
namespace {

RequestSpec Spec() {
  RequestSpec spec;
  spec.target = "/";
  spec.host = "fuzz.test";
  spec.user_agent = "urlsweep-fuzz";
  return spec;
}

class FuzzStream : public H2Stream {
 public:
  FuzzStream(H2Session* session, bool cancel_on_body, FuzzStream* next)
      : session_(session), cancel_on_body_(cancel_on_body), next_(next) {}
  void OnH2Field(std::string_view name, std::string_view value) override { bytes_ += name.size() + value.size(); }
  void OnH2HeadEnd(int, bool) override {
    if (next_ != nullptr && !next_->open_) {
      next_->open_ = session_->Submit(Spec(), "https", next_) != 0;
    }
  }
  void OnH2Data(const char*, size_t len) override {
    bytes_ += len;
    if (cancel_on_body_ && bytes_ > 64) session_->Cancel(this);
  }
  void OnH2Close(H2StreamEnd, uint32_t) override { open_ = false; }

  bool open_ = false;

 private:
  H2Session* session_;
  bool cancel_on_body_;
  FuzzStream* next_;
  size_t bytes_ = 0;
};

}  // namespace
}  // namespace urlsweep

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace urlsweep;
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;
  ++data;
  --size;
  H2Session session;
  if (!session.Start()) return 0;
  FuzzStream third(&session, false, nullptr);
  FuzzStream first(&session, true, nullptr);
  FuzzStream second(&session, false, &third);
  first.open_ = session.Submit(Spec(), "https", &first) != 0;
  second.open_ = session.Submit(Spec(), "https", &second) != 0;
  std::string out;
  uint32_t code = 0;
  bool ok = session.TakeOutput(&out, &code);
  for (size_t pos = 0; ok && pos < size; pos += piece) {
    const size_t n = size - pos < piece ? size - pos : piece;
    bool failed = false;
    session.Receive(reinterpret_cast<const char*>(data) + pos, n, &failed);
    out.clear();
    ok = !failed && session.TakeOutput(&out, &code);
  }
  // The connection ends, as the engine ends it: every stream still open hears of it.
  session.FailAll(H2StreamEnd::kConnectionLost, 0);
  return 0;
}
