// OutputFile through real descriptors: a full disk, a pipe without a reader, a non-blocking pipe,
// signals during writes, standard output, and a write cut short at the file-size limit.
#include "output/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/output/file_size_limit.h"
#include "tests/output/temp_files.h"
#include "tests/test_environment.h"

namespace urlsweep {
namespace {

TEST(OutputFileTest, FullDiskIsOneClearLine) {
  int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) GTEST_SKIP() << kEnvironmentOnlySkip << "no /dev/full";
  OutputFile file(fd, "/dev/full");
  ASSERT_TRUE(file.Append("1,x\r\n").ok());  // buffered: nothing written yet
  absl::Status status = file.Flush();
  EXPECT_EQ(status.message(), "writing /dev/full: No space left on device");
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  // Close reports the same failure for the bytes still held, and releases the descriptor.
  status = file.Close(/*sync=*/true);
  EXPECT_EQ(status.message(), "writing /dev/full: No space left on device");
  EXPECT_EQ(fcntl(fd, F_GETFD), -1);
}

TEST(OutputFileTest, ClosedPipeReportsEpipe) {
  struct sigaction ignore {};
  struct sigaction previous {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &previous);
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  close(p[0]);
  OutputFile file(p[1], "-");
  ASSERT_TRUE(file.Append("line\n").ok());
  absl::Status status = file.Flush();
  EXPECT_EQ(status.message(), "writing -: Broken pipe");
  // An Append that overflows the buffer writes through and reports the same.
  status = file.Append(std::string(2 << 20, 'x'));
  EXPECT_EQ(status.message(), "writing -: Broken pipe");
  file.Close(false).IgnoreError();
  sigaction(SIGPIPE, &previous, nullptr);
}

// Reads a pipe to its end slowly, so the writer meets a full pipe.
class SlowReader {
 public:
  explicit SlowReader(int fd) : fd_(fd), thread_([this] { Run(); }) {}
  std::string Join() {
    thread_.join();
    close(fd_);
    return std::move(bytes_);
  }

 private:
  void Run() {
    char buffer[16384];
    for (;;) {
      ssize_t n = read(fd_, buffer, sizeof(buffer));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      bytes_.append(buffer, static_cast<size_t>(n));
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  }
  int fd_;
  std::string bytes_;
  std::thread thread_;
};

std::string Pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4093) % 26);
  return s;
}

// A descriptor left non-blocking (standard output shared with another process) gives partial writes
// and EAGAIN; every byte must still arrive, in order.
TEST(OutputFileTest, NonBlockingPipeGetsEveryByte) {
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  ASSERT_EQ(fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) | O_NONBLOCK), 0);
  SlowReader reader(p[0]);
  const std::string data = Pattern(5 << 20);
  OutputFile file(p[1], "pipe");
  for (size_t at = 0; at < data.size(); at += 3000) {
    absl::Status status = file.Append(std::string_view(data).substr(at, 3000));
    ASSERT_TRUE(status.ok()) << status;
  }
  EXPECT_EQ(file.offset(), static_cast<int64_t>(data.size()));
  absl::Status status = file.Close(/*sync=*/true);  // a pipe: no fsync, no error
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(reader.Join() == data);
}

std::atomic<int> alarms{0};
void CountAlarm(int) { alarms.fetch_add(1, std::memory_order_relaxed); }

