// MakeRowWriter: the writer for a run's --format. The interface is in row_writer.h, the file it writes
// to in output_file.h; both come with this header, as every caller of the factory needs them.
#pragma once

#include <memory>

#include "core/options.h"
#include "output/output_file.h"
#include "output/row_writer.h"

namespace urlsweep {

// Makes the writer for `config.format` writing to `file` (which must outlive the writer).
std::unique_ptr<RowWriter> MakeRowWriter(const Config& config, OutputFile* file);

}  // namespace urlsweep
