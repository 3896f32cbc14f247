#include "dns/dns_message.h"

#include <algorithm>
#include <cstring>

namespace urlsweep {
namespace dns_message {
namespace {

// Header flags (RFC 1035 section 4.1.1): QR in the first flag byte's top bit, RD its lowest; RCODE in
// the low 4 bits of the second.
constexpr uint8_t kFlagQr = 0x80;
constexpr uint8_t kFlagRd = 0x01;
constexpr uint8_t kRcodeMask = 0x0F;
// A name's first byte: a label length (00), a compression pointer (11, RFC 1035 section 4.1.4); 01 and
// 10 are the extended label types of RFC 6891, which no answer to an A or AAAA query uses.
constexpr uint8_t kPointerBits = 0xC0;
// Pointers followed within one name. Each must point before the label that holds it, so a name can
// never loop, and a 255-byte name has at most 127 labels; this only bounds the work of a hostile one.
constexpr int kMaxPointers = 128;
// Type, class, TTL and RDLENGTH after a record's owner name (RFC 1035 section 4.1.3).
constexpr size_t kRecordFixedBytes = 10;

uint16_t Read16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t Read32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

// A name in the canonical form names are compared in: the labels as on the wire, lower case, without
// compression, ending with the root's zero byte.
struct Name {
  uint8_t bytes[kMaxNameBytes];
  size_t length = 0;
  bool operator==(const Name& other) const {
    return length == other.length && std::memcmp(bytes, other.bytes, length) == 0;
  }
};

// Reads the name at *pos into `out` (nullptr: only skips it), following compression pointers, and moves
// *pos past the name where it starts. False when the name runs past the message, uses a reserved label
// type, points forwards (or at itself), or is longer than 255 bytes.
bool ReadName(const uint8_t* message, size_t length, size_t* pos, Name* out) {
  size_t at = *pos;
  size_t end = 0;  // where the name ends in place: set at the first pointer, or at the root label
  bool jumped = false;
  size_t total = 0;
  for (int pointers = 0;;) {
    if (at >= length) return false;
    const uint8_t byte = message[at];
    if ((byte & kPointerBits) == kPointerBits) {
      if (at + 1 >= length || ++pointers > kMaxPointers) return false;
      const size_t target = static_cast<size_t>(Read16(message + at) & 0x3FFF);
      if (target >= at) return false;
      if (!jumped) end = at + 2;
      jumped = true;
      at = target;
      continue;
    }
    if ((byte & kPointerBits) != 0) return false;
    const size_t label = byte;
    if (at + 1 + label > length) return false;
    total += 1 + label;
    if (total > kMaxNameBytes) return false;
    if (out != nullptr) {
      out->bytes[out->length++] = byte;
      for (size_t i = 0; i < label; ++i) {
        const uint8_t c = message[at + 1 + i];
        out->bytes[out->length++] = (c >= 'A' && c <= 'Z') ? static_cast<uint8_t>(c - 'A' + 'a') : c;
      }
    }
    if (label == 0) {
      *pos = jumped ? end : at + 1;
      return true;
    }
    at += 1 + label;
  }
}

// One resource record of the answer section, as far as the parser needs it.
struct Record {
  uint16_t type = 0;
  uint16_t klass = 0;
  uint32_t ttl = 0;
  size_t rdata = 0;  // offset of RDATA
  size_t rdlength = 0;
};

// Reads the record at *pos (its owner into `owner` unless nullptr) and moves *pos past it.
bool ReadRecord(const uint8_t* message, size_t length, size_t* pos, Name* owner, Record* record) {
  if (!ReadName(message, length, pos, owner)) return false;
  if (*pos + kRecordFixedBytes > length) return false;
  const uint8_t* p = message + *pos;
  record->type = Read16(p);
  record->klass = Read16(p + 2);
  // RFC 2181 section 8: a TTL with the top bit set is taken as zero.
  const uint32_t ttl = Read32(p + 4);
  record->ttl = (ttl & 0x80000000u) != 0 ? 0 : ttl;
  record->rdlength = Read16(p + 8);
  record->rdata = *pos + kRecordFixedBytes;
  if (record->rdata + record->rdlength > length) return false;
  *pos = record->rdata + record->rdlength;
  return true;
}

}  // namespace

size_t EncodeQuery(std::string_view name, uint16_t id, uint16_t qtype, uint8_t out[kMaxQueryBytes]) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return 0;
  std::memset(out, 0, kHeaderBytes);
  out[0] = static_cast<uint8_t>(id >> 8);
  out[1] = static_cast<uint8_t>(id & 0xFF);
  out[2] = kFlagRd;
  out[5] = 1;  // QDCOUNT
  size_t pos = kHeaderBytes;
  size_t start = 0;
  while (start <= name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    const size_t label = dot - start;
    // The label, its length byte, and the root label still to come.
    if (label == 0 || label > kMaxLabelBytes || pos - kHeaderBytes + 1 + label + 1 > kMaxNameBytes) return 0;
    out[pos++] = static_cast<uint8_t>(label);
    std::memcpy(out + pos, name.data() + start, label);
    pos += label;
    start = dot + 1;
  }
  out[pos++] = 0;
  out[pos++] = static_cast<uint8_t>(qtype >> 8);
  out[pos++] = static_cast<uint8_t>(qtype & 0xFF);
  out[pos++] = 0;
  out[pos++] = static_cast<uint8_t>(kClassIn);
  return pos;
}

Outcome ParseAddressAnswer(const uint8_t* message, size_t length, uint16_t qtype, AddressSink* sink) {
  if (length < kHeaderBytes) return Outcome::kMalformed;
  if ((message[2] & kFlagQr) == 0) return Outcome::kNotResponse;
  switch (message[3] & kRcodeMask) {
    case 0:
      break;
    case 1:
      return Outcome::kFormerr;
    case 2:
      return Outcome::kServfail;
    case 3:
      return Outcome::kNxdomain;
    case 4:
      return Outcome::kNotimp;
    case 5:
      return Outcome::kRefused;
    default:
      return Outcome::kOtherRcode;
  }
  const uint16_t questions = Read16(message + 4);
  const uint16_t answers = Read16(message + 6);
  // The chain starts at the first question's name (c-ares matched it to ours before handing the reply on).
  if (questions == 0) return answers == 0 ? Outcome::kNoData : Outcome::kMalformed;
  size_t pos = kHeaderBytes;
  Name chain;
  for (uint16_t i = 0; i < questions; ++i) {
    if (!ReadName(message, length, &pos, i == 0 ? &chain : nullptr) || pos + 4 > length) {
      return Outcome::kMalformed;
    }
    pos += 4;
  }
  const size_t first_answer = pos;

  // One pass checks every record and follows the CNAME chain as far as records in message order allow;
  // further passes only when a CNAME came after the record it leads from.
  const size_t expected_length = qtype == kTypeA ? 4 : 16;
  uint32_t chain_ttl = UINT32_MAX;
  int hops = 0;
  bool any_address = false;
  for (bool moved = true; moved;) {
    moved = false;
    pos = first_answer;
    for (uint16_t i = 0; i < answers; ++i) {
      Name owner;
      Record record;
      if (!ReadRecord(message, length, &pos, &owner, &record)) return Outcome::kMalformed;
      if (record.klass != kClassIn || !(owner == chain)) continue;
      if (record.type == kTypeCname) {
        size_t target_pos = record.rdata;
        Name target;
        if (!ReadName(message, length, &target_pos, &target) || target_pos != record.rdata + record.rdlength) {
          return Outcome::kMalformed;
        }
        if (target == chain) continue;  // a record pointing at itself leads nowhere
        if (++hops > kMaxCnameHops) return Outcome::kMalformed;
        chain = target;
        chain_ttl = std::min(chain_ttl, record.ttl);
        moved = true;
        any_address = false;  // addresses of a name the chain has left are not the answer
      } else if (record.type == qtype) {
        if (record.rdlength != expected_length) return Outcome::kMalformed;
        any_address = true;
      }
    }
  }
  if (!any_address) return Outcome::kNoData;

  pos = first_answer;
  for (uint16_t i = 0; i < answers; ++i) {
    Name owner;
    Record record;
    ReadRecord(message, length, &pos, &owner, &record);  // checked above
    if (record.klass == kClassIn && record.type == qtype && owner == chain) {
      sink->OnAddress(message + record.rdata, std::min(record.ttl, chain_ttl));
    }
  }
  return Outcome::kAddresses;
}

}  // namespace dns_message
}  // namespace urlsweep
