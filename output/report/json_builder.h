// JsonBuilder: the report's JSON block, written value by value with the commas in place. Strings are
// escaped for JSON and for the <script> element that holds them: '<' is written \u003c, so no value
// can end the element ("</script") or open a comment ("<!--"). Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace urlsweep {

class JsonBuilder {
 public:
  explicit JsonBuilder(std::string* out) : out_(out) {}

  void Open(char bracket);   // '{' or '['
  void Close(char bracket);  // '}' or ']'
  void Key(std::string_view key);
  void Str(std::string_view value);
  // A string that may hold a URL (a row's url, error_detail, a header): ':' and '/' are written
  // \u003a and \/ as well, so that the page's bytes hold no URL for a link scanner to follow.
  void InertStr(std::string_view value);
  void Int(int64_t value);
  // The shortest text that reads back as the same double (std::to_chars), so a reader compares
  // exactly; null for NaN and infinities, which JSON has no word for.
  void Double(double value);
  void Null();

 private:
  void Comma();
  void String(std::string_view value, bool inert);

  std::string* out_;
  bool first_ = true;
};

}  // namespace urlsweep
