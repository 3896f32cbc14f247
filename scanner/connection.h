// Connection: one TCP connection (later with TLS over it) owned by a Worker's pool. It carries one request
// at a time for whichever owner is attached (a Task, or the Worker while it sits idle for keep-alive). The
// exchange itself (the response parser, the row) belongs to the owner: a connection holds only what the
// socket needs, so connections closing or idle beside the busy ones cost little (bench/e2e S3 measures it).
//
// Lifetime (libuv design.rst, STYLE rule 4): a Connection is returned to the free list only in the close
// callback of its handle. Close() is idempotent. Callbacks of requests still pending when Close() runs
// arrive with UV_ECANCELED before the close callback; they are ignored because the owner is detached.
#pragma once

#include <netinet/in.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "http/proxy_auth.h"
#include "http/tls_session.h"
#include "scanner/tls_handshake_gate.h"
#include "core/errors.h"
#include "core/ip_address.h"

namespace urlsweep {

class Connection;

// What a Connection reports to whoever uses it. Every callback may close the connection; nothing in
// Connection touches `this` after calling one (see the "nothing may follow" notes in connection.cc).
class ConnectionOwner {
 public:
  virtual void OnConnected(Connection* conn, int status) = 0;
  // The TLS handshake started by StartTls() finished: error is nullptr on success.
  virtual void OnHandshakeDone(Connection* conn, const ErrorInfo* error) = 0;
  // A write failed (status < 0); successful writes are not reported.
  virtual void OnWritten(Connection* conn, int status) = 0;
  // Response bytes (plaintext under TLS).
  virtual void OnData(Connection* conn, const char* data, size_t len) = 0;
  // The peer closed. `unclean`: under TLS, without close_notify (the caller decides whether what came
  // was complete).
  virtual void OnEof(Connection* conn, bool unclean) = 0;
  // Reading failed: a reset, or a TLS failure after the handshake, already in error words (docs/errors.md).
  virtual void OnReadError(Connection* conn, const ErrorInfo& error) = 0;
  // The TLS handshake with an https:// proxy started by StartProxyTls() finished: error is nullptr on
  // success. Only owners that start one hear it.
  virtual void OnProxyTlsDone(Connection*, const ErrorInfo*) {}

 protected:
  ~ConnectionOwner() = default;
};

class ConnectionPool;

class Connection {
 public:
  explicit Connection(ConnectionPool* pool) : pool_(pool) {}
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Initialises the TCP handle and starts connecting to `addr`. A non-zero return is a libuv error and
  // no callback will come (the connection is then closed by the caller with Close()).
  int Connect(uv_loop_t* loop, const SocketAddress& addr);
  // Starts a client TLS handshake over the connected socket (also inside a proxy tunnel) to `host` and
  // `port` (the origin, which keys the loop's session cache); the owner hears OnHandshakeDone. The
  // handshake may wait in the loop's TlsHandshakeGate first (nothing is read meanwhile); it may also
  // begin, and fail, inside this call. Reading starts when it begins.
  void StartTls(const TlsContext& context, std::string_view host, bool host_is_ip, uint16_t port);
  // Starts TLS with an https:// proxy over the connected socket, under everything else: from then on
  // what Write() sends (plain requests, CONNECT, or the origin's TLS records from StartTls) is encrypted
  // for the proxy, and what the proxy sends is decrypted before anything else reads it. The owner hears
  // OnProxyTlsDone, possibly inside this call. Not gated (TlsHandshakeGate is for origins), no session
  // cache.
  void StartProxyTls(const TlsContext& context, std::string_view host, bool host_is_ip);
  bool proxy_tls_on() const { return ptls_ != nullptr && ptls_->session.active(); }
  bool proxy_tls_handshaking() const { return proxy_tls_on() && !ptls_->session.handshake_done(); }
  // Sends `bytes`, encrypted when TLS is on; the caller's buffer is free again when it returns (what the
  // kernel did not take at once is copied). A non-zero return is a libuv error, or kTlsWriteFailed when
  // OpenSSL refused the bytes; WriteError() names either. One uv write in flight at a time: a further
  // write waits for the previous callback (under TLS, as pending ciphertext); a plain one may start
  // only once has_unsent_bytes() is false.
  int Write(std::string_view bytes);
  // Write()'s non-zero return in the error words at IoStage::kWrite: for kTlsWriteFailed the TLS
  // session's failure through the error map (SSL_get_error and the ERR code, so the detail is OpenSSL's
  // reason), for anything else the libuv error.
  ErrorInfo WriteError(int write_status) const;
  // Write()'s return when TLS refused the bytes. Negative and non-zero like every libuv error, so a
  // caller that only tests for failure stops; it is UV_EPROTO for one that still maps it as a libuv
  // error ("protocol error").
  static constexpr int kTlsWriteFailed = UV_EPROTO;
  // Starts delivering bytes to the owner (OnData/OnEof/OnReadError). Idempotent.
  int StartReading();
  // Closes the handle; the connection returns to its pool in the close callback. Idempotent.
  void Close();

