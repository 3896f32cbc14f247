// VisitColumns: walks a Row's columns in their documented order (core/row.h kColumnNames, then the run's
// ExtraColumns), so that the text writers share one list of columns instead of each repeating it. Absent
// values reach the visitor as Null(): OptString without value, an empty std::optional, ErrorCode::kNone, a
// non-finite duration, a captured header the row has no slot for.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/errors.h"
#include "core/row.h"

namespace urlsweep {

// `Visitor` provides, each taking the column's index first (into kColumnNames, then kColumnNames.size() + i
// for extra column i):
//   void Null(int column);
//   void Int(int column, int64_t value);
//   void String(int column, std::string_view bytes);  // bytes as stored, not necessarily UTF-8
//   void Timestamp(int column, int64_t micros_since_epoch);
//   void Millis(int column, double ms);                 // always finite
template <typename Visitor>
void VisitColumns(const Row& row, const ExtraColumns& extra, Visitor& visitor) {
  int column = 0;
  auto opt_string = [&](const OptString& s) {
    if (s.has_value()) {
      visitor.String(column++, s.view());
    } else {
      visitor.Null(column++);
    }
  };
  auto opt_int = [&](const auto& v) {
    if (v.has_value()) {
      visitor.Int(column++, static_cast<int64_t>(*v));
    } else {
      visitor.Null(column++);
    }
  };
  auto opt_time = [&](const std::optional<int64_t>& v) {
    if (v.has_value()) {
      visitor.Timestamp(column++, *v);
    } else {
      visitor.Null(column++);
    }
  };
  // A NaN or infinite duration could only come from a clock bug; "nan" is not valid JSON, so it is absent.
  auto opt_millis = [&](const std::optional<double>& v) {
    if (v.has_value() && std::isfinite(*v)) {
      visitor.Millis(column++, *v);
    } else {
      visitor.Null(column++);
    }
  };

  visitor.Int(column++, row.line);
  visitor.String(column++, row.url);
  opt_string(row.final_url);
  opt_string(row.host);
  opt_string(row.ip);
  opt_int(row.port);
  opt_int(row.status);
  opt_string(row.reason);
  opt_string(row.http_version);
  if (row.error == ErrorCode::kNone) {
    visitor.Null(column++);
  } else {
    visitor.String(column++, ErrorName(row.error));
  }
  opt_string(row.error_detail);
  visitor.Int(column++, row.redirects);
  opt_string(row.location);
  opt_string(row.content_type);
  opt_int(row.content_length);
  opt_string(row.server);
  opt_string(row.title);
  opt_int(row.body_bytes);
  opt_string(row.tls_version);
  opt_string(row.tls_verify);
  opt_time(row.cert_not_after_us);
  visitor.Int(column++, row.attempts);
  opt_millis(row.dns_ms);
  opt_millis(row.connect_ms);
  opt_millis(row.tls_ms);
  opt_millis(row.ttfb_ms);
  opt_millis(row.total_ms);
  opt_time(row.started_at_us);
  opt_string(row.proxy);
  opt_string(row.proxy_auth);
  for (size_t i = 0; i < extra.header_names.size(); ++i) {
    if (i < row.headers.size()) {
      opt_string(row.headers[i]);
    } else {
      visitor.Null(column++);
    }
  }
  if (extra.body_sha256) opt_string(row.body_sha256);
}

}  // namespace urlsweep
