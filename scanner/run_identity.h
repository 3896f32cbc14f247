// RunIdentity: what makes a run "the same run" for --resume (docs/resume-and-shards.md#resuming): every
// flag that changes which lines are scanned or what their rows hold, as canonical text, and the inputs
// (path as given and, for a regular file, its size). The journal (scanner/journal.h) writes it as its
// header and refuses to continue a run whose identity differs; the input bytes themselves are compared
// through the digests of its checkpoints.
//
// Not part of it: -q, --progress, --summary, -c, --threads and --rate (how fast and how visibly the same
// rows are made), --output (the journal sits beside it: a copied output and journal may be continued
// under another name) and --parquet-compression (each Parquet column chunk names its own codec, so a
// resumed file may mix them: the rows hold the same values).
//
// Secrets (proxy credentials; Authorization, Proxy-Authorization and Cookie header values) are never
// held in clear: each is replaced by "salted-sha256:<hex of SHA-256(salt || secret)>", with a random
// salt per journal, and compared in that form.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.h"

namespace urlsweep {

// One flag: `key` as the journal names it ("method", "proxy-https"), `value` canonical (lists one item
// a line, numbers in their shortest exact form, secrets digested).
struct IdentityFlag {
  std::string key;
  std::string value;
  bool operator==(const IdentityFlag&) const = default;
};

// One input as it was found when the run started.
struct InputIdentity {
  std::string path;   // as given on the command line; "-" is standard input
  int64_t size = -1;  // bytes of a regular file; -1 for anything else (standard input, a pipe, a device)
  bool operator==(const InputIdentity&) const = default;
};

struct RunIdentity {
  std::string salt;  // hex; the salt of every secret's digest
  std::vector<IdentityFlag> flags;
  std::vector<InputIdentity> inputs;
  bool operator==(const RunIdentity&) const = default;
};

// Marks a digested secret inside a flag's value.
inline constexpr char kSecretDigestPrefix[] = "salted-sha256:";

// The identity of the run `config` asks for, over `inputs` as the input reader found them, its
// secrets digested with `salt`.
RunIdentity IdentityOf(const Config& config, std::vector<InputIdentity> inputs, const std::string& salt);

// The first difference of `current` from `recorded` (the interrupted run's), as a phrase for a
// one-line message, e.g. "--method is HEAD here but was GET in the interrupted run"; empty when there
// is none. Flags come first, then the inputs. `current` must use `recorded`'s salt. Secrets are never
// shown, only that they differ.
std::string FirstDifference(const RunIdentity& current, const RunIdentity& recorded);

// How messages name an input: 'path' in quotes, or "standard input".
std::string InputDisplayName(const std::string& path);

}  // namespace urlsweep