  void Attach(ConnectionOwner* owner) { owner_ = owner; }
  void Detach() { owner_ = nullptr; }
  ConnectionOwner* owner() const { return owner_; }
  bool closing() const { return closing_; }
  // Request bytes not yet handed to the kernel. A response can complete before its request's write
  // callback runs (the callback is deferred to the next loop turn, and libuv's poll may run again first);
  // a connection with bytes still unsent is not reused, one whose write merely awaits its callback is
  // (Write() then waits for that callback, since a uv_write_t may be reused only after it). A plain
  // request the kernel took whole inside Write() has no callback at all.
  bool has_unsent_bytes() const {
    return writing_ && uv_stream_get_write_queue_size(reinterpret_cast<const uv_stream_t*>(&tcp_)) > 0;
  }

  // Only when tls_on(), or after StartTls().
  const TlsSession& tls() const { return tls_->session; }
  bool tls_on() const { return tls_ != nullptr && tls_->session.active(); }
  // Connections with equal keys may be reused for one another (same scheme, host, port and proxy).
  const std::string& key() const { return key_; }
  std::string* mutable_key() { return &key_; }
  const SocketAddress& peer() const { return peer_; }
  // Requests carried so far (a reused connection has carried at least one).
  uint32_t requests() const { return requests_; }
  void count_request() { ++requests_; }
  // The scheme that authenticated this connection to its proxy, for good: NTLM on a connection that
  // carries plain http requests (they then carry no Proxy-Authorization), any scheme on a CONNECT
  // tunnel (the row of a request reusing the tunnel reports it). kNone for a new connection.
  ProxyAuthScheme proxy_auth() const { return proxy_auth_; }
  bool proxy_ntlm() const { return proxy_auth_ == ProxyAuthScheme::kNtlm; }
  void set_proxy_auth(ProxyAuthScheme scheme) { proxy_auth_ = scheme; }
  uint64_t idle_since_ns = 0;
  // A SOCKS5 tunnel whose proxy asked for username/password (the proxy_auth column of the requests it
  // carries). Set by the owner; cleared by Connect().
  // Intrusive links for the idle list and the free list.
  Connection* next = nullptr;
  Connection* prev = nullptr;
  // Intrusive links for the idle pool's order of use across keys (IdlePool: least recently used first).
  Connection* idle_newer = nullptr;
  Connection* idle_older = nullptr;

 private:
  friend class ConnectionPool;
  friend class TlsHandshakeGate;  // begins the handshakes it let wait
  static void OnConnect(uv_connect_t* req, int status);
  static void OnWrite(uv_write_t* req, int status);
  static void OnAlloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void OnClose(uv_handle_t* handle);
  // Hands `bytes` to uv_write, the one write in flight; they must live until OnWrite. A libuv error, or 0.
  int StartWrite(std::string* bytes);

  // One TLS layer: a session and the ciphertext it produced. Up to two stack over the socket: the
  // https:// proxy's (ptls_) at the bottom, then the origin's (tls_). A layer's ciphertext goes to the
  // layer below it, or to the socket; its plaintext to the layer above it, or to the owner. The functions
  // below serve either layer; only the handshake's callback (OnProxyTlsDone or OnHandshakeDone) and the
  // origin's TlsHandshakeGate bookkeeping tell them apart.
  struct TlsLayer {
    TlsSession session;
    std::string cipher_inflight;  // ciphertext handed to uv_write; lives until its callback
    std::string cipher_pending;   // ciphertext produced while a write was in flight
  };
  // The layers that are on, bottom up; nullptr for none (the socket below, the owner above).
  TlsLayer* BottomLayer() { return proxy_tls_on() ? ptls_.get() : TopLayer(); }
  TlsLayer* TopLayer() { return tls_on() ? tls_.get() : proxy_tls_on() ? ptls_.get() : nullptr; }
  TlsLayer* Below(const TlsLayer* layer) { return layer != ptls_.get() && proxy_tls_on() ? ptls_.get() : nullptr; }
  TlsLayer* Above(const TlsLayer* layer) { return layer != tls_.get() && tls_on() ? tls_.get() : nullptr; }
  // Moves what `layer` wants sent into its pending ciphertext and on: through the layer below, or to the
  // socket, starting a write if none is in flight. Returns a libuv error, or 0.
  int FlushCiphertext(TlsLayer* layer);
  // Encrypts `bytes` in `layer` and flushes; kTlsWriteFailed when the session refused them.
  int WriteThrough(TlsLayer* layer, std::string_view bytes);
  // Once `layer`'s session has started: reading on, the first handshake step, and its failure reported.
  void BeginHandshake(TlsLayer* layer);
  // One handshake step after bytes came. True when the handshake is done and the owner still holds the
  // connection; false when it waits for more, or failed (reported).
  bool HandshakeStep(TlsLayer* layer);
  // The owner's callback for `layer`'s handshake: OnProxyTlsDone or OnHandshakeDone.
  void ReportHandshake(const TlsLayer* layer, const ErrorInfo* error);
  void OnTlsBytes(TlsLayer* layer, const char* data, size_t len);
  void OnTlsEof(TlsLayer* layer);
  // Decrypts and hands on plaintext until OpenSSL needs more bytes or the owner lets go.
  void DeliverPlaintext(TlsLayer* layer);
  // `layer`'s stream ended (cleanly or not): the end of whatever runs inside it.
  void StreamEnded(const TlsLayer* layer, bool unclean);
  // The handshake StartTls() asked for, once the gate lets it begin.
  void BeginTls();

