// libFuzzer target for the journal reader (scanner/journal_format.h): whatever bytes a journal file
// holds (a crash's torn tail, a disk's garbage, another program's file), ParseJournal returns a result
// or a refusal, never crashes, and what it accepts is consistent: the committed part alone reads the
// same, the identity it read writes back to a header that reads back to it, and the checkpoints never
// go back.
//
// Input: byte 0 picks the mode. Even: the rest is the journal as it is, so nearly every mutation fails a
// record's CRC. Odd: the rest with every record's CRC set right first (a record ends at a line starting
// "E " or "C "), so that mutations reach the checks behind the CRC.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scanner/journal_format.h"

namespace urlsweep {
namespace {

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "journal_fuzz: %s\n", what);
    abort();
  }
}

// Rewrites the last 8 bytes of every record's last line to the CRC-32 of the record before them.
std::string WithCrcsSet(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(text);
  size_t record_start = 0;
  size_t line_start = 0;
  while (line_start < out.size()) {
    size_t nl = out.find('\n', line_start);
    if (nl == std::string::npos) break;
    const bool ends_record = nl - line_start >= 11 && (out[line_start] == 'E' || out[line_start] == 'C') &&
                             out[line_start + 1] == ' ' && out[nl - 9] == ' ';
    if (ends_record) {
      uLong crc = crc32(0L, Z_NULL, 0);
      crc = crc32(crc, reinterpret_cast<const Bytef*>(out.data() + record_start),
                  static_cast<uInt>(nl - 9 - record_start));
      for (int i = 0; i < 8; ++i) out[nl - 8 + i] = kHex[(crc >> (28 - 4 * i)) & 15];
      record_start = nl + 1;
    }
    line_start = nl + 1;
  }
  return out;
}

}  // namespace
}  // namespace urlsweep

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace urlsweep;
  if (size == 0) return 0;
  const std::string_view raw(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string fixed = (data[0] & 1) != 0 ? WithCrcsSet(raw) : std::string(raw);
  const std::string_view text = fixed;
  size = text.size();
  absl::StatusOr<ParsedJournal> parsed = ParseJournal(text);
  if (!parsed.ok()) {
    Check(!parsed.status().message().empty(), "a refusal without a reason");
    return 0;
  }
  Check(parsed->committed_bytes <= size, "committed part longer than the journal");
  Check(parsed->checkpoints == static_cast<int64_t>(parsed->states.size()), "one state per checkpoint");
  Check(parsed->offset >= 0 && parsed->input_bytes >= 0, "negative offset or input bytes");
  Check(parsed->checkpoints > 0 || (parsed->offset == 0 && parsed->done.size() == 0), "lines without a checkpoint");
  Check(parsed->done.size() == 0 || parsed->done.first() >= 1, "line numbers start at 1");

  // The torn tail does not count: the committed part alone reads the same.
  absl::StatusOr<ParsedJournal> committed = ParseJournal(text.substr(0, parsed->committed_bytes));
  Check(committed.ok(), "the committed part alone is refused");
  Check(committed->identity == parsed->identity, "identity depends on the torn tail");
  Check(committed->checkpoints == parsed->checkpoints && committed->offset == parsed->offset &&
            committed->input_bytes == parsed->input_bytes && committed->input_sha256 == parsed->input_sha256 &&
            committed->states == parsed->states && committed->done.size() == parsed->done.size(),
        "checkpoints depend on the torn tail");

  // What was read writes back to a header that reads back the same.
  std::string again = JournalHeader(parsed->identity);
  absl::StatusOr<ParsedJournal> reread = ParseJournal(again);
  Check(reread.ok(), "a header written from a read identity is refused");
  Check(reread->identity == parsed->identity, "identity does not survive writing and reading");
  Check(reread->committed_bytes == again.size() && reread->checkpoints == 0, "a bare header reads as more");

  // A checkpoint appended to what was accepted is read as one more.
  if (parsed->input_sha256.size() == 64) {
    std::string more(text.substr(0, parsed->committed_bytes));
    const int64_t next = parsed->done.last() + 1;
    AppendCheckpoint({next}, parsed->offset, parsed->input_bytes, parsed->input_sha256, "", &more);
    absl::StatusOr<ParsedJournal> extended = ParseJournal(more);
    Check(extended.ok() && extended->checkpoints == parsed->checkpoints + 1 && extended->done.Contains(next),
          "an appended checkpoint is not read");
  }
  return 0;
}
