// Stream sequence numbers compare as numbers, whatever their length (the aws layer's order,
// which the metrics sync and the checkpoints rely on).
#include "cruddur/service/sequence_number.hpp"

#include <gtest/gtest.h>

#include "cruddur/aws/dynamodb_streams.hpp"

namespace cruddur::service {
namespace {

TEST(SequenceNumber, ShorterIsSmallerAsANumber) {
  using aws::compare_sequence_numbers;
  EXPECT_LT(compare_sequence_numbers("9", "10"), 0);
  EXPECT_LT(compare_sequence_numbers("99999999999999999999", "100000000000000000000"), 0);
  // As text "4000…" > "1100…"; as numbers the 21-digit one is smaller than the 22-digit one.
  EXPECT_LT(compare_sequence_numbers("400000000000000000001", "1100000000017454423009"), 0);
  EXPECT_GT(compare_sequence_numbers("1100000000017454423010", "1100000000017454423009"), 0);
  EXPECT_EQ(compare_sequence_numbers("1100000000017454423009", "1100000000017454423009"), 0);
  EXPECT_EQ(compare_sequence_numbers("0042", "42"), 0);
  EXPECT_EQ(compare_sequence_numbers("0", "000"), 0);
}

TEST(SequenceNumber, OnlyDigitsUpToFortyOfThem) {
  EXPECT_TRUE(is_sequence_number("1"));
  EXPECT_TRUE(is_sequence_number(std::string(40, '9')));
  EXPECT_FALSE(is_sequence_number(std::string(41, '9')));
  EXPECT_FALSE(is_sequence_number(""));
  EXPECT_FALSE(is_sequence_number("-1"));
  EXPECT_FALSE(is_sequence_number("1e21"));
  EXPECT_FALSE(is_sequence_number(" 1"));
}

}  // namespace
}  // namespace cruddur::service
