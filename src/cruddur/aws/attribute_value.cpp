// DynamoDB attribute values: construction, typed access, and the wire JSON in both directions.
#include "cruddur/aws/attribute_value.hpp"

#include <algorithm>
#include <array>

namespace cruddur::aws {
namespace {

constexpr int kMaxDepth = 32;  // DynamoDB's own nesting limit
constexpr std::size_t kMaxNumberText = 100;
constexpr const char* kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(const std::string& bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    auto n = (static_cast<unsigned char>(bytes[i]) << 16)
             | (static_cast<unsigned char>(bytes[i + 1]) << 8)
             | static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out.push_back(kBase64[(n >> shift) & 0x3f]);
  }
  auto rest = bytes.size() - i;
  if (rest > 0) {
    auto n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kBase64[(n >> 18) & 0x3f]);
    out.push_back(kBase64[(n >> 12) & 0x3f]);
    out.push_back(rest == 2 ? kBase64[(n >> 6) & 0x3f] : '=');
    out.push_back('=');
  }
  return out;
}

int base64_digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard padded base64; throws for anything else.
std::string base64_decode(const std::string& text) {
  if (text.size() % 4 != 0) throw AttributeValueError("B value is not padded base64");
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  unsigned buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    int digit = base64_digit(text[i]);
    if (digit < 0) throw AttributeValueError("B value is not base64");
    buffer = (buffer << 6) | static_cast<unsigned>(digit);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

bool is_number_text(const std::string& text) {
  if (text.empty() || text.size() > kMaxNumberText) return false;
  std::size_t i = 0;
  if (text[i] == '-' || text[i] == '+') ++i;
  std::size_t digits = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    std::size_t exponent = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, ++exponent;
    if (exponent == 0) return false;
  }
  return i == text.size();
}

const char* type_name(AttributeValue::Type type) {
  static constexpr std::array<const char*, 10> kNames = {"S", "N", "B",  "BOOL", "NULL",
                                                         "M", "L", "SS", "NS",   "BS"};
  return kNames[static_cast<std::size_t>(type)];
}

std::vector<std::string> string_members(const nlohmann::json& json, const char* type) {
  if (!json.is_array() || json.empty()) {
    throw AttributeValueError(std::string(type) + " value must be a non-empty array");
  }
  std::vector<std::string> members;
  members.reserve(json.size());
  for (const auto& member : json) {
    if (!member.is_string()) {
      throw AttributeValueError(std::string(type) + " members must be strings");
    }
    members.push_back(member.get<std::string>());
  }
  return members;
}

void require_non_empty(const std::vector<std::string>& items, const char* type) {
  if (items.empty()) throw AttributeValueError(std::string(type) + " must not be empty");
}

}  // namespace

AttributeValue AttributeValue::string(std::string text) {
  AttributeValue value;
  value.type_ = Type::S;
  value.text_ = std::move(text);
  return value;
}

AttributeValue AttributeValue::number(std::string text) {
  if (!is_number_text(text)) throw AttributeValueError("N value is not a decimal number");
  AttributeValue value;
  value.type_ = Type::N;
  value.text_ = std::move(text);
  return value;
}

AttributeValue AttributeValue::binary(std::string bytes) {
  AttributeValue value;
  value.type_ = Type::B;
  value.text_ = std::move(bytes);
  return value;
}

AttributeValue AttributeValue::boolean(bool flag) {
  AttributeValue value;
  value.type_ = Type::BOOL;
  value.boolean_ = flag;
  return value;
}

AttributeValue AttributeValue::null() {
  return AttributeValue();
}

AttributeValue AttributeValue::map(Map entries) {
  AttributeValue value;
  value.type_ = Type::M;
  value.map_ = std::move(entries);
  return value;
}

AttributeValue AttributeValue::list(List items) {
  AttributeValue value;
  value.type_ = Type::L;
  value.list_ = std::move(items);
  return value;
}

AttributeValue AttributeValue::string_set(std::vector<std::string> items) {
  require_non_empty(items, "SS");
  AttributeValue value;
  value.type_ = Type::SS;
  value.set_ = std::move(items);
  return value;
}

AttributeValue AttributeValue::number_set(std::vector<std::string> items) {
  require_non_empty(items, "NS");
  for (const auto& item : items) {
    if (!is_number_text(item)) throw AttributeValueError("NS member is not a decimal number");
  }
  AttributeValue value;
  value.type_ = Type::NS;
  value.set_ = std::move(items);
  return value;
}

AttributeValue AttributeValue::binary_set(std::vector<std::string> items) {
  require_non_empty(items, "BS");
  AttributeValue value;
  value.type_ = Type::BS;
  value.set_ = std::move(items);
  return value;
}

const std::string& AttributeValue::text() const {
  if (type_ != Type::S && type_ != Type::N && type_ != Type::B) {
    throw AttributeValueError(std::string("expected S, N or B, got ") + type_name(type_));
  }
  return text_;
}