// Signals arriving during write(2) (without SA_RESTART) cut writes short or fail them with EINTR; the
// file must carry on.
TEST(OutputFileTest, SignalsDuringWritesLoseNothing) {
  struct sigaction on_alarm {};
  struct sigaction previous {};
  on_alarm.sa_handler = CountAlarm;
  on_alarm.sa_flags = 0;  // no SA_RESTART: write(2) returns early
  sigaction(SIGALRM, &on_alarm, &previous);
  // The reader thread inherits a mask blocking SIGALRM, so the writer's thread takes every alarm.
  sigset_t alarm_set, old_mask;
  sigemptyset(&alarm_set);
  sigaddset(&alarm_set, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &alarm_set, &old_mask);
  int p[2];
  ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
  SlowReader reader(p[0]);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);

  itimerval every_200us{{0, 200}, {0, 200}};
  setitimer(ITIMER_REAL, &every_200us, nullptr);
  const std::string data = Pattern(8 << 20);
  OutputFile file(p[1], "pipe");
  absl::Status status;
  for (size_t at = 0; at < data.size() && status.ok(); at += 65536) {
    status = file.Append(std::string_view(data).substr(at, 65536));
  }
  if (status.ok()) status = file.Close(/*sync=*/false);
  itimerval off{};
  setitimer(ITIMER_REAL, &off, nullptr);
  sigaction(SIGALRM, &previous, nullptr);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(reader.Join() == data);
  EXPECT_GT(alarms.load(), 0);
}

TEST(OutputFileTest, StandardOutputIsNeverClosed) {
  int copy = dup(1);
  ASSERT_GE(copy, 0);
  {
    OutputFile file(1, "-");
    EXPECT_TRUE(file.Close(/*sync=*/true).ok());
    EXPECT_TRUE(file.Close(/*sync=*/true).ok());  // idempotent
  }
  EXPECT_NE(fcntl(1, F_GETFD), -1);
  close(copy);
}

TEST(OutputFileTest, AppendAfterCloseFails) {
  const std::string path = TempPath("closed.csv");
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  OutputFile file(fd, path);
  ASSERT_TRUE(file.Append("abc").ok());
  EXPECT_EQ(file.offset(), 3);
  ASSERT_TRUE(file.Close(/*sync=*/true).ok());
  EXPECT_EQ(ReadAll(path), "abc");
  EXPECT_FALSE(file.Append("d").ok());
  unlink(path.c_str());
}

// 100-byte records, the last byte a line end, numbered so a cut shows which ones stayed.
std::string Record(int i) {
  std::string record = absl::StrCat(i, ",");
  record.append(99 - record.size(), 'x');
  record.push_back('\n');
  return record;
}

// A write that stops part-way (here at the file-size limit) is cut back to the end of the last Append
// it wrote whole: the file never ends inside a row. The rest stays buffered, and once there is room a
// later Flush writes it after the whole ones, each byte once.
TEST(OutputFileTest, PartialWriteIsCutBackToTheLastWholeAppend) {
  for (bool append_mode : {false, true}) {
    SCOPED_TRACE(append_mode ? "O_APPEND after 1000 bytes" : "new file");
    const std::string path = TempPath("cut.csv");
    const std::string before = append_mode ? std::string(999, 'p') + "\n" : "";
    WriteAll(path, before);
    // With O_APPEND (a shell's >>) the descriptor's offset is 0 while writes land at the end: the cut
    // must be measured from where the write ended, not from the offset.
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC | (append_mode ? O_APPEND : O_TRUNC));
    ASSERT_GE(fd, 0);
    OutputFile file(fd, path);
    std::string all;
    for (int i = 0; i < 100; ++i) {
      all += Record(i);
      ASSERT_TRUE(file.Append(Record(i)).ok());  // buffered: far below the buffer's size
    }
    absl::Status status;
    {
      // Room for 50 records and half of the 51st.
      FileSizeLimit limit(before.size() + 5050);
      if (!limit.ok()) GTEST_SKIP() << kEnvironmentOnlySkip << "cannot lower RLIMIT_FSIZE";
      status = file.Flush();
    }
    EXPECT_EQ(status.message(), absl::StrCat("writing ", path, ": File too large"));
    EXPECT_EQ(ReadAll(path), before + all.substr(0, 5000));
    EXPECT_EQ(file.written(), 5000);
    EXPECT_EQ(file.offset(), 10000);
    ASSERT_TRUE(file.Flush().ok());
    EXPECT_EQ(ReadAll(path), before + all);
    ASSERT_TRUE(file.Close(/*sync=*/false).ok());
    unlink(path.c_str());
  }
}
}  // namespace
}  // namespace urlsweep
