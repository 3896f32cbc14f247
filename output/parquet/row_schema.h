// The Parquet schema of a Row: the contract's 28 columns (docs/output.md) in order,
// each with the ColumnWriter that pulls its value out of a Row.
#pragma once

#include <memory>
#include <vector>

#include "output/parquet/column_writer.h"

namespace urlsweep::parquet {

// One writer per column, in kColumnNames order.
std::vector<std::unique_ptr<ColumnWriter>> MakeRowColumnWriters(const ColumnWriterOptions& options);

}  // namespace urlsweep::parquet
