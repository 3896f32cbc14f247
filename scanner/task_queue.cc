#include "scanner/task_queue.h"

#include "scanner/task.h"

namespace urlsweep {

void TaskQueue::PushBack(Task* task) {
  task->next_waiting_ = nullptr;
  if (tail_ != nullptr) {
    tail_->next_waiting_ = task;
  } else {
    head_ = task;
  }
  tail_ = task;
}

Task* TaskQueue::PopFront() {
  Task* first = head_;
  if (first == nullptr) return nullptr;
  head_ = first->next_waiting_;
  if (head_ == nullptr) tail_ = nullptr;
  first->next_waiting_ = nullptr;
  return first;
}

void TaskQueue::Remove(Task* task) {
  Task* prev = nullptr;
  for (Task* t = head_; t != nullptr; prev = t, t = t->next_waiting_) {
    if (t != task) continue;
    if (prev != nullptr) {
      prev->next_waiting_ = t->next_waiting_;
    } else {
      head_ = t->next_waiting_;
    }
    if (tail_ == t) tail_ = prev;
    break;
  }
  task->next_waiting_ = nullptr;
}

}  // namespace urlsweep