  // The origin's layer, made on the first StartTls() of this slot and kept for its next connections.
  struct TlsState : TlsLayer {
    // What StartTls() was given, kept while the handshake waits in the gate.
    const TlsContext* context = nullptr;
    std::string host;
    std::string origin;  // TlsSessionCache::KeyFor(host, port)
    uint16_t port = 0;
    bool host_is_ip = false;
    // Where the handshake stands in the gate: waiting for a slot, waiting for another connection's
    // session, or holding a slot.
    enum class Gate : uint8_t { kNone, kReady, kFollowing, kInProgress };
    Gate gate = Gate::kNone;
    bool leading = false;  // the origin's first handshake, which others wait for
  };

  ConnectionPool* pool_;
  uv_tcp_t tcp_;
  // The connect request is done before the first write starts (writes begin in or after OnConnected, and
  // a closed handle's cancelled connect callback runs before its close callback), so they share memory,
  // as in h2o's socket.
  union {
    uv_connect_t connect_req_;
    uv_write_t write_req_;
  };
  ConnectionOwner* owner_ = nullptr;
  SocketAddress peer_{};
  uint32_t requests_ = 0;  // beside peer_'s 28 bytes: one slot per in-flight request, so padding counts
  // Plain request bytes the kernel did not take at once; they must live until the write callback (libuv
  // stream.rst). Empty, without capacity, on a connection whose writes always went out whole.
  std::string out_;
  // Bytes written while a plain write was in flight; they follow it from OnWrite.
  // Bytes written while a write was in flight (HTTP/2 frames follow one another); allocated on the first
  // such write, so an HTTP/1.1 connection, which never has one, pays a pointer.
  std::unique_ptr<std::string> out_next_;
  std::unique_ptr<TlsState> tls_;
  // The https:// proxy's layer, made on this slot's first StartProxyTls() and kept for its next ones.
  std::unique_ptr<TlsLayer> ptls_;
  std::string key_;
  bool open_ = false;
  bool closing_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool write_deferred_ = false;  // a plain write waits for the previous write's callback
  ProxyAuthScheme proxy_auth_ = ProxyAuthScheme::kNone;

 public:
  bool socks_user_pass = false;
};

// The per-loop pool of Connection objects and the one read buffer they share. Objects are recycled, never
// freed while the loop runs, so steady-state scanning does not allocate for connections.
class ConnectionPool {
 public:
  // One read buffer per loop (Node's 64 KiB shared buffer): reads are processed synchronously inside the
  // read callback, so no two reads ever hold it at once.
  static constexpr size_t kReadBufferBytes = 64 * 1024;

  ConnectionPool() = default;
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  Connection* Acquire();
  // Called from the close callback only.
  void Release(Connection* conn);
  // Connections currently open or closing (not in the free list).
  int live() const { return live_; }
  // Connections holding a descriptor: live ones not yet closed. uv_close() releases the descriptor at
  // once, but the object only in the close callback, at the end of the loop turn; thousands may close in
  // one turn at -c 10000, and counting them against the descriptor budget closed reusable connections.
  int open() const { return live_ - closing_; }
  char* read_buffer() { return read_buffer_; }
  // Decrypted bytes land here, as TLS records are at most 16 KiB of plaintext.
  static constexpr size_t kPlainBufferBytes = 16 * 1024;
  char* plain_buffer() { return plain_buffer_; }
  TlsHandshakeGate& tls_gate() { return tls_gate_; }

 private:
  friend class Connection;  // counts its own close in closing_
  Connection* free_ = nullptr;
  int live_ = 0;
  int closing_ = 0;
  int allocated_ = 0;
  TlsHandshakeGate tls_gate_;
  alignas(64) char read_buffer_[kReadBufferBytes];
  alignas(64) char plain_buffer_[kPlainBufferBytes];
};

}  // namespace urlsweep
