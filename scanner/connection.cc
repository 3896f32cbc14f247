#include "scanner/connection.h"

#include <utility>

#include "core/error_map.h"

namespace urlsweep {

int Connection::Connect(uv_loop_t* loop, const SocketAddress& addr) {
  int rc = uv_tcp_init(loop, &tcp_);
  if (rc != 0) return rc;
  open_ = true;
  closing_ = false;
  reading_ = false;
  writing_ = false;
  write_deferred_ = false;
  socks_user_pass = false;
  if (out_next_ != nullptr) out_next_->clear();
  requests_ = 0;
  proxy_auth_ = ProxyAuthScheme::kNone;
  tcp_.data = this;
  peer_ = addr;
  // Requests are small and written at once; Nagle would only delay them.
  uv_tcp_nodelay(&tcp_, 1);
  connect_req_.data = this;
  return uv_tcp_connect(&connect_req_, &tcp_, &peer_.sa, &Connection::OnConnect);
}

void Connection::StartTls(const TlsContext& context, std::string_view host, bool host_is_ip, uint16_t port) {
  if (tls_ == nullptr) tls_ = std::make_unique<TlsState>();
  tls_->context = &context;
  tls_->host.assign(host);
  tls_->port = port;
  tls_->host_is_ip = host_is_ip;
  TlsSessionCache::KeyFor(host, port, &tls_->origin);
  // Inside a proxy tunnel reading has begun: what arrives before the handshake begins is not plaintext.
  if (reading_) {
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&tcp_));
    reading_ = false;
  }
  pool_->tls_gate().Request(this);  // may begin, and call the owner back, inside this call
}

void Connection::BeginTls() {
  tls_->session.Start(*tls_->context, tls_->host, tls_->host_is_ip, &pool_->tls_gate().sessions(), tls_->port);
  BeginHandshake(tls_.get());
}

void Connection::StartProxyTls(const TlsContext& context, std::string_view host, bool host_is_ip) {
  if (ptls_ == nullptr) ptls_ = std::make_unique<TlsLayer>();
  ptls_->session.Start(context, host, host_is_ip);
  BeginHandshake(ptls_.get());
}

void Connection::BeginHandshake(TlsLayer* layer) {
  layer->cipher_pending.clear();
  int rc = StartReading();
  TlsSession::Status st = layer->session.Handshake();
  if (rc == 0) rc = FlushCiphertext(layer);
  if (rc != 0) {
    // Reported through the write path on the next turn would be simpler for the owner, but a failed
    // uv_read_start/uv_write here means the socket is already dead: report it as a failed handshake.
    ErrorInfo e = FromUvError(rc, IoStage::kTlsHandshake);
    ReportHandshake(layer, &e);  // nothing may follow
    return;
  }
  if (st == TlsSession::Status::kError) {
    ErrorInfo e = layer->session.error_info();
    ReportHandshake(layer, &e);  // nothing may follow
  }
}

void Connection::ReportHandshake(const TlsLayer* layer, const ErrorInfo* error) {
  if (layer == ptls_.get()) {
    owner_->OnProxyTlsDone(this, error);  // nothing may follow
  } else {
    owner_->OnHandshakeDone(this, error);  // nothing may follow
  }
}

int Connection::FlushCiphertext(TlsLayer* layer) {
  if (TlsLayer* below = Below(layer)) {
    // Inside an https:// proxy's TLS: the origin's records are the proxy layer's plaintext, encrypted
    // at once, so the pending string is only scratch here.
    layer->cipher_pending.clear();
    layer->session.DrainCiphertext(&layer->cipher_pending);
    int rc = WriteThrough(below, layer->cipher_pending);
    layer->cipher_pending.clear();
    return rc;
  }
  layer->session.DrainCiphertext(&layer->cipher_pending);
  if (writing_ || layer->cipher_pending.empty()) return 0;
  std::swap(layer->cipher_inflight, layer->cipher_pending);
  layer->cipher_pending.clear();
  return StartWrite(&layer->cipher_inflight);
}

