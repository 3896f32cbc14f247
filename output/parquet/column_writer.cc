#include "output/parquet/column_writer.h"

namespace urlsweep::parquet {

void ColumnWriterState::Reset() {
  def_levels.clear();
  num_rows = 0;
  null_count = 0;
}

size_t ColumnWriter::CountPresent(const ColumnWriterState& state, size_t begin, size_t end,
                                  bool optional) {
  if (!optional) return end - begin;
  size_t present = 0;
  for (size_t i = begin; i < end; ++i) present += state.def_levels[i];
  return present;
}

}  // namespace urlsweep::parquet
