// The journal's text (scanner/journal.h keeps the file; this is the format alone, pure, so that the
// parser is unit-tested on every cut and fuzzed: tests/fuzz/journal_fuzz.cc).
//
// A journal is a sequence of records. A record is one or more lines; its last line ends in a space and
// 8 lower-case hex digits, the CRC-32 (zlib's, ISO 3309) of every byte of the record before that space.
// Tokens are separated by one space; paths and values are percent-encoded (bytes outside '!'..'~', and
// '%' itself), so each is one token.
//
// The header, one record, written when the run starts:
//   urlsweep-journal 2
//   S <salt, hex>
//   F <key> <value>      one per flag of RunIdentity, in its order (scanner/run_identity.h)
//   I <path> <size>      one per input, in order; size "-" for anything but a regular file
//   E <crc>
// A checkpoint, one record, appended in one write(2) once the writer has flushed:
//   L <input line numbers written since the previous checkpoint, as ranges: 1-250,252,260-300>
//   C <output offset> <input bytes read> <SHA-256 of those bytes, hex> <writer state, hex; "-" if none> <crc>
// "Input bytes read" count the concatenated inputs as read (decompressed for gzip), at the moment of the
// checkpoint: every line written by then lies within them.
//
// Reading: every complete record must be well-formed and pass its CRC, offsets and input bytes never go
// back, or the journal is damaged. What follows the last complete record is a torn tail (a write cut
// short by a crash) when it can be the start of a checkpoint (an "L" line, a "C" line begun, trailing
// NUL bytes a file system may leave after a power cut), and then it does not count; anything else is
// damage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "scanner/line_set.h"
#include "scanner/run_identity.h"

namespace urlsweep {

// The first line of a journal in this format.
inline constexpr char kJournalMagic[] = "urlsweep-journal 2";

struct ParsedJournal {
  RunIdentity identity;
  int64_t checkpoints = 0;          // complete checkpoint records
  int64_t offset = 0;               // the output's committed length
  std::vector<std::string> states;  // writer checkpoint states, oldest first (decoded bytes)
  LineSet done;                     // lines whose rows are in the committed part (normalized)
  int64_t input_bytes = 0;          // input bytes read at the last checkpoint
  std::string input_sha256;         // hex digest of those bytes; empty without a checkpoint
  size_t committed_bytes = 0;       // the length of the complete records; the rest is a torn tail
};

// The header record of a new journal.
std::string JournalHeader(const RunIdentity& identity);

// Appends one checkpoint record to *out. `lines` must be sorted.
void AppendCheckpoint(const std::vector<int64_t>& lines, int64_t offset, int64_t input_bytes,
                      std::string_view input_sha256, std::string_view state, std::string* out);

// Reads a whole journal. Errors are a phrase for a message about the journal: "it is not an urlsweep
// journal", "it was written by an older urlsweep ...", "it is damaged at byte N (...)".
absl::StatusOr<ParsedJournal> ParseJournal(std::string_view text);

}  // namespace urlsweep
