#include "core/output_format.h"

namespace urlsweep {

std::string_view OutputFormatName(OutputFormat format) {
  for (const OutputFormatInfo& info : kOutputFormats) {
    if (info.format == format) return info.name;
  }
  return kOutputFormats[0].name;
}

bool OutputFormatIsStreamed(OutputFormat format) {
  for (const OutputFormatInfo& info : kOutputFormats) {
    if (info.format == format) return info.streamed;
  }
  return false;
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

std::string_view OutputCompressionName(OutputCompression compression) {
  for (const OutputCompressionInfo& info : kOutputCompressions) {
    if (info.compression == compression) return info.name;
  }
  return kOutputCompressions[0].name;
}

bool OutputCompressionFromName(std::string_view name, OutputCompression* out) {
  for (const OutputCompressionInfo& info : kOutputCompressions) {
    if (info.name == name) {
      *out = info.compression;
      return true;
    }
  }
  return false;
}

OutputName ParseOutputName(std::string_view path) {
  OutputName out;
  std::string_view base = path.substr(path.rfind('/') + 1);  // npos + 1 == 0: the whole path
  for (const OutputCompressionInfo& info : kOutputCompressions) {
    // Longer than the suffix: ".gz" alone is a hidden file's name, not a compressed one.
    if (!info.suffix.empty() && base.size() > info.suffix.size() &&
        base.substr(base.size() - info.suffix.size()) == info.suffix) {
      out.compression = info.compression;
      base.remove_suffix(info.suffix.size());
      break;
    }
  }
  const size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return out;
  const std::string_view extension = base.substr(dot);
  for (const OutputExtensionInfo& info : kOutputExtensions) {
    if (info.extension == extension) {
      out.kind = OutputName::Kind::kFormat;
      out.format = info.format;
      return out;
    }
  }
  out.kind = OutputName::Kind::kUnknownExtension;
  out.extension = extension;
  return out;
}

}  // namespace urlsweep
