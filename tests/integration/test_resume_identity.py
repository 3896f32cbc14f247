#!/usr/bin/env python3
"""--resume continues only the same run (docs/resume-and-shards.md#resuming).

Another list, another --method, --shard or format, other bytes on standard input, a journal cut in its
header or damaged anywhere: one line naming the first difference, exit 1, and the output and its
journal byte for byte as they were. The same run continues: from standard input too (its first bytes
read once, checked, and the lines among them not yet written scanned first), and a journal cut between
records continues from the records before the cut. A run fed by a named pipe whose writer opens it once
and writes slowly gets every row, and the writer is never killed by SIGPIPE: urlsweep opens each input
once (scanner/input_reader.h).
"""

import collections
import hashlib
import os
import random
import signal
import subprocess
import threading
import time

import fixtures

# scanner/scan.h kCheckpointIntervalS: a run is stopped just after its first checkpoint.
CHECKPOINT_INTERVAL_S = 5
# How long a run may take to commit its first checkpoint on a loaded machine before the test fails.
FIRST_CHECKPOINT_WAIT_S = 30
# A scan that lasts well past its first checkpoint, also with half the lines (--shard 1/2): URL_COUNT
# URLs answered after DELAY_MS at CONCURRENCY in flight take URL_COUNT * DELAY_MS / CONCURRENCY = 16 s
# at best.
URL_COUNT = 2000
DELAY_MS = 200
CONCURRENCY = 25
HOSTS = 50
# Random places where a journal is damaged (the seed is printed, RESUME_TEST_SEED repeats it).
DAMAGE_TRIES = 6
DAMAGE_BYTES = 16
# The named-pipe writer: lines, and the pause after each. The pauses are short enough that a write falls
# into any gap between two opens of the pipe by its reader (starting the scan takes tens of ms).
FIFO_LINES = 200
FIFO_PAUSE_S = 0.002


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def committed_records(journal):
    """Complete checkpoint records (lines starting "C ") in the journal so far."""
    try:
        with open(journal, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return 0
    return sum(1 for line in data.split(b"\n")[:-1] if line.startswith(b"C "))


class ResumeIdentityTest(fixtures.FixtureTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        seed = os.environ.get("RESUME_TEST_SEED")
        cls.seed = int(seed) if seed else random.SystemRandom().randrange(1 << 30)
        print("test_resume_identity: damage from seed %d (RESUME_TEST_SEED=%d repeats it)" % (cls.seed, cls.seed))

    # -- helpers ----------------------------------------------------------------------------------

    def urls(self, prefix, count, delay_ms=0):
        path = "/delay/%d" % delay_ms if delay_ms else "/"
        return [self.url("%s?%s=%d" % (path, prefix, i), "h%d.test" % (i % HOSTS)) for i in range(count)]

    def argv(self, args):
        if not fixtures.URLSWEEP_BIN or not os.access(fixtures.URLSWEEP_BIN, os.X_OK):
            self.fail("urlsweep binary not found: set URLSWEEP_BIN or build the urlsweep target")
        return [fixtures.URLSWEEP_BIN, "--resolver", "127.0.0.1:%d" % self.stack.dns_port] + list(args)

    def rows(self, output):
        with open(output, newline="", encoding="utf-8") as f:
            return fixtures.parse_csv(f.read())

    def assertRefused(self, args, output, expected, stdin_bytes=None):
        """--resume with `args` is refused with one line holding `expected`; output and journal stay
        byte for byte as they were."""
        journal = output + ".urlsweep-journal"
        before = (sha256_of(output), sha256_of(journal))
        code, _, err, _ = self.run_urlsweep(["-q", "--resume", "-o", output] + args, stdin_bytes=stdin_bytes)
        self.assertEqual(code, 1, err)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn(expected, err)
        self.assertEqual((sha256_of(output), sha256_of(journal)), before, "a refused --resume changed files")
        return err

    def assertEveryLineOnce(self, rows, expected_lines):
        counts = collections.Counter(row["line"] for row in rows)
        self.assertEqual(sorted(line for line, n in counts.items() if n > 1)[:20], [], "lines written twice")
        self.assertEqual(sorted(set(expected_lines) - set(counts))[:20], [], "lines missing")
        self.assertEqual(sorted(set(counts) - set(expected_lines))[:20], [], "lines that are not URL lines")

    def start_and_interrupt(self, args, output, stdin_bytes=None):
        """Starts a scan, waits for its first checkpoint, stops it with SIGINT; returns its stderr."""
        journal = output + ".urlsweep-journal"
        stdin = subprocess.PIPE if stdin_bytes is not None else subprocess.DEVNULL
        proc = subprocess.Popen(self.argv(args), stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env=fixtures.clean_env())
        feeder = None
        if stdin_bytes is not None:
            def feed():
                try:
                    proc.stdin.write(stdin_bytes)
                    proc.stdin.close()
                except (BrokenPipeError, OSError):
                    pass  # the stopped run reads no more
            feeder = threading.Thread(target=feed, daemon=True)
            feeder.start()
        deadline = time.monotonic() + FIRST_CHECKPOINT_WAIT_S
        while committed_records(journal) == 0:
            if proc.poll() is not None:
                self.fail("the scan ended (exit %d) before its first checkpoint: %s" % (
                    proc.returncode, proc.stderr.read().decode("utf-8", "replace")[-2000:]))
            if time.monotonic() > deadline:
                proc.kill()
                proc.communicate()
                self.fail("no checkpoint within %d s" % FIRST_CHECKPOINT_WAIT_S)
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        err = proc.stderr.read()
        proc.stderr.close()
        proc.wait(timeout=60)
        if feeder is not None:
            feeder.join(timeout=10)
        self.assertEqual(proc.returncode, 130, err.decode("utf-8", "replace")[-2000:])
        return err

    # -- the cases --------------------------------------------------------------------------------

    def test_another_list_method_shard_or_format_is_refused(self):
        list_a = self.write_input("list-a.txt", self.urls("a", 3))
        list_b = self.write_input("list-b.txt", self.urls("b", 5))
        output = os.path.join(self.tmp, "ab.csv")
        code, _, err, _ = self.run_urlsweep(["-q", "-o", output, list_a])
        self.assertEqual(code, 0, err)
        self.assertRefused([list_b], output,
                           "input 1 is '%s' here but was '%s' in the interrupted run" % (list_b, list_a))
        self.assertRefused(["--method", "HEAD", list_a], output,
                           "--method is HEAD here but was GET in the interrupted run")
        self.assertRefused(["--shard", "1/2", list_a], output, "--shard is 1/2 here but was 0/1 in the interrupted run")
        self.assertRefused(["--format", "jsonl", list_a], output,
                           "--format is jsonl here but was csv in the interrupted run")
        self.assertRefused([list_a, list_b], output, "was not an input of the interrupted run")
        err = self.assertRefused(["-H", "Authorization: Bearer hunter2", list_a], output,
                                 "--header is 'Authorization: ***'")
        self.assertNotIn("hunter2", err)
        # How fast and how visibly the same rows are made is not part of the run.
        code, _, err, _ = self.run_urlsweep(["-q", "--resume", "-c", "7", "--rate", "100", "--threads", "2",
                                             "--summary", "-o", output, list_a])
        self.assertEqual(code, 0, err)
        self.assertEqual(sorted(row["line"] for row in self.rows(output)), [1, 2, 3])
        # A list that changed under the same name.
        with open(list_a, "a") as f:
            f.write(self.url("/?late=1") + "\n")
        self.assertRefused([list_a], output, "'%s' is a regular file of" % list_a)

    def test_standard_input_continues_only_with_the_same_bytes(self):
        for shard in ("0/1", "1/2"):
            with self.subTest(shard=shard):
                lines = self.urls("s" + shard[0], URL_COUNT, DELAY_MS)
                data = "".join(line + "\n" for line in lines).encode()
                output = os.path.join(self.tmp, "stdin-%s.csv" % shard[0])
                args = ["-q", "-c", str(CONCURRENCY), "--shard", shard, "-o", output, "-"]
                self.start_and_interrupt(args, output, stdin_bytes=data)
                stopped = len(self.rows(output))
                self.assertGreater(stopped, 0)
                # Other bytes, as long: refused, nothing changed.
                other = data.replace(b"=1\n", b"=X\n", 1)
                self.assertEqual(len(other), len(data))
                self.assertRefused(["-c", str(CONCURRENCY), "--shard", shard, "-"], output,
                                   "standard input differs from the interrupted run's", stdin_bytes=other)
                self.assertRefused(["-c", str(CONCURRENCY), "--shard", shard, "-"], output,
                                   "the input ends after", stdin_bytes=data[:100])
                code, _, err, _ = self.run_urlsweep(["-q", "-c", str(CONCURRENCY), "--resume", "--shard", shard,
                                                     "-o", output, "-"], stdin_bytes=data)
                self.assertEqual(code, 0, err)
                rows = self.rows(output)
                self.assertGreater(len(rows), stopped)
                hosts = self.hosts_of_shard(shard)
                expected = [i + 1 for i in range(URL_COUNT) if "h%d.test" % (i % HOSTS) in hosts]
                self.assertEveryLineOnce(rows, expected)

    def hosts_of_shard(self, shard):
        """The host names of h0.test .. h<HOSTS-1>.test in `shard`, as urlsweep itself assigns them."""
        hosts = [self.url("/", "h%d.test" % i) for i in range(HOSTS)]
        code, out, err, _ = self.run_urlsweep(["-q", "--shard", shard, "-o", "-", "-"],
                                              stdin_bytes="".join(h + "\n" for h in hosts).encode())
        self.assertEqual(code, 0, err)
        return {row["host"] for row in fixtures.parse_csv(out)}

    def test_damaged_or_cut_journals(self):
        rng = random.Random(self.seed)
        path = self.write_input("damage.txt", self.urls("d", URL_COUNT, DELAY_MS))
        for fmt in ("parquet", "csv"):
            with self.subTest(fmt=fmt):
                output = os.path.join(self.tmp, "damage.%s" % fmt)
                journal = output + ".urlsweep-journal"
                args = ["-q", "-c", str(CONCURRENCY), "--format", fmt, "-o", output, path]
                self.start_and_interrupt(args, output)
                with open(journal, "rb") as f:
                    good = f.read()
                header_end = good.index(b"\nE ") + 1
                header_end = good.index(b"\n", header_end) + 1
                self.assertGreater(len(good), header_end, "no checkpoint after the header")
                # Garbage anywhere with a complete record after it: refused, nothing changed.
                for _ in range(DAMAGE_TRIES):
                    at = rng.randrange(0, len(good) - DAMAGE_BYTES - 2)
                    garbage = bytes(rng.randrange(256) for _ in range(DAMAGE_BYTES))
                    with open(journal, "wb") as f:
                        f.write(good[:at] + garbage + good[at + DAMAGE_BYTES:])
                    self.assertRefused(["-c", str(CONCURRENCY), "--format", fmt, path], output,
                                       "left untouched")
                # Cut inside the header: the run is unknown, refused.
                with open(journal, "wb") as f:
                    f.write(good[:header_end // 2])
                self.assertRefused(["-c", str(CONCURRENCY), "--format", fmt, path], output, "header is incomplete")
                # Cut between the header and the end: a torn tail; the records before the cut count.
                cut = rng.randrange(header_end, len(good))
                with open(journal, "wb") as f:
                    f.write(good[:cut])
                code, _, err, _ = self.run_urlsweep(["-q", "-c", str(CONCURRENCY), "--resume", "--format", fmt,
                                                     "-o", output, path])
                self.assertEqual(code, 0, err)
                if fmt == "csv":
                    self.assertEveryLineOnce(self.rows(output), range(1, URL_COUNT + 1))

    def test_a_named_pipe_written_slowly_gets_every_row(self):
        fifo = os.path.join(self.tmp, "urls.fifo")
        os.mkfifo(fifo)
        lines = self.urls("f", FIFO_LINES)
        # The writer opens the pipe once (exec 3>) and writes one line at a time; a write with no reader
        # would kill it with SIGPIPE (exit 141 from sh, or -13).
        script = ("exec 3>\"$0\"; for url in \"$@\"; do printf '%%s\\n' \"$url\" >&3; sleep %s; done"
                  % FIFO_PAUSE_S)
        output = os.path.join(self.tmp, "fifo.csv")
        scanner = subprocess.Popen(self.argv(["-q", "-o", output, fifo]), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=fixtures.clean_env())
        writer = subprocess.Popen(["sh", "-c", script, fifo] + lines)
        try:
            writer.wait(timeout=60)
            if writer.returncode != 0:
                # urlsweep then waits for a writer that will never come: stop it.
                scanner.kill()
            _, err = scanner.communicate(timeout=fixtures.SCAN_TIMEOUT_S)
        finally:
            for proc in (writer, scanner):
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        self.assertEqual(writer.returncode, 0, "the writer died (SIGPIPE is -13, or 141 from sh)")
        self.assertEqual(scanner.returncode, 0, err.decode("utf-8", "replace")[-2000:])
        self.assertEveryLineOnce(self.rows(output), range(1, FIFO_LINES + 1))


if __name__ == "__main__":
    fixtures.main()
