#pragma once

#include <utility>

namespace cruddur::core {

/// Runs `action` when the scope ends, however it ends (return, exception, a coroutine frame
/// destroyed mid-suspension): for clean-up that must not be skipped. `action` must not throw.
/// Not copyable or movable; name it (`ScopeExit done{[&] {...}};`) so it lives to the scope's end.
template <typename Action>
class ScopeExit {
 public:
  explicit ScopeExit(Action action) : action_(std::move(action)) {}
  ~ScopeExit() { action_(); }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;

 private:
  Action action_;
};

}  // namespace cruddur::core
