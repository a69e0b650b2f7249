// The `none://` backend: caching switched off.
#include "none_cache.hpp"

namespace cruddur::cache {

asio::awaitable<std::optional<std::string>> NoneCache::get(std::string /*key*/) {
  co_return std::nullopt;
}

asio::awaitable<void> NoneCache::set(std::string /*key*/, std::string /*value*/,
                                     std::chrono::seconds /*ttl*/) {
  co_return;
}

asio::awaitable<void> NoneCache::del(std::vector<std::string> /*keys*/) {
  co_return;
}

}  // namespace cruddur::cache
