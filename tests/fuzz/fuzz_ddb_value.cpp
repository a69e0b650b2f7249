// libFuzzer target: bytes → JSON → the DynamoDB JSON value decoder (aws/attribute_value.cpp) and
// the stream-record decoder built on it (aws/dynamodb_streams.cpp).
//
// Input that is not JSON is skipped. The decoders may return or throw AttributeValueError (code
// `aws_bad_value`); any other exception is a finding (an nlohmann type error would be a 500 in a
// caller), and so is a decoded value that does not survive encoding and decoding again unchanged
// (numbers must stay the exact text they were, binary the exact bytes).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "cruddur/aws/attribute_value.hpp"
#include "cruddur/aws/dynamodb_streams.hpp"

namespace {

namespace aws = cruddur::aws;

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_ddb_value: invariant broken: %s\n", what);
  std::abort();
}

void check_round_trip(const aws::Item& item) {
  auto encoded = aws::item_to_json(item);
  aws::Item again;
  try {
    again = aws::item_from_json(encoded);
  } catch (const aws::AttributeValueError&) {
    finding("an encoded item does not decode");
  }
  if (!(again == item)) finding("an item changed through encode and decode");
}

void decode(const nlohmann::json& json) {
  try {
    auto value = aws::AttributeValue::from_json(json);
    aws::Item one{{"v", value}};
    check_round_trip(one);
    if (value.type() == aws::AttributeValue::Type::N && value.text() != json.at("N")) {
      finding("a number's text changed");
    }
  } catch (const aws::AttributeValueError&) {
  }
  try {
    check_round_trip(aws::item_from_json(json));
  } catch (const aws::AttributeValueError&) {
  }
  try {
    auto record = aws::parse_stream_record(json);
    if (record.event_id.empty() && !json.at("eventID").get<std::string>().empty()) {
      finding("a stream record lost its event id");
    }
    if (record.new_image) check_round_trip(*record.new_image);
  } catch (const aws::AttributeValueError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = nlohmann::json::parse(data, data + size, nullptr, false);
  if (json.is_discarded()) return 0;
  try {
    decode(json);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "fuzz_ddb_value: unexpected exception: %s\n", error.what());
    finding("a decoder threw something other than AttributeValueError");
  }
  return 0;
}
