// Stream sequence numbers: numeric strings of varying length, compared as numbers.
#include "cruddur/service/sequence_number.hpp"

#include <algorithm>

namespace cruddur::service {
namespace {

constexpr std::size_t kMaxDigits = 40;

std::string_view without_leading_zeros(std::string_view text) {
  auto first = text.find_first_not_of('0');
  return first == std::string_view::npos ? std::string_view() : text.substr(first);
}

}  // namespace

bool is_sequence_number(std::string_view text) {
  return !text.empty() && text.size() <= kMaxDigits
         && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int compare_sequence_numbers(std::string_view a, std::string_view b) {
  a = without_leading_zeros(a);
  b = without_leading_zeros(b);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
}

}  // namespace cruddur::service
