// Streaming input: URL lines from files (plain or .gz) and standard input, numbered as documented
// (docs/resume-and-shards.md#input). Memory stays bounded whatever the input's length.
//
// Each input is opened once: a named pipe's writer sees exactly one open, so what it writes after that
// open reaches the scan (a second open would leave its writes between the two with no reader: EPIPE).
// It also keeps the SHA-256 of the bytes read, for the journal's checkpoints (scanner/journal.h), and
// for --resume reads the interrupted run's input prefix once, checking it, before the scan starts.
//
// A stop must never wait for input: a pipe, terminal or FIFO is read only once poll(2) says it has
// bytes, waiting on it together with a wake-up descriptor that Interrupt() signals, and gzip is
// decompressed here (GzipDecoder) from the bytes read, so no library call ever blocks on a descriptor.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "scanner/gzip_decoder.h"
#include "scanner/line_splitter.h"
#include "scanner/run_identity.h"
#include "scanner/sha256.h"

namespace urlsweep {

class InputReader {
 public:
  // Opens every path (fails with one clear line "cannot open 'x.txt': No such file or directory"), so a
  // typo in the last of many files fails the run before any row is written, and keeps the descriptors
  // to read them in order, lazily. "-" = standard input; an empty list = standard input. An input that
  // starts with gzip's magic bytes is decompressed, whatever its name; others pass through.
  static absl::StatusOr<std::unique_ptr<InputReader>> Open(const std::vector<std::string>& paths);

  ~InputReader();
  InputReader(const InputReader&) = delete;
  InputReader& operator=(const InputReader&) = delete;

  // Next line that is not blank and not a comment (#...). Returns false at the end of all inputs, and
  // once Interrupt() was called. A read error mid-way (including a corrupt or truncated .gz) is a Status
  // with one clear line naming the file; it is returned again by every later call.
  absl::StatusOr<bool> Next(InputLine* out);

  // From any thread (the signal thread): reading ends now. A Next() waiting for a pipe or terminal
  // returns false at once, and so does every later one.
  void Interrupt();
  bool interrupted() const { return interrupted_.load(std::memory_order_relaxed); }

  // `before_wait` runs on the reading thread whenever a read is about to wait for a pipe or terminal
  // that has nothing yet, so that the caller can hand on what it holds (partial batches) first;
  // nullptr for nothing. It must outlive the reads it is set for.
  void SetBeforeWait(std::function<void()> before_wait) { before_wait_ = std::move(before_wait); }

  // Physical lines counted so far, skipped ones included.
  int64_t lines_seen() const { return splitter_.lines_seen(); }
  // Bytes read from the inputs so far (after decompression, for .gz), from any thread: the progress
  // figures compare it with the inputs' total size.
  int64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }

  // The inputs as Open found them: path and, for a regular file, its size.
  const std::vector<InputIdentity>& identity() const { return identity_; }

  // Bytes read so far, all inputs together as read (decompressed for gzip), and their SHA-256 (hex).
  // Safe to call from any thread while another one reads.
  struct Position {
    int64_t bytes = 0;
    std::string sha256;
  };
  Position position() const;

  // For --resume, before the first Next(): reads exactly the first `bytes` bytes of the input through the
  // line splitter, keeping the lines `keep` accepts (the ones the interrupted run had not written), which
  // Next() then returns first before it reads on. Returns the SHA-256 (hex) of those bytes. Fails when
  // an input cannot be read, or when the input ends before `bytes`.
  absl::StatusOr<std::string> ReadPrefix(int64_t bytes, const std::function<bool(const InputLine&)>& keep);

 private:
  struct Source {
    std::string path;
    int fd = -1;  // open since Open(), until reading reaches it; -1 for standard input or not kept
  };

  // How the current source's bytes become content: undecided until its first two bytes are read.
  enum class Encoding { kUndecided, kPlain, kGzip };

  InputReader(std::vector<Source> sources, std::vector<InputIdentity> identity, int wake_fd);

  // The next line, reading at most up to `limit` input bytes in all (-1: no limit). Returns false at
  // the end of all inputs, or when `limit` bytes have been read and split.
  absl::StatusOr<bool> ReadLine(InputLine* out, int64_t limit);
  // Up to `want` bytes of the current source's content (decompressed) into buffer_; 0 at its end or
  // once interrupted.
  absl::StatusOr<size_t> ReadContent(size_t want);
  // Tops raw_ up with what the current source has (at least one byte, or its end, or an interruption).
  absl::Status FillRaw();
  // The one place where input bytes are read from a descriptor: up to `capacity` bytes of the current
  // source into `out`; 0 at its end or once interrupted. A pipe, terminal or FIFO is polled first,
  // together with wake_fd_.
  absl::StatusOr<size_t> ReadRaw(char* out, size_t capacity);
  // Opens sources_[next_path_]; sets failure_ on error.
  bool OpenNext();
  // Closes the current source, if any.
  void CloseCurrent();
  // A printable name for sources_[index]: 'path' in quotes, or "standard input".
  std::string DisplayName(size_t index) const;

  std::vector<Source> sources_;
  std::vector<InputIdentity> identity_;
  size_t next_path_ = 0;   // the next source to open
  size_t open_path_ = 0;   // the source `fd_` reads, when open
  int fd_ = -1;            // the source being read; -1 for none
  bool own_fd_ = false;    // fd_ is closed at its end (not standard input's)
  bool poll_fd_ = false;   // fd_ is not a regular file: wait for it with poll(2)
  bool raw_ended_ = false; // read(2) said the source has ended
  Encoding encoding_ = Encoding::kUndecided;
  GzipDecoder gzip_;
  std::unique_ptr<char[]> raw_;     // kReadChunkBytes of bytes as read, before decompression
  size_t raw_begin_ = 0;            // raw_[raw_begin_, raw_end_) is read and not yet decoded
  size_t raw_end_ = 0;
  int wake_fd_ = -1;                // an eventfd that Interrupt() makes readable
  std::atomic<bool> interrupted_{false};
  std::function<void()> before_wait_;
  LineSplitter splitter_;
  std::unique_ptr<char[]> buffer_;  // kReadChunkBytes of content (decompressed input)
  std::string_view pending_;        // the part of buffer_ not yet fed to splitter_
  std::deque<InputLine> held_;      // lines ReadPrefix kept, handed out first
  absl::Status failure_;

  mutable std::mutex position_mu_;  // the reading thread updates, a checkpoint reads
  // Written by the reading thread under position_mu_ together with digest_; atomic so that bytes_read()
  // reads it from any thread without the lock.
  std::atomic<int64_t> bytes_read_{0};
  Sha256 digest_;  // guarded by position_mu_
};

}  // namespace urlsweep
