// Fuzzes ParseAddressAnswer. Input: one byte choosing the asked type (even: A, odd: AAAA), then the reply
// as it would come off the wire. Whatever the bytes, the parser stays inside them, and it reports
// addresses only with kAddresses, each of them inside the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dns/dns_message.h"

namespace {

struct Check final : urlsweep::dns_message::AddressSink {
  void OnAddress(const uint8_t* bytes, uint32_t /*ttl_s*/) override {
    if (bytes < begin || bytes + length > end) __builtin_trap();
    ++count;
  }
  const uint8_t* begin = nullptr;
  const uint8_t* end = nullptr;
  size_t length = 0;
  int count = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  namespace dm = urlsweep::dns_message;
  const uint16_t qtype = (data[0] & 1) != 0 ? dm::kTypeAaaa : dm::kTypeA;
  Check check;
  check.begin = data + 1;
  check.end = data + size;
  check.length = qtype == dm::kTypeA ? 4 : 16;
  const dm::Outcome outcome = dm::ParseAddressAnswer(data + 1, size - 1, qtype, &check);
  if ((outcome == dm::Outcome::kAddresses) != (check.count > 0)) __builtin_trap();
  // The query writer round-trips any name it accepts into a message the parser reads as a query.
  uint8_t query[dm::kMaxQueryBytes];
  const size_t n = dm::EncodeQuery(
      std::string_view(reinterpret_cast<const char*>(data + 1), size - 1 > 300 ? 300 : size - 1), 7, qtype, query);
  if (n > dm::kMaxQueryBytes) __builtin_trap();
  if (n > 0 && dm::ParseAddressAnswer(query, n, qtype, &check) != dm::Outcome::kNotResponse) __builtin_trap();
  return 0;
}
