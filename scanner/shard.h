// Which --shard an input line belongs to (--shard-by host or line), for the input thread and for the
// lines a --resume holds back while it checks the input the interrupted run had read (scanner/journal.h):
// only this shard's lines are kept in memory.
#pragma once

#include <cstdint>

#include "core/options.h"
#include "scanner/line_splitter.h"

namespace urlsweep {

// --shard-by line: whether line number `line` is in shard `index` of `count`: line mod N = I, so
// consecutive lines go to consecutive shards and no two shards differ by more than one line of any
// stretch of the input.
inline bool LineNumberInShard(int64_t line, int index, int count) { return line % count == index; }

// --shard-by host: whether a line whose host (or, for a line that is not a usable URL, whose text) has
// StableHash `host_hash` is in shard `index` of `count`: every URL of a host lands in one shard.
inline bool HostHashInShard(uint64_t host_hash, int index, int count) {
  return host_hash % static_cast<uint64_t>(count) == static_cast<uint64_t>(index);
}

// Whether `line` is in shard `index` of `count`: by its number (--shard-by line), or by the StableHash of
// its host, or of its text when it is not a usable URL (--shard-by host), as the input thread decides.
// Always true for count <= 1.
bool LineInShard(const InputLine& line, int index, int count, ShardBy by);

}  // namespace urlsweep
