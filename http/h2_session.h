// H2Session: the client side of one HTTP/2 connection (RFC 9113), nghttp2's session API driven over
// memory: bytes read from our own socket or TLS session go in through Receive, the bytes to send come out
// of TakeOutput, and each stream's events go to the H2Stream it was opened for. No I/O, no event loop of
// nghttp2's, no second TLS stack: the scanner's Connection carries the bytes either way.
//
// Re-entrancy: Receive and TakeOutput call the streams back (headers, data, close). A stream's callback
// may Submit a new stream or Cancel any stream, but must not call Receive or TakeOutput (the owner
// guards that, STYLE rule 5) and must not destroy the session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/request.h"

struct nghttp2_session;

namespace urlsweep {

// A response header list beyond this (the sum of name and value lengths plus 32 bytes per field, as
// SETTINGS_MAX_HEADER_LIST_SIZE counts, RFC 9113 section 6.5.2) ends the stream as bad_response: the
// same bound as an HTTP/1.x head (kMaxHeaderBytes), so neither protocol makes us hold more.
inline constexpr uint32_t kMaxH2HeaderListBytes = 64 * 1024;
// Streams the server may push are refused outright (SETTINGS_ENABLE_PUSH 0); the window we give each
// stream is nghttp2's default (65,535 bytes), and DATA is consumed as it arrives, so a connection never
// buffers response bodies.

class H2Session;

// How a stream ended, for its H2Stream.
enum class H2StreamEnd : uint8_t {
  kComplete,       // END_STREAM received: the response is whole
  kReset,          // the server reset the stream (RST_STREAM with `code`): read_reset
  kRefused,        // not processed by the server (REFUSED_STREAM, or above a GOAWAY's last stream id):
                   // safe to send again on another connection
  kProtocolError,  // a violation on this stream or the connection (the code received in a GOAWAY, or
                   // the code we sent): bad_response
  kHeaderListTooLarge,  // the header list passed kMaxH2HeaderListBytes (we reset with `code`)
  kConnectionLost,      // the connection ended before the stream did (FailAll by its owner)
};

// One request on an H2Session, embedded in whoever owns the request (the scanner's Task): the session
// links open streams through it, so a stream costs no allocation of ours.
class H2Stream {
 public:
  // One field of a response header block, pseudo-headers (":status") included; names in lower case.
  virtual void OnH2Field(std::string_view name, std::string_view value) = 0;
  // A header block ended: `status` is its :status (0 when it had none), `end_stream` whether no DATA
  // follows.
  virtual void OnH2HeadEnd(int status, bool end_stream) = 0;
  virtual void OnH2Data(const char* data, size_t len) = 0;
  // The stream ended; the session has forgotten it before this call (the owner may reuse it at once).
  virtual void OnH2Close(H2StreamEnd end, uint32_t code) = 0;

  int32_t h2_stream_id() const { return stream_id_; }

 protected:
  ~H2Stream() = default;

 private:
  friend class H2Session;
  friend struct H2SessionCallbacks;
  H2Session* session_ = nullptr;
  int32_t stream_id_ = 0;
  uint32_t header_list_bytes_ = 0;
  uint32_t reset_code_ = 0;     // RST_STREAM code received or sent
  bool reset_received_ = false;
  bool reset_sent_ = false;
  bool end_stream_ = false;     // END_STREAM received
  bool final_head_ = false;     // the final (non-1xx) header block arrived; later blocks are trailers
  H2Stream* prev_ = nullptr;
  H2Stream* next_ = nullptr;
};

class H2Session {
 public:
  H2Session() = default;
  ~H2Session();
  H2Session(const H2Session&) = delete;
  H2Session& operator=(const H2Session&) = delete;

  // Starts a client session: queues the connection preface and our SETTINGS (no push, the header list
  // limit). False only when nghttp2 cannot allocate. Any previous session is ended first (its streams
  // are forgotten without callbacks).
  bool Start();
  // Forgets the session (without callbacks to its streams).
  void End();
  bool active() const { return session_ != nullptr; }

  // Opens a stream for a GET or HEAD of `spec` (its target in origin form, its host as :authority) on
  // `scheme` ("https" or "http") and attaches `stream`. Headers HTTP/2 forbids (RFC 9113 section
  // 8.2.2: Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade) and Host (the
  // :authority carries it) are left out of the -H headers. Returns the stream id, or 0 when the
  // session cannot take another stream (GOAWAY received or sent). nghttp2 holds a stream back while the
  // server's SETTINGS_MAX_CONCURRENT_STREAMS are in use and sends it when one closes.
  int32_t Submit(const RequestSpec& spec, std::string_view scheme, H2Stream* stream);
  // The owner lets go of `stream` (done, budget ran out): when it is still open the server is told
  // RST_STREAM CANCEL; no callback reaches it afterwards.
  void Cancel(H2Stream* stream);

  // Bytes read from the connection. Returns 0, or the HTTP/2 error code of a connection error (the code
  // of the GOAWAY queued for the server, ready in TakeOutput); after an error the session takes nothing
  // more, and the owner ends its open streams (FailAll).
  uint32_t Receive(const char* data, size_t len, bool* failed);
  // Appends what the session wants sent to *out. Returns false on a connection error (see Receive).
  bool TakeOutput(std::string* out, uint32_t* error_code);

  // Ends every open stream with `end` and `code` (the connection is gone), in the order they opened.
  void FailAll(H2StreamEnd end, uint32_t code);

  // Open streams (submitted, not yet closed).
  int open_streams() const { return open_streams_; }
  // New streams may be opened: no GOAWAY received or sent.
  bool accepting() const;
  // The session wants to read or write more (false once it ended after a GOAWAY with nothing left).
  bool alive() const;
  // GOAWAY received, and its code.
  bool goaway_received() const { return goaway_received_; }
  uint32_t goaway_code() const { return goaway_code_; }
  // The server's SETTINGS_MAX_CONCURRENT_STREAMS (100 until its SETTINGS say otherwise).
  uint32_t max_concurrent_streams() const;

 private:
  friend struct H2SessionCallbacks;  // nghttp2's callbacks, in h2_session.cc
  void Link(H2Stream* stream);
  void Unlink(H2Stream* stream);

  nghttp2_session* session_ = nullptr;
  H2Stream* head_ = nullptr;
  H2Stream* tail_ = nullptr;
  int open_streams_ = 0;
  bool goaway_received_ = false;
  uint32_t goaway_code_ = 0;
  int32_t goaway_last_stream_id_ = 0;
  bool goaway_sent_ = false;
  uint32_t goaway_sent_code_ = 0;
  // The :status of the header block being received, per stream (only one block is open at a time on a
  // connection: RFC 9113 section 4.3 forbids interleaving).
  int block_status_ = 0;
};

}  // namespace urlsweep
