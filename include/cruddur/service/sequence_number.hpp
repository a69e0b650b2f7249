#pragma once

#include <string_view>

namespace cruddur::service {

/// True for a stream sequence number: 1 to 40 decimal digits (DynamoDB's are 21–40 long). Order
/// them with aws::compare_sequence_numbers, which compares them as numbers.
bool is_sequence_number(std::string_view text);

}  // namespace cruddur::service
