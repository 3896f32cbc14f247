// `urlsweep report RESULTS -o PATH [--format csv|jsonl|parquet]`: reads a result file and writes a
// self-contained HTML report of it (see README.md in this folder).
#pragma once

namespace urlsweep {

// argv[0] is "report". Returns the exit status: 0 when the report was written, 1 on any error (a bad
// flag, an unreadable or malformed result, an unwritable output), after one line on standard error.
int ReportMain(int argc, char** argv);

}  // namespace urlsweep
