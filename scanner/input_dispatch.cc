#include "scanner/input_dispatch.h"

#include <utility>

#include "scanner/scheme_fallback.h"
#include "scanner/shard.h"
#include "scanner/url.h"

namespace urlsweep {

DispatchResult DispatchInput(const Config& config, InputReader* input, LineSet* skip,
                             const std::vector<std::unique_ptr<Worker>>& workers, BatchPool<InputBatch>* pool,
                             DispatchProgress* progress, absl::FunctionRef<bool()> should_stop) {
  std::vector<InputBatch*> pending(workers.size(), nullptr);
  auto hand_over = [&](size_t i) {
    if (pending[i] == nullptr || pending[i]->count == 0) return;
    if (!workers[i]->input()->Push(pending[i])) pool->Put(pending[i]);  // closed by a stop
    pending[i] = nullptr;
    workers[i]->Wake();
  };
  // A pipe or terminal with nothing more yet: the lines read so far go to their loops now, not once
  // a batch fills or more input comes.
  input->SetBeforeWait([&] {
    for (size_t i = 0; i < workers.size(); ++i) hand_over(i);
  });
  DispatchResult result;
  InputLine line;
  InputItem parsed;
  const bool by_line = config.shard_count > 1 && config.shard_by == ShardBy::kLine;
  // Only this thread writes them: plain loads and stores, no locked instruction per line.
  int64_t rows_seen = 0;
  auto publish = [&] {
    progress->lines_read.store(input->lines_seen(), std::memory_order_relaxed);
    progress->rows_seen.store(rows_seen, std::memory_order_relaxed);
  };
  for (;;) {
    if (should_stop()) break;
    absl::StatusOr<bool> more = input->Next(&line);
    if (!more.ok()) {
      result.read_status = more.status();
      break;
    }
    if (!*more) {
      publish();
      progress->total.store(rows_seen, std::memory_order_relaxed);
      break;
    }
    publish();
    // --shard-by line: the line number alone decides, before any parsing.
    if (by_line && !LineNumberInShard(line.line, config.shard_index, config.shard_count)) continue;
    // --resume: lines whose rows are already in the output are not scanned again.
    if (skip != nullptr && skip->ContainsNext(line.line)) continue;
    // The host picks the shard and the loop, so parse before choosing a batch; `parsed` is then swapped
    // into the batch slot, and the slot's old strings come back to be reused for the next line.
    const char* detail = "";
    parsed.line = line.line;
    parsed.text.assign(line.text);
    if (line.too_long) {
      parsed.valid = false;
      parsed.invalid_detail = line.truncated ? "URL longer than 8192 bytes (url holds its first 65536 bytes)"
                                             : "URL longer than 8192 bytes";
    } else {
      parsed.valid = ParseUrl(line.text, &parsed.target, &detail, SchemeLessFirstIsHttps(config.scheme_less));
      parsed.invalid_detail = detail;
    }
    const uint64_t h = parsed.valid ? StableHash(parsed.target.host) : StableHash(parsed.text);
    // --shard (--shard-by host): chosen by the host's hash, so one host's politeness limits hold inside
    // one shard.
    if (config.shard_count > 1 && !by_line && !HostHashInShard(h, config.shard_index, config.shard_count)) {
      continue;
    }
    ++rows_seen;
    const size_t loop_index = workers.size() == 1 ? 0 : (h >> 32) % workers.size();
    if (pending[loop_index] == nullptr) pending[loop_index] = pool->Get(kInputBatchItems);
    InputBatch* batch = pending[loop_index];
    std::swap(batch->items[batch->count++], parsed);
    ++result.dispatched;
    // Hand over full batches, and partial ones as soon as the loop has nothing queued (so a slow input
    // such as a pipe is never held back waiting for a batch to fill).
    if (batch->count == batch->items.size() || workers[loop_index]->input()->approx_size() == 0) {
      hand_over(loop_index);
    }
  }
  input->SetBeforeWait(nullptr);
  publish();
  for (size_t i = 0; i < workers.size(); ++i) hand_over(i);
  for (InputBatch* b : pending) {
    if (b != nullptr) pool->Put(b);
  }
  return result;
}

}  // namespace urlsweep
