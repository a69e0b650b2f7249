#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cruddur/core/error.hpp"

namespace cruddur::aws {

/// A DynamoDB JSON value that is not what the protocol allows (wrong shape, a bad number or
/// base64 text, an empty set, nesting deeper than 32). Code `aws_bad_value`.
class AttributeValueError : public cruddur::Error {
 public:
  explicit AttributeValueError(const std::string& message) : Error("aws_bad_value", message) {}
};

/// One DynamoDB attribute value, typed as the protocol types it: `S`, `N` (kept as the decimal
/// text: never converted to a double), `B` (raw bytes; base64 on the wire), `BOOL`, `NULL`, `M`,
/// `L`, `SS`, `NS`, `BS`. Immutable value type.
class AttributeValue {
 public:
  enum class Type { S, N, B, BOOL, NUL, M, L, SS, NS, BS };
  using Map = std::map<std::string, AttributeValue>;
  using List = std::vector<AttributeValue>;

  AttributeValue() = default;  ///< NULL

  static AttributeValue string(std::string text);
  /// Throws AttributeValueError unless `text` is a decimal number (`-12.5e3` style).
  static AttributeValue number(std::string text);
  static AttributeValue binary(std::string bytes);
  static AttributeValue boolean(bool value);
  static AttributeValue null();
  static AttributeValue map(Map entries);
  static AttributeValue list(List items);
  /// Sets: non-empty (DynamoDB refuses empty sets), else AttributeValueError.
  static AttributeValue string_set(std::vector<std::string> items);
  static AttributeValue number_set(std::vector<std::string> items);
  static AttributeValue binary_set(std::vector<std::string> items);

  [[nodiscard]] Type type() const noexcept { return type_; }
  /// The text of S and N, the bytes of B; AttributeValueError for other types.
  [[nodiscard]] const std::string& text() const;
  [[nodiscard]] bool as_bool() const;
  [[nodiscard]] const Map& as_map() const;
  [[nodiscard]] const List& as_list() const;
  /// The members of SS, NS and BS.
  [[nodiscard]] const std::vector<std::string>& as_set() const;

  /// `{"S": "…"}` and so on.
  [[nodiscard]] nlohmann::json to_json() const;
  /// Decodes a wire value; throws AttributeValueError for anything the protocol does not allow.
  static AttributeValue from_json(const nlohmann::json& json);

  friend bool operator==(const AttributeValue& a, const AttributeValue& b);

 private:
  static AttributeValue decode(const nlohmann::json& json, int depth);

  Type type_ = Type::NUL;
  bool boolean_ = false;
  std::string text_;
  std::vector<std::string> set_;
  Map map_;
  List list_;
};

/// A DynamoDB item (or key): attribute name → value.
using Item = std::map<std::string, AttributeValue>;

/// `{"name": {"S": "…"}, …}`.
nlohmann::json item_to_json(const Item& item);
/// Throws AttributeValueError when `json` is not an object of attribute values.
Item item_from_json(const nlohmann::json& json);

/// The string attribute `name` of `item`; AttributeValueError when absent or not S.
const std::string& string_attribute(const Item& item, const std::string& name);

}  // namespace cruddur::aws
