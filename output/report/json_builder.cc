#include "output/report/json_builder.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "output/jsonl_writer.h"

namespace urlsweep {

void JsonBuilder::Open(char bracket) {
  Comma();
  out_->push_back(bracket);
  first_ = true;
}

void JsonBuilder::Close(char bracket) {
  out_->push_back(bracket);
  first_ = false;
}

void JsonBuilder::Key(std::string_view key) {
  Comma();
  String(key, /*inert=*/false);
  out_->push_back(':');
  first_ = true;
}

void JsonBuilder::Str(std::string_view value) {
  Comma();
  String(value, /*inert=*/false);
}

void JsonBuilder::InertStr(std::string_view value) {
  Comma();
  String(value, /*inert=*/true);
}

void JsonBuilder::Int(int64_t value) {
  Comma();
  absl::StrAppend(out_, value);
}

void JsonBuilder::Double(double value) {
  Comma();
  if (!std::isfinite(value)) {
    out_->append("null");
    return;
  }
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  out_->append(buffer, static_cast<size_t>(end - buffer));
}

void JsonBuilder::Null() {
  Comma();
  out_->append("null");
}

void JsonBuilder::Comma() {
  if (!first_) out_->push_back(',');
  first_ = false;
}

void JsonBuilder::String(std::string_view value, bool inert) {
  const size_t begin = out_->size();
  JsonlWriter::AppendString(value, out_);
  // Escaped JSON never holds these bytes but as themselves, so they are replaced after the fact.
  bool any = false;
  for (size_t i = begin; i < out_->size() && !any; ++i) {
    const char c = (*out_)[i];
    any = c == '<' || (inert && (c == ':' || c == '/'));
  }
  if (!any) return;
  std::string escaped;
  for (size_t i = begin; i < out_->size(); ++i) {
    const char c = (*out_)[i];
    if (c == '<') {
      escaped.append("\\u003c");
    } else if (inert && c == ':') {
      escaped.append("\\u003a");
    } else if (inert && c == '/') {
      escaped.append("\\/");
    } else {
      escaped.push_back(c);
    }
  }
  out_->resize(begin);
  out_->append(escaped);
}

}  // namespace urlsweep
