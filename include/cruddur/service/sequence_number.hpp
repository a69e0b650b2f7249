#pragma once

#include <string_view>

namespace cruddur::service {

/// True for a stream sequence number: 1 to 40 decimal digits (DynamoDB's are 21–40 long).
bool is_sequence_number(std::string_view text);

/// Compares two sequence numbers as the numbers they are (`"9" < "10"`; leading zeros do not
/// count): negative, zero or positive. Both must satisfy is_sequence_number.
int compare_sequence_numbers(std::string_view a, std::string_view b);

}  // namespace cruddur::service
