// The Parquet schema of a Row: the fixed columns (docs/output.md) in order, then the run's optional ones,
// each with the ColumnWriter that pulls its value out of a Row.
#pragma once

#include <memory>
#include <vector>

#include "core/row.h"
#include "output/parquet/column_writer.h"

namespace urlsweep::parquet {

// One writer per column, in kColumnNames order, then one per `extra` column.
std::vector<std::unique_ptr<ColumnWriter>> MakeRowColumnWriters(const ColumnWriterOptions& options,
                                                                const ExtraColumns& extra = ExtraColumns::None());

}  // namespace urlsweep::parquet
