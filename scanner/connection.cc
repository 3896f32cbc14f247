#include "scanner/connection.h"

#include <cstring>

namespace urlsweep {

int Connection::Connect(uv_loop_t* loop, const sockaddr* addr) {
  int rc = uv_tcp_init(loop, &tcp_);
  if (rc != 0) return rc;
  open_ = true;
  closing_ = false;
  reading_ = false;
  writing_ = false;
  requests_ = 0;
  tcp_.data = this;
  const size_t len = addr->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  std::memcpy(&peer_, addr, len);
  // Requests are small and written at once; Nagle would only delay them.
  uv_tcp_nodelay(&tcp_, 1);
  connect_req_.data = this;
  return uv_tcp_connect(&connect_req_, &tcp_, addr, &Connection::OnConnect);
}

int Connection::Write() {
  if (writing_) return UV_EBUSY;
  writing_ = true;
  uv_buf_t buf = uv_buf_init(out_.data(), static_cast<unsigned>(out_.size()));
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
  closing_ = true;
  owner_ = nullptr;
  if (!open_) {
    // Never initialised: no handle to close, so the object goes straight back.
    pool_->Release(this);
    return;
  }
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
  if (conn->owner_ == nullptr || conn->closing_) return;
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
  if (nread > 0) {
    conn->owner_->OnData(conn, conn->pool_->read_buffer(), static_cast<size_t>(nread));
  } else if (nread == UV_EOF) {
    conn->owner_->OnEof(conn);
  } else {
    conn->owner_->OnReadError(conn, static_cast<int>(nread));
  }
  // nothing may follow: the owner may have closed conn
}

void Connection::OnClose(uv_handle_t* handle) {
  auto* conn = static_cast<Connection*>(handle->data);
  conn->open_ = false;
  conn->pool_->Release(conn);
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