int Connection::WriteThrough(TlsLayer* layer, std::string_view bytes) {
  if (!bytes.empty() && layer->session.Write(bytes) != TlsSession::Status::kDone) return kTlsWriteFailed;
  return FlushCiphertext(layer);
}

int Connection::Write(std::string_view bytes) {
  if (TlsLayer* top = TopLayer()) return WriteThrough(top, bytes);
  if (writing_) {
    // A write is in flight (its buffer must live until its callback): these bytes wait in out_next_
    // and go from OnWrite, after whatever waits there already (HTTP/2 frames may follow one another).
    if (out_next_ == nullptr) out_next_ = std::make_unique<std::string>();
    out_next_->append(bytes.data(), bytes.size());
    write_deferred_ = true;
    return 0;
  }
  // A request nearly always fits the socket's send buffer: written here, it needs no copy of its own and
  // no write callback. Only what the kernel did not take is kept, in out_.
  uv_buf_t buf = uv_buf_init(const_cast<char*>(bytes.data()), static_cast<unsigned>(bytes.size()));
  const int sent = uv_try_write(reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1);
  if (sent == static_cast<int>(bytes.size())) return 0;
  if (sent < 0 && sent != UV_EAGAIN) return sent;
  const size_t done = sent > 0 ? static_cast<size_t>(sent) : 0;
  out_.assign(bytes.data() + done, bytes.size() - done);
  return StartWrite(&out_);
}

ErrorInfo Connection::WriteError(int write_status) const {
  // The layer that refused the bytes: the origin's, or the proxy's under it.
  const TlsSession* tls = tls_on() && tls_->session.failed()          ? &tls_->session
                          : proxy_tls_on() && ptls_->session.failed() ? &ptls_->session
                                                                       : nullptr;
  if (write_status == kTlsWriteFailed && tls != nullptr) {
    // At the write stage whatever stage the session failed in: the request could not be sent.
    ErrorInfo e = FromSslError(tls->ssl_error(), tls->err_code(), IoStage::kWrite);
    e.detail = tls->error_detail();
    return e;
  }
  return FromUvError(write_status, IoStage::kWrite);
}

int Connection::StartWrite(std::string* bytes) {
  writing_ = true;
  uv_buf_t buf = uv_buf_init(bytes->data(), static_cast<unsigned>(bytes->size()));
  write_req_.data = this;
  int rc = uv_write(&write_req_, reinterpret_cast<uv_stream_t*>(&tcp_), &buf, 1, &Connection::OnWrite);
  if (rc != 0) writing_ = false;
  return rc;
}

int Connection::StartReading() {
  if (reading_) return 0;
  int rc = uv_read_start(reinterpret_cast<uv_stream_t*>(&tcp_), &Connection::OnAlloc, &Connection::OnRead);
  if (rc == 0) reading_ = true;
  return rc;
}

void Connection::Close() {
  if (closing_) return;
  if (tls_ != nullptr) pool_->tls_gate().Forget(this);
  closing_ = true;
  owner_ = nullptr;
  if (!open_) {
    // Never initialised: no handle to close, so the object goes straight back.
    pool_->Release(this);
    return;
  }
  ++pool_->closing_;
  uv_close(reinterpret_cast<uv_handle_t*>(&tcp_), &Connection::OnClose);
}

void Connection::OnConnect(uv_connect_t* req, int status) {
  auto* conn = static_cast<Connection*>(req->data);
  // After Close() the callback still runs, with UV_ECANCELED (libuv #1783, h2o #960): nobody listens.
  if (conn->owner_ == nullptr || conn->closing_) return;
  conn->owner_->OnConnected(conn, status);  // nothing may follow: the owner may have closed conn
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* conn = static_cast<Connection*>(req->data);
  conn->writing_ = false;
  if (conn->closing_) return;
  if (status == 0 && conn->write_deferred_) {
    conn->write_deferred_ = false;
    conn->out_.swap(*conn->out_next_);
    conn->out_next_->clear();
    status = conn->StartWrite(&conn->out_);
    if (status == 0) return;
  }
  // Ciphertext a layer produced while the write was in flight (inside the proxy's layer the origin's
  // never waits: it is encrypted again at once).
  for (TlsLayer* layer = conn->BottomLayer(); status == 0 && layer != nullptr; layer = conn->Above(layer)) {
    if (layer->cipher_pending.empty()) continue;
    status = conn->FlushCiphertext(layer);
    if (status == 0) return;
  }
  if (status == 0 || conn->owner_ == nullptr) return;
  conn->owner_->OnWritten(conn, status);  // nothing may follow
}