bool AttributeValue::as_bool() const {
  if (type_ != Type::BOOL)
    throw AttributeValueError(std::string("expected BOOL, got ") + type_name(type_));
  return boolean_;
}

const AttributeValue::Map& AttributeValue::as_map() const {
  if (type_ != Type::M)
    throw AttributeValueError(std::string("expected M, got ") + type_name(type_));
  return map_;
}

const AttributeValue::List& AttributeValue::as_list() const {
  if (type_ != Type::L)
    throw AttributeValueError(std::string("expected L, got ") + type_name(type_));
  return list_;
}

const std::vector<std::string>& AttributeValue::as_set() const {
  if (type_ != Type::SS && type_ != Type::NS && type_ != Type::BS) {
    throw AttributeValueError(std::string("expected a set, got ") + type_name(type_));
  }
  return set_;
}

nlohmann::json AttributeValue::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  const char* name = type_name(type_);
  switch (type_) {
    case Type::S:
    case Type::N:
      out[name] = text_;
      break;
    case Type::B:
      out[name] = base64_encode(text_);
      break;
    case Type::BOOL:
      out[name] = boolean_;
      break;
    case Type::NUL:
      out[name] = true;
      break;
    case Type::M: {
      auto& entries = out[name] = nlohmann::json::object();
      for (const auto& [key, value] : map_) entries[key] = value.to_json();
      break;
    }
    case Type::L: {
      auto& items = out[name] = nlohmann::json::array();
      for (const auto& value : list_) items.push_back(value.to_json());
      break;
    }
    case Type::SS:
    case Type::NS:
      out[name] = set_;
      break;
    case Type::BS: {
      auto& items = out[name] = nlohmann::json::array();
      for (const auto& member : set_) items.push_back(base64_encode(member));
      break;
    }
  }
  return out;
}

AttributeValue AttributeValue::from_json(const nlohmann::json& json) {
  return decode(json, 0);
}

AttributeValue AttributeValue::decode(const nlohmann::json& json, int depth) {
  if (depth > kMaxDepth) throw AttributeValueError("attribute values nest deeper than 32 levels");
  if (!json.is_object() || json.size() != 1) {
    throw AttributeValueError("an attribute value is an object with exactly one type key");
  }
  auto only = json.begin();
  const std::string& type = only.key();
  const nlohmann::json& body = only.value();
  if (type == "S") {
    if (!body.is_string()) throw AttributeValueError("S value must be a string");
    return string(body.get<std::string>());
  }
  if (type == "N") {
    if (!body.is_string()) throw AttributeValueError("N value must be a string");
    return number(body.get<std::string>());
  }
  if (type == "B") {
    if (!body.is_string()) throw AttributeValueError("B value must be a base64 string");
    return binary(base64_decode(body.get<std::string>()));
  }
  if (type == "BOOL") {
    if (!body.is_boolean()) throw AttributeValueError("BOOL value must be true or false");
    return boolean(body.get<bool>());
  }
  if (type == "NULL") {
    if (!body.is_boolean() || !body.get<bool>())
      throw AttributeValueError("NULL value must be true");
    return null();
  }
  if (type == "M") {
    if (!body.is_object()) throw AttributeValueError("M value must be an object");
    Map entries;
    for (const auto& [key, value] : body.items()) entries.emplace(key, decode(value, depth + 1));
    return map(std::move(entries));
  }
  if (type == "L") {
    if (!body.is_array()) throw AttributeValueError("L value must be an array");
    List items;
    items.reserve(body.size());
    for (const auto& value : body) items.push_back(decode(value, depth + 1));
    return list(std::move(items));
  }
  if (type == "SS") return string_set(string_members(body, "SS"));
  if (type == "NS") return number_set(string_members(body, "NS"));
  if (type == "BS") {
    auto members = string_members(body, "BS");
    for (auto& member : members) member = base64_decode(member);
    return binary_set(std::move(members));
  }
  throw AttributeValueError("unknown attribute value type");
}

bool operator==(const AttributeValue& a, const AttributeValue& b) {
  return a.type_ == b.type_ && a.boolean_ == b.boolean_ && a.text_ == b.text_ && a.set_ == b.set_
         && a.map_ == b.map_ && a.list_ == b.list_;
}

nlohmann::json item_to_json(const Item& item) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : item) out[name] = value.to_json();
  return out;
}

Item item_from_json(const nlohmann::json& json) {
  if (!json.is_object()) throw AttributeValueError("an item is an object of attribute values");
  Item item;
  for (const auto& [name, value] : json.items())
    item.emplace(name, AttributeValue::from_json(value));
  return item;
}

const std::string& string_attribute(const Item& item, const std::string& name) {
  auto found = item.find(name);
  if (found == item.end() || found->second.type() != AttributeValue::Type::S) {
    throw AttributeValueError("the item has no string attribute " + name);
  }
  return found->second.text();
}

}  // namespace cruddur::aws
