// The Cache interface's default shared read: get() wrapped once, for backends that copy anyway.
#include "cruddur/cache/cache.hpp"

namespace cruddur::cache {

asio::awaitable<std::shared_ptr<const std::string>> Cache::get_shared(std::string key) {
  auto value = co_await get(std::move(key));
  if (!value) co_return nullptr;
  co_return std::make_shared<const std::string>(std::move(*value));
}

}  // namespace cruddur::cache
