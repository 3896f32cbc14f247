// Heap memory of HTTP/2 client sessions (http/h2_session.h), measured with glibc's mallinfo2: what one
// connection's session costs once its SETTINGS are exchanged, and what each open stream adds (the
// request queued and sent, the response not yet come). The engine adds its own H2Connection object per
// connection (printed as sizeof) and nothing per stream: a stream is the Task's H2Stream base.
//
// Usage: h2_memory [SESSIONS] [STREAMS_PER_SESSION]   (default 1000 8)
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "http/h2_session.h"

namespace {

class IdleStream : public urlsweep::H2Stream {
 public:
  void OnH2Field(std::string_view, std::string_view) override {}
  void OnH2HeadEnd(int, bool) override {}
  void OnH2Data(const char*, size_t) override {}
  void OnH2Close(urlsweep::H2StreamEnd, uint32_t) override {}
};

size_t HeapInUse() { return mallinfo2().uordblks; }

}  // namespace

int main(int argc, char** argv) {
  const int sessions = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int streams = argc > 2 ? std::atoi(argv[2]) : 8;
  urlsweep::RequestSpec spec;
  spec.target = "/some/path?q=1";
  spec.host = "www.example.com";
  spec.user_agent = "urlsweep/1.0";
  // An empty SETTINGS frame and the ACK of ours: what a server sends first (RFC 9113 section 3.4).
  const std::string server_first("\0\0\0\x04\0\0\0\0\0\0\0\0\x04\x01\0\0\0\0", 18);
  // The streams outlive the sessions they are linked into (destroyed after them).
  std::vector<IdleStream> stream_objects(static_cast<size_t>(sessions) * streams);
  std::vector<std::unique_ptr<urlsweep::H2Session>> all;
  std::string out;
  uint32_t code = 0;
  bool failed = false;
  all.reserve(sessions);
  const size_t before = HeapInUse();
  for (int i = 0; i < sessions; ++i) {
    all.push_back(std::make_unique<urlsweep::H2Session>());
    all.back()->Start();
    all.back()->TakeOutput(&out, &code);
    all.back()->Receive(server_first.data(), server_first.size(), &failed);
    out.clear();
    all.back()->TakeOutput(&out, &code);
    out.clear();
  }
  const size_t with_sessions = HeapInUse();
  for (int i = 0; i < sessions; ++i) {
    for (int j = 0; j < streams; ++j) all[i]->Submit(spec, "https", &stream_objects[i * streams + j]);
    all[i]->TakeOutput(&out, &code);
    out.clear();
  }
  const size_t with_streams = HeapInUse();
  std::printf("per session: %.0f bytes (heap, nghttp2 and H2Session)\n",
              static_cast<double>(with_sessions - before) / sessions);
  std::printf("per open stream: %.0f bytes (heap, nghttp2)\n",
              static_cast<double>(with_streams - with_sessions) / (static_cast<double>(sessions) * streams));
  std::printf("sizeof(H2Session) %zu, sizeof(H2Stream) %zu\n", sizeof(urlsweep::H2Session),
              sizeof(urlsweep::H2Stream));
  return 0;
}
