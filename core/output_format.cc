#include "core/output_format.h"

namespace urlsweep {

std::string_view OutputFormatName(OutputFormat format) {
  for (const OutputFormatInfo& info : kOutputFormats) {
    if (info.format == format) return info.name;
  }
  return kOutputFormats[0].name;
}

bool OutputFormatFromName(std::string_view name, OutputFormat* out) {
  for (const OutputFormatInfo& info : kOutputFormats) {
    if (info.name == name) {
      *out = info.format;
      return true;
    }
  }
  return false;
}

bool OutputFormatFromExtension(std::string_view path, OutputFormat* out) {
  for (const OutputFormatInfo& info : kOutputFormats) {
    if (!info.extension.empty() && path.size() >= info.extension.size() &&
        path.substr(path.size() - info.extension.size()) == info.extension) {
      *out = info.format;
      return true;
    }
  }
  return false;
}

}  // namespace urlsweep
