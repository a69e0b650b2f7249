// Absolute http(s) URL parsing and percent-encoding for the HTTP client.
#include "cruddur/net/url.hpp"

#include <cctype>
#include <charconv>

#include "cruddur/net/errors.hpp"

namespace cruddur::net {
namespace {

std::uint16_t parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    throw InvalidUrl("the URL's port is not a number in 1-65535");
  }
  return static_cast<std::uint16_t>(value);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string Url::host_header() const {
  auto name = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  bool default_port = (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
  return default_port ? name : name + ":" + std::to_string(port);
}

Url parse_url(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) throw InvalidUrl("the URL has no scheme");
  Url out;
  out.scheme = lower(url.substr(0, scheme_end));
  if (out.scheme != "http" && out.scheme != "https") {
    throw InvalidUrl("the URL's scheme must be http or https, not " + out.scheme);
  }
  auto rest = url.substr(scheme_end + 3);
  auto authority_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, authority_end);
  if (authority.find('@') != std::string_view::npos) {
    throw InvalidUrl("credentials in the URL are not supported");
  }
  if (authority_end != std::string_view::npos) {
    auto target = rest.substr(authority_end);
    target = target.substr(0, target.find('#'));
    out.target =
        target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) throw InvalidUrl("the URL's IPv6 host lacks ']'");
    out.host = std::string(authority.substr(1, close - 1));
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw InvalidUrl("unexpected text after the URL's IPv6 host");
      port_text = after.substr(1);
    }
  } else {
    auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) throw InvalidUrl("the URL has no host");
  out.host = lower(out.host);
  out.port = port_text.empty() ? (out.tls() ? 443 : 80) : parse_port(port_text);
  return out;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if ((byte >= '0' && byte <= '9') || ((byte | 0x20U) >= 'a' && (byte | 0x20U) <= 'z') || c == '-'
        || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0F]);
    }
  }
  return out;
}

}  // namespace cruddur::net
