#pragma once
// Private to the service layer: request bodies parsed once into JSON objects, fields read with
// their type checked.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "cruddur/core/error.hpp"

namespace cruddur::service {

/// The body as a JSON object. Throws cruddur::Error("invalid_json") when it is not one (the
/// parser also refuses invalid UTF-8).
inline nlohmann::json parse_object(std::string_view body) {
  auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded()) throw Error("invalid_json", "the request body is not valid JSON");
  if (!parsed.is_object()) throw Error("invalid_json", "the request body must be a JSON object");
  return parsed;
}

/// A string field: its value; nullopt when absent or null. `wrong_type` is set when the field is
/// there but not a string, or holds a NUL character (`\u0000`: Postgres text cannot store it and
/// libpq would cut the parameter there).
inline std::optional<std::string> string_field(const nlohmann::json& object, const char* name,
                                               bool& wrong_type) {
  auto it = object.find(name);
  wrong_type = false;
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string() || it->get_ref<const std::string&>().find('\0') != std::string::npos) {
    wrong_type = true;
    return std::nullopt;
  }
  return it->get<std::string>();
}

/// True when the text has nothing but white space.
inline bool is_blank(const std::optional<std::string>& text) {
  return !text || text->find_first_not_of(" \t\r\n") == std::string::npos;
}

}  // namespace cruddur::service
