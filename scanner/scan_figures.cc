#include "scanner/scan_figures.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace urlsweep {
namespace {

// The first bytes of every gzip member (RFC 1952 section 2.3.1): ID1, ID2.
constexpr unsigned char kGzipMagic[] = {0x1f, 0x8b};

// Whether `path` is a regular file (its size then in *st) that does not start like gzip; false if it cannot
// be read now. Anything else is never opened here: opening a FIFO would count as its reader.
bool PlainRegularFile(const std::string& path, struct stat* st) {
  if (stat(path.c_str(), st) != 0 || !S_ISREG(st->st_mode)) return false;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  unsigned char head[sizeof(kGzipMagic)] = {};
  const ssize_t n = pread(fd, head, sizeof(head), 0);
  close(fd);
  if (n < 0) return false;
  return !(n == static_cast<ssize_t>(sizeof(head)) && head[0] == kGzipMagic[0] && head[1] == kGzipMagic[1]);
}

}  // namespace

std::optional<uint64_t> InputTotalBytes(const std::vector<std::string>& inputs) {
  if (inputs.empty()) return std::nullopt;  // standard input
  uint64_t total = 0;
  for (const std::string& path : inputs) {
    struct stat st;
    if (path == "-" || !PlainRegularFile(path, &st)) return std::nullopt;
    total += static_cast<uint64_t>(st.st_size);
  }
  return total;
}

ProgressSnapshot ScanFigures::Progress() const {
  ProgressSnapshot p;
  uint64_t active = 0;
  for (const auto& w : *s_.workers) {
    const WorkerCounters& c = w->counters();
    p.done += c.done.load(std::memory_order_relaxed);
    p.errors += c.errors.load(std::memory_order_relaxed);
    active += c.active.load(std::memory_order_relaxed);
    p.queued += c.queued.load(std::memory_order_relaxed);
  }
  // The two counts are read one after the other while the loops run: never report a negative rest.
  p.in_flight = active > p.queued ? active - p.queued : 0;
  // Rows already in the output before a --resume count as done, and as expected.
  p.done += static_cast<uint64_t>(s_.resumed_rows);
  p.lines_read = s_.dispatch->lines_read.load(std::memory_order_relaxed);
  p.rows_seen = s_.resumed_rows + s_.dispatch->rows_seen.load(std::memory_order_relaxed);
  const int64_t total = s_.dispatch->total.load(std::memory_order_relaxed);
  p.total = total >= 0 ? s_.resumed_rows + total : -1;
  p.input_bytes_read = s_.input->bytes_read();
  p.input_bytes = s_.input_bytes.has_value() ? static_cast<int64_t>(*s_.input_bytes) : -1;
  p.stopped = s_.stopped->load(std::memory_order_relaxed);
  p.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - s_.start).count();
  return p;
}

MetricsSnapshot ScanFigures::Metrics() const {
  MetricsSnapshot m;
  uint64_t active = 0;
  for (const auto& w : *s_.workers) {
    w->metrics().AddTo(&m);
    active += w->counters().active.load(std::memory_order_relaxed);
    m.queued += w->counters().queued.load(std::memory_order_relaxed);
  }
  m.in_flight = active > m.queued ? active - m.queued : 0;
  m.lines_read = static_cast<uint64_t>(s_.dispatch->lines_read.load(std::memory_order_relaxed));
  m.input_bytes_read = s_.input->bytes_read();
  m.input_bytes = s_.input_bytes;
  return m;
}

}  // namespace urlsweep
