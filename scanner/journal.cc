#include "scanner/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "scanner/journal_format.h"
#include "scanner/run_identity.h"
#include "scanner/sha256.h"
#include "scanner/shard.h"

namespace urlsweep {
namespace {

// Random bytes salting the digests of secrets, new for every journal (16 bytes: no two journals share one).
constexpr size_t kSaltBytes = 16;

absl::Status Errno(std::string_view what, const std::string& path) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(what), " '", path, "': ", std::strerror(errno)));
}

absl::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("writing journal", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

bool ReadFile(const std::string& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

// A refusal of --resume: one line, naming what differs and that nothing was changed.
absl::Status Refuse(std::string_view why, const std::string& output) {
  return absl::FailedPreconditionError(absl::StrCat("--resume: ", std::string(why), "; '", output, "' left untouched"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Journal>> Journal::Create(const std::string& path, const Config& config,
                                                         InputReader* input) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create journal", path);
  auto journal = std::unique_ptr<Journal>(new Journal(fd, path, input));
  const RunIdentity identity = IdentityOf(config, input->identity(), RandomHex(kSaltBytes));
  absl::Status st = WriteAll(fd, JournalHeader(identity), path);
  if (!st.ok()) return st;
  return journal;
}

absl::StatusOr<RecoveredRun> Journal::Recover(const std::string& path, const Config& config,
                                              InputReader* input) {
  const std::string& output = config.output;
  RecoveredRun run;
  struct stat out_st;
  const bool output_exists = stat(output.c_str(), &out_st) == 0;
  std::string text;
  if (!ReadFile(path, &text)) {
    if (!output_exists || out_st.st_size == 0) return run;  // nothing to resume: a fresh start
    return absl::FailedPreconditionError(absl::StrCat("cannot resume into '", output, "': its journal '", path,
                                                      "' is missing (was it written by urlsweep?); not overwriting it"));
  }
  absl::StatusOr<ParsedJournal> parsed = ParseJournal(text);
  if (!parsed.ok()) return Refuse(absl::StrCat("journal '", path, "': ", parsed.status().message()), output);

  const RunIdentity current = IdentityOf(config, input->identity(), parsed->identity.salt);
  if (std::string difference = FirstDifference(current, parsed->identity); !difference.empty()) {
    return Refuse(difference, output);
  }
  const int64_t size = output_exists ? static_cast<int64_t>(out_st.st_size) : 0;
  if (size < parsed->offset) {
    return absl::FailedPreconditionError(absl::StrCat("cannot resume into '", output, "': it holds ", size,
                                                      " bytes but its journal says ", parsed->offset,
                                                      " were written; not overwriting it"));
  }
  if (parsed->checkpoints > 0) {
    // Lines of the prefix still to scan: not written, and in this shard (the others are dropped by the
    // scan anyway, and would make what is held here grow with the input).
    const LineSet& done = parsed->done;
    const int shard_index = config.shard_index;
    const int shard_count = config.shard_count;
    auto keep = [&](const InputLine& line) {
      return !done.Contains(line.line) && LineInShard(line, shard_index, shard_count, config.shard_by);
    };
    absl::StatusOr<std::string> digest = input->ReadPrefix(parsed->input_bytes, keep);
    if (!digest.ok()) {
      if (absl::IsOutOfRange(digest.status())) return Refuse(std::string(digest.status().message()), output);
      return digest.status();
    }
    if (*digest != parsed->input_sha256) {
      const auto& inputs = current.inputs;
      const std::string what = inputs.size() == 1 ? InputDisplayName(inputs[0].path) : "the input";
      return Refuse(absl::StrCat(what, " differs from the interrupted run's in the first ", parsed->input_bytes,
                                 " bytes it had read"),
                    output);
    }
  }
  run.offset = parsed->offset;
  run.states = std::move(parsed->states);
  run.done = std::move(parsed->done);
  run.existed = true;
  return run;
}

absl::StatusOr<std::unique_ptr<Journal>> Journal::Reopen(const std::string& path, InputReader* input) {
  std::string text;
  if (!ReadFile(path, &text)) return Errno("cannot read journal", path);
  absl::StatusOr<ParsedJournal> parsed = ParseJournal(text);
  if (!parsed.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("journal '", path, "': ", parsed.status().message()));
  }
  if (truncate(path.c_str(), static_cast<off_t>(parsed->committed_bytes)) != 0) {
    return Errno("cannot truncate journal", path);
  }
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open journal", path);
  return std::unique_ptr<Journal>(new Journal(fd, path, input));
}

Journal::~Journal() { close(fd_); }

absl::Status Journal::Commit(std::vector<int64_t>* lines, int64_t offset, std::string_view state) {
  std::sort(lines->begin(), lines->end());
  const InputReader::Position read = input_->position();
  record_.clear();
  AppendCheckpoint(*lines, offset, read.bytes, read.sha256, state, &record_);
  // One write(2) per record: with O_APPEND, a kill leaves at worst a torn tail, which Recover ignores.
  return WriteAll(fd_, record_, path_);
}

}  // namespace urlsweep
