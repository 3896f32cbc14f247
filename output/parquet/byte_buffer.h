// ByteBuffer: a growable byte array for the writer's hot paths. Unlike std::string, making room does
// not zero-fill bytes that are about to be overwritten, and appending a length prefix and its value is
// one capacity check and two stores instead of two appends. Capacity is kept across clear(), so a long
// scan stops allocating after its first row group. PodVector is the same idea for std::vector: resize()
// leaves new integers for the caller to write.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <utility>
#include <vector>

namespace urlsweep::parquet {

class ByteBuffer {
 public:
  ByteBuffer() = default;
  ByteBuffer(const ByteBuffer&) = delete;
  ByteBuffer& operator=(const ByteBuffer&) = delete;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const char* data() const { return data_.get(); }
  char* data() { return data_.get(); }
  std::string_view view() const { return std::string_view(data_.get(), size_); }
  void clear() { size_ = 0; }
  // Drops bytes past `size` (which must not exceed size()).
  void Truncate(size_t size) { size_ = size; }

  // Makes room for `n` more bytes and returns where they start; the caller writes all of them.
  char* Extend(size_t n) {
    if (capacity_ - size_ < n) Grow(n);
    char* p = data_.get() + size_;
    size_ += n;
    return p;
  }
  void Append(std::string_view bytes) {
    if (!bytes.empty()) std::memcpy(Extend(bytes.size()), bytes.data(), bytes.size());
  }

 private:
  // Doubling keeps appends amortized O(1); the first allocation is large enough that a row group's
  // first rows do not reallocate again and again.
  static constexpr size_t kMinCapacity = 4096;

  void Grow(size_t n) {
    const size_t capacity = std::max({kMinCapacity, size_ + n, capacity_ * 2});
    auto bigger = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// An allocator whose value-less construct() default-initializes: std::vector::resize() then leaves
// trivial elements unwritten instead of zero-filling what the caller overwrites next.
template <typename T>
struct NoZeroFillAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = NoZeroFillAllocator<U>;
  };
  NoZeroFillAllocator() = default;
  template <typename U>
  NoZeroFillAllocator(const NoZeroFillAllocator<U>&) noexcept {}

  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// A vector of integers or doubles (per-row levels and values) whose resize() does not zero-fill.
template <typename T>
using PodVector = std::vector<T, NoZeroFillAllocator<T>>;

}  // namespace urlsweep::parquet