void Connection::OnAlloc(uv_handle_t* handle, size_t, uv_buf_t* buf) {
  auto* conn = static_cast<Connection*>(handle->data);
  *buf = uv_buf_init(conn->pool_->read_buffer(), ConnectionPool::kReadBufferBytes);
}

void Connection::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  auto* conn = static_cast<Connection*>(stream->data);
  if (nread == 0) return;  // EAGAIN: nothing to do (libuv stream.rst)
  if (conn->owner_ == nullptr || conn->closing_) {
    // Bytes or EOF for a connection nobody owns (closing): drop them.
    return;
  }
  TlsLayer* bottom = conn->BottomLayer();
  if (nread > 0) {
    if (bottom != nullptr) {
      conn->OnTlsBytes(bottom, conn->pool_->read_buffer(), static_cast<size_t>(nread));
    } else {
      conn->owner_->OnData(conn, conn->pool_->read_buffer(), static_cast<size_t>(nread));
    }
  } else if (nread == UV_EOF) {
    if (bottom != nullptr) {
      conn->OnTlsEof(bottom);
    } else {
      conn->owner_->OnEof(conn, /*unclean=*/false);
    }
  } else {
    // A failed read fails the lowest handshake still under way, else the reading.
    for (TlsLayer* layer = bottom; layer != nullptr; layer = conn->Above(layer)) {
      if (layer->session.handshake_done()) continue;
      ErrorInfo e = FromUvError(static_cast<int>(nread), IoStage::kTlsHandshake);
      conn->ReportHandshake(layer, &e);  // nothing may follow
      return;
    }
    conn->owner_->OnReadError(conn, FromUvError(static_cast<int>(nread), IoStage::kRead));
  }
  // nothing may follow: the owner may have closed conn
}

void Connection::OnTlsBytes(TlsLayer* layer, const char* data, size_t len) {
  layer->session.FeedCiphertext(data, len);
  // Only a read after the one that finished the origin's handshake can carry a TLS 1.3 ticket.
  const bool leading = layer == tls_.get() && tls_->leading && layer->session.handshake_done();
  if (!layer->session.handshake_done() && !HandshakeStep(layer)) return;
  DeliverPlaintext(layer);
  // The first read after the handshake carried the TLS 1.3 tickets, if the server sends any (it sends
  // them before its response): the connections waiting for this origin's session go now. The object
  // outlives a Close() inside DeliverPlaintext (it returns to the pool in the close callback), and
  // Forget() has then already let them go.
  if (leading && tls_->leading) {
    pool_->tls_gate().ReleaseFollowers(this);
    pool_->tls_gate().Pump();
  }
}

bool Connection::HandshakeStep(TlsLayer* layer) {
  TlsSession& tls = layer->session;
  TlsSession::Status st = tls.Handshake();
  int rc = FlushCiphertext(layer);
  const bool failed = st == TlsSession::Status::kError || rc != 0;
  if (!failed && st != TlsSession::Status::kDone) return false;
  // The origin's handshake gives back its place in the gate, whichever way it ended.
  if (layer == tls_.get()) pool_->tls_gate().HandshakeEnded(this);
  if (failed) {
    ErrorInfo e = st == TlsSession::Status::kError ? tls.error_info() : FromUvError(rc, IoStage::kTlsHandshake);
    ReportHandshake(layer, &e);  // nothing may follow
    return false;
  }
  ConnectionOwner* owner = owner_;
  ReportHandshake(layer, nullptr);
  // The owner may have let go (or closed us) inside the callback.
  return owner_ == owner && !closing_;
}

