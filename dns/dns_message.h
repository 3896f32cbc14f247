// DNS messages in wire format (RFC 1035 section 4): the query AresUv hands to c-ares' ares_send, and the
// reading of the answer c-ares hands back. Pure: no I/O, no c-ares, no allocation.
//
// Why our own: c-ares 1.18's ares_getaddrinfo, asked once per family, cost about 14,000 instructions per
// name in a distinct-name scan (callgrind), most of it building and freeing ares_addrinfo lists, its
// lookup bookkeeping and the query composition; the addresses are all this scanner wants from an answer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace urlsweep {
namespace dns_message {

// RR types and class (RFC 1035 section 3.2.2, RFC 3596 section 2.1).
inline constexpr uint16_t kTypeA = 1;
inline constexpr uint16_t kTypeCname = 5;
inline constexpr uint16_t kTypeAaaa = 28;
inline constexpr uint16_t kClassIn = 1;
inline constexpr size_t kHeaderBytes = 12;
// A name takes at most 255 bytes on the wire (RFC 1035 section 2.3.4); a label at most 63.
inline constexpr size_t kMaxNameBytes = 255;
inline constexpr size_t kMaxLabelBytes = 63;
// Header, one question (name, type, class).
inline constexpr size_t kMaxQueryBytes = kHeaderBytes + kMaxNameBytes + 4;
// CNAME records followed from the question's name to the owner of the addresses. Resolvers stop well
// before this (BIND: 16 hops); a longer chain in one answer is a loop or an attack.
inline constexpr int kMaxCnameHops = 16;

// Writes a standard recursive query (RD set) for `name` (dotted, no trailing dot needed, case kept) of
// type `qtype` with message ID `id` into `out`. Returns its length, or 0 when `name` cannot be put on the
// wire: empty, an empty label ("a..b"), a label over 63 bytes, or over 255 bytes in all.
size_t EncodeQuery(std::string_view name, uint16_t id, uint16_t qtype, uint8_t out[kMaxQueryBytes]);

// How a reply ended, before any address is looked at: the RCODE (RFC 1035 section 4.1.1), a message
// that is not a reply, or one whose records cannot be read.
enum class Outcome {
  kAddresses,    // NOERROR with at least one address of the asked type for the name
  kNoData,       // NOERROR without one (no records, or only other types / other owners)
  kNxdomain,     // RCODE 3
  kServfail,     // RCODE 2
  kNotimp,       // RCODE 4
  kRefused,      // RCODE 5
  kFormerr,      // RCODE 1
  kOtherRcode,   // any other RCODE
  kNotResponse,  // QR clear: a query, not a reply (a socket connected to itself reads its own query)
  kMalformed,    // cut short, a name that cannot be read, an address of the wrong length
};

// Called for each address record the answer holds for the question's name: `bytes` is 4 (A) or 16
// (AAAA) bytes long in network order; `ttl_s` is the record's TTL, lowered to the smallest TTL of the
// CNAME records that lead to it.
class AddressSink {
 public:
  virtual void OnAddress(const uint8_t* bytes, uint32_t ttl_s) = 0;

 protected:
  ~AddressSink() = default;
};

// Reads the reply `message` to a query of type `qtype` (kTypeA or kTypeAaaa). The addresses are the
// records of that type, class IN, owned by the question's name or by the end of the CNAME chain that
// starts there (names compared case-insensitively, RFC 4343), in the order of the message. Every record
// of the answer section is checked for bounds, also those not used; the authority and additional
// sections are not read. `sink` hears of the addresses only when the outcome is kAddresses.
Outcome ParseAddressAnswer(const uint8_t* message, size_t length, uint16_t qtype, AddressSink* sink);

}  // namespace dns_message
}  // namespace urlsweep
