// BodyHash: SHA-256 of a response body as it streams in (the body_sha256 column), with OpenSSL's
// implementation. One per parser, reused response after response: Start() begins a new hash.
#pragma once

#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace urlsweep {

class BodyHash {
 public:
  BodyHash();
  ~BodyHash();
  BodyHash(const BodyHash&) = delete;
  BodyHash& operator=(const BodyHash&) = delete;

  // Begins a new hash (of zero bytes until Update).
  void Start();
  void Update(std::string_view bytes);
  // Lower-case hex of the hash of everything since Start(); the hash stays final until the next Start().
  std::string_view Hex();

 private:
  evp_md_ctx_st* ctx_ = nullptr;  // allocated on first Start()
  bool final_ = false;
  std::string hex_;
};

}  // namespace urlsweep
