// Stream sequence numbers: what a valid one looks like.
#include "cruddur/service/sequence_number.hpp"

#include <algorithm>

namespace cruddur::service {
namespace {

constexpr std::size_t kMaxDigits = 40;

}  // namespace

bool is_sequence_number(std::string_view text) {
  return !text.empty() && text.size() <= kMaxDigits
         && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace cruddur::service
