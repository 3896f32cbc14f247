#include "scanner/man_page.h"

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "core/errors.h"
#include "core/row.h"
#include "core/text.h"
#include "core/version.h"
#include "scanner/help_text.h"

namespace urlsweep {
namespace {

// Text for a roff line (groff_man(7), "Portability"): a backslash is written \e and a minus \-, so
// that flags print as ASCII hyphens people can copy, and a line never starts with a control
// character ('.' or '\'').
std::string Roff(std::string_view text) {
  std::string out;
  if (!text.empty() && (text.front() == '.' || text.front() == '\'')) out = "\\&";
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void AppendFlag(const FlagDoc& doc, std::string* out) {
  // .TP: the tag line, then the indented paragraph.
  *out += ".TP\n";
  std::string tag;
  if (!doc.short_name.empty()) absl::StrAppend(&tag, "\\fB", Roff(doc.short_name), "\\fR");
  if (!doc.short_name.empty() && !doc.long_name.empty()) tag += ", ";
  if (!doc.long_name.empty()) absl::StrAppend(&tag, "\\fB", Roff(doc.long_name), "\\fR");
  if (!doc.argument.empty()) absl::StrAppend(&tag, " \\fI", Roff(doc.argument), "\\fR");
  absl::StrAppend(out, tag, "\n", Roff(doc.meaning), ".");
  if (!doc.fallback.empty()) absl::StrAppend(out, " Default: ", Roff(doc.fallback), ".");
  *out += "\n";
}

constexpr std::string_view kHead = R"(.SH NAME
urlsweep \- fetch large lists of URLs over HTTP and HTTPS, one result row per URL
.SH SYNOPSIS
.B urlsweep
[\fIFLAGS\fR] [\fIFILE\fR ...]
.br
.B urlsweep report
[\fB\-o\fR \fIPAGE.html\fR] [\fB\-\-format\fR \fIF\fR] \fIRESULTS\fR ...
.SH DESCRIPTION
.B urlsweep
reads URLs, one a line, from each
.I FILE
in order (\fB\-\fR or none: standard input; a \fB.gz\fR file is read decompressed) and writes exactly one
row per URL line: the status, headers, title, TLS facts and timings of the response, or the one error
word that says why there is none. Blank lines and lines starting with # are skipped; a line without a
scheme means http://.
.PP
Rows go to standard output or to the \fB\-\-output\fR file as CSV, JSON Lines or Parquet, or as one
line per URL for people (\fB\-\-format text\fR, the default when standard output is a terminal).
.PP
Short flags combine (\fB\-sLk\fR). A value follows its flag as the next argument, after \fB=\fR
(\fB\-\-output=out.csv\fR), or directly after a short flag (\fB\-oout.csv\fR); \fB\-o=out.csv\fR is
refused, since it would name a file \fB=out.csv\fR. \fB\-\-\fR ends the flags.
.PP
.B urlsweep report
reads result files (CSV, JSON Lines or Parquet) and writes one HTML page of counts, timings and
errors; see \fBurlsweep report \-\-help\fR.
.SH OPTIONS
)";

constexpr std::string_view kExitAndEnvironment = R"(.SH EXIT STATUS
.TP
.B 0
the run finished, whatever the URLs answered
.TP
.B 1
a fatal error of the run itself: a bad flag, an unreadable input, an unwritable output; one line on
standard error says which
.TP
.B 2
the run finished and a row matched \fB\-\-fail\-on\fR
.TP
.B 130, 143
stopped by SIGINT or SIGTERM; every row finished before the end is written whole, and
\fB\-\-resume\fR continues a file
.PP
A fatal error comes before a signal, and a signal before \fB\-\-fail\-on\fR.
.SH ENVIRONMENT
.TP
.B http_proxy, https_proxy, HTTPS_PROXY
without \fB\-\-proxy\fR: the proxy for http URLs, and for https URLs
.TP
.B no_proxy, NO_PROXY
hosts that never go through those proxies: comma-separated names, each matching itself and its
subdomains; * matches every host
.TP
.B SSL_CERT_FILE, SSL_CERT_DIR
trusted roots, as OpenSSL reads them, beside \fB\-\-ca\-file\fR
.SH EXAMPLES
.TP
.B urlsweep urls.txt
one line per URL on the terminal
.TP
.B urlsweep \-c 2000 \-\-per\-host 4 \-o results.parquet urls.txt.gz
a large list into a Parquet file
.TP
.B urlsweep \-sL \-\-fail\-on error,5xx urls.txt > /dev/null
a check for scripts: exit 2 when a URL fails or answers 5xx
.TP
.B urlsweep report \-o page.html results.parquet
an HTML page about a finished run
)";

}  // namespace

std::string ManPage() {
  std::string out = absl::StrCat(".TH URLSWEEP 1 \"\" \"urlsweep ", kVersion, "\" \"User Commands\"\n");
  out += kHead;
  for (const FlagDoc& doc : FlagDocs()) AppendFlag(doc, &out);
  out += ".SH OUTPUT\nOne row per input line, in completion order; \\fBline\\fR says which. The columns, in order:\n";
  std::string columns;
  for (std::string_view name : kColumnNames) absl::StrAppend(&columns, columns.empty() ? "" : ", ", ToAbsl(name));
  absl::StrAppend(&out, "\\fB", Roff(columns), "\\fR.\n");
  out += ".PP\nA row that failed has one error word in \\fBerror\\fR and a detail in \\fBerror_detail\\fR:\n";
  std::string words;
  for (int i = 1; i < kErrorCodeCount; ++i) {
    absl::StrAppend(&words, words.empty() ? "" : ", ", ToAbsl(ErrorName(static_cast<ErrorCode>(i))));
  }
  absl::StrAppend(&out, Roff(words), ".\n");
  out += kExitAndEnvironment;
  out += ".SH SEE ALSO\n.BR curl (1)\n";
  return out;
}

}  // namespace urlsweep
