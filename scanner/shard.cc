#include "scanner/shard.h"

#include <cstdint>

#include "scanner/url.h"

namespace urlsweep {

bool LineInShard(const InputLine& line, int index, int count, ShardBy by) {
  if (count <= 1) return true;
  if (by == ShardBy::kLine) return LineNumberInShard(line.line, index, count);
  Target target;
  const char* detail = "";
  const bool valid = !line.too_long && ParseUrl(line.text, &target, &detail);
  const uint64_t h = valid ? StableHash(target.host) : StableHash(line.text);
  return HostHashInShard(h, index, count);
}

}  // namespace urlsweep
