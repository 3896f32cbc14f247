// Which --shard an input line belongs to, for the lines a --resume holds back while it checks the input
// the interrupted run had read (scanner/journal.h): only this shard's lines are kept in memory.
#pragma once

#include "scanner/line_splitter.h"

namespace urlsweep {

// Whether `line` is in shard `index` of `count`: by the StableHash of its host, or of its text when it
// is not a usable URL, as the input thread of scan.cc decides. Always true for count <= 1.
bool LineInShard(const InputLine& line, int index, int count);

}  // namespace urlsweep
