// TaskQueue: tasks waiting for their turn, first in first out, linked through the tasks themselves. A
// task waits in at most one queue at a time (its host's gate, or the loop's rate queue), so one link in
// the Task serves both and waiting never allocates.
#pragma once

namespace urlsweep {

class Task;

class TaskQueue {
 public:
  bool empty() const { return head_ == nullptr; }
  void PushBack(Task* task);
  // The first task, taken out; nullptr when empty.
  Task* PopFront();
  // Takes `task` out wherever it waits; a task not in the queue changes nothing but its link.
  void Remove(Task* task);

 private:
  Task* head_ = nullptr;
  Task* tail_ = nullptr;
};

}  // namespace urlsweep