void Connection::OnTlsEof(TlsLayer* layer) {
  TlsSession& tls = layer->session;
  tls.FeedEof();
  if (!tls.handshake_done()) {
    TlsSession::Status st = tls.Handshake();
    ErrorInfo e = st == TlsSession::Status::kError ? tls.error_info()
                                                   : ErrorInfo{ErrorCode::kConnectReset, "connection closed during the TLS handshake"};
    ReportHandshake(layer, &e);  // nothing may follow
    return;
  }
  DeliverPlaintext(layer);  // nothing may follow
}

void Connection::DeliverPlaintext(TlsLayer* layer) {
  ConnectionOwner* owner = owner_;
  TlsSession& tls = layer->session;
  // The proxy's layer decrypts into the read buffer: the socket's bytes were copied into its session's
  // BIO, so the buffer is free again. The origin's decrypts into plain_buffer(), since what it was fed
  // may be the proxy's plaintext, still in the read buffer.
  char* buf = layer == ptls_.get() ? pool_->read_buffer() : pool_->plain_buffer();
  for (;;) {
    size_t n = 0;
    TlsSession::Status st = tls.Read(buf, ConnectionPool::kPlainBufferBytes, &n);
    // Reading can require writing (a KeyUpdate answer; openssl #11211).
    if (int rc = FlushCiphertext(layer); rc != 0) {
      owner->OnReadError(this, FromUvError(rc, IoStage::kWrite));  // nothing may follow
      return;
    }
    switch (st) {
      case TlsSession::Status::kDone:
        if (n == 0) return;
        if (TlsLayer* above = Above(layer)) {
          OnTlsBytes(above, buf, n);
        } else {
          owner->OnData(this, buf, n);
        }
        if (owner_ != owner || closing_) return;  // the owner let go: stop delivering
        continue;
      case TlsSession::Status::kWantIo:
        return;
      case TlsSession::Status::kClosed:
        StreamEnded(layer, /*unclean=*/false);  // nothing may follow
        return;
      case TlsSession::Status::kError:
        if (tls.unexpected_eof()) {
          StreamEnded(layer, /*unclean=*/true);  // nothing may follow
        } else {
          owner->OnReadError(this, tls.error_info());  // nothing may follow
        }
        return;
    }
  }
}

void Connection::StreamEnded(const TlsLayer* layer, bool unclean) {
  // Inside the proxy's layer the origin's TLS judges the end (close_notify or not) for itself.
  if (TlsLayer* above = Above(layer)) {
    OnTlsEof(above);
  } else {
    owner_->OnEof(this, unclean);
  }
}

void Connection::OnClose(uv_handle_t* handle) {
  auto* conn = static_cast<Connection*>(handle->data);
  conn->open_ = false;
  --conn->pool_->closing_;
  // Frees the SSL now rather than at reuse: an idle pooled Connection should hold no TLS memory.
  if (conn->tls_ != nullptr) conn->tls_->session.Reset();
  if (conn->ptls_ != nullptr) conn->ptls_->session.Reset();
  conn->pool_->Release(conn);
  // A handshake slot this connection held, or its followers, may be waiting to be used.
  conn->pool_->tls_gate().Pump();
}

ConnectionPool::~ConnectionPool() {
  while (free_ != nullptr) {
    Connection* next = free_->next;
    delete free_;
    free_ = next;
  }
}

Connection* ConnectionPool::Acquire() {
  Connection* conn = free_;
  if (conn != nullptr) {
    free_ = conn->next;
  } else {
    conn = new Connection(this);
    ++allocated_;
  }
  conn->next = conn->prev = nullptr;
  conn->Detach();
  conn->open_ = false;
  conn->closing_ = false;
  conn->write_deferred_ = false;
  conn->proxy_auth_ = ProxyAuthScheme::kNone;
  ++live_;
  return conn;
}

void ConnectionPool::Release(Connection* conn) {
  --live_;
  conn->Detach();
  conn->prev = nullptr;
  conn->next = free_;
  free_ = conn;
}

}  // namespace urlsweep
