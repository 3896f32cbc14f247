#include "output/parquet/row_schema.h"

#include <optional>
#include <string>
#include <string_view>

#include "output/parquet/primitive_column_writer.h"
#include "output/parquet/string_column_writer.h"

namespace urlsweep::parquet {

namespace {

constexpr Repetition kRequired = Repetition::kRequired;
constexpr Repetition kOptional = Repetition::kOptional;

}  // namespace

std::vector<std::unique_ptr<ColumnWriter>> MakeRowColumnWriters(const ColumnWriterOptions& options,
                                                                const ExtraColumns& extra) {
  std::vector<std::unique_ptr<ColumnWriter>> columns;
  // Dictionaries for strings that repeat across rows (a scan sees few distinct servers, content types,
  // errors; hosts repeat when a list holds many URLs per host); PLAIN for those unique per row (url,
  // final_url, location). A dictionary that does not pay off is dropped per chunk (string_column_writer.h).
  constexpr bool kDictionary = true;
  constexpr bool kPlain = false;
  auto string = [&](std::string_view name, StringField field, bool use_dictionary) {
    const Repetition repetition = field.required != nullptr ? kRequired : kOptional;
    columns.push_back(std::make_unique<StringColumnWriter>(
        ColumnSchema{std::string(name), PhysicalType::kByteArray, repetition, LogicalKind::kString}, options, field,
        use_dictionary));
  };
  auto int32 = [&](std::string_view name, PrimitiveField<int32_t> field) {
    const Repetition repetition = field.required != nullptr ? kRequired : kOptional;
    columns.push_back(std::make_unique<PrimitiveColumnWriter<int32_t>>(
        ColumnSchema{std::string(name), PhysicalType::kInt32, repetition}, options, field));
  };
  auto int64 = [&](std::string_view name, PrimitiveField<int64_t> field, LogicalKind logical) {
    const Repetition repetition = field.required != nullptr ? kRequired : kOptional;
    columns.push_back(std::make_unique<PrimitiveColumnWriter<int64_t>>(
        ColumnSchema{std::string(name), PhysicalType::kInt64, repetition, logical}, options, field));
  };
  auto float64 = [&](std::string_view name, std::optional<double> Row::*member) {
    columns.push_back(std::make_unique<PrimitiveColumnWriter<double>>(
        ColumnSchema{std::string(name), PhysicalType::kDouble, kOptional}, options, PrimitiveField<double>(member)));
  };
  constexpr LogicalKind kNone = LogicalKind::kNone;
  constexpr LogicalKind kTimestamp = LogicalKind::kTimestampMicrosUtc;

  int64("line", &Row::line, kNone);
  string("url", &Row::url, kPlain);
  string("final_url", &Row::final_url, kPlain);
  string("host", &Row::host, kDictionary);
  string("ip", &Row::ip, kDictionary);
  int32("port", &Row::port);
  int32("status", &Row::status);
  string("reason", &Row::reason, kDictionary);
  string("http_version", &Row::http_version, kDictionary);
  string("error", &Row::error, kDictionary);
  string("error_detail", &Row::error_detail, kDictionary);
  int32("redirects", &Row::redirects);
  string("location", &Row::location, kPlain);
  string("content_type", &Row::content_type, kDictionary);
  int64("content_length", &Row::content_length, kNone);
  string("server", &Row::server, kDictionary);
  string("title", &Row::title, kDictionary);
  int64("body_bytes", &Row::body_bytes, kNone);
  string("tls_version", &Row::tls_version, kDictionary);
  string("tls_verify", &Row::tls_verify, kDictionary);
  int64("cert_not_after", &Row::cert_not_after_us, kTimestamp);
  int32("attempts", &Row::attempts);
  float64("dns_ms", &Row::dns_ms);
  float64("connect_ms", &Row::connect_ms);
  float64("tls_ms", &Row::tls_ms);
  float64("ttfb_ms", &Row::ttfb_ms);
  float64("total_ms", &Row::total_ms);
  int64("started_at", &Row::started_at_us, kTimestamp);
  string("proxy", &Row::proxy, kDictionary);
  string("proxy_auth", &Row::proxy_auth, kDictionary);
  for (size_t i = 0; i < extra.header_names.size(); ++i) {
    string(extra.Name(i), StringField::Header(i), kDictionary);
  }
  if (extra.body_sha256) string("body_sha256", &Row::body_sha256, kPlain);
  return columns;
}

}  // namespace urlsweep::parquet
