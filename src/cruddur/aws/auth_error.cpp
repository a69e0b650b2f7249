// Names of the token rejection reasons.
#include "cruddur/aws/auth_error.hpp"

namespace cruddur::aws {

std::string_view to_string(AuthFailure failure) {
  switch (failure) {
    case AuthFailure::malformed:
      return "malformed";
    case AuthFailure::unsupported_alg:
      return "unsupported_alg";
    case AuthFailure::unknown_kid:
      return "unknown_kid";
    case AuthFailure::bad_signature:
      return "bad_signature";
    case AuthFailure::expired:
      return "expired";
    case AuthFailure::not_yet_valid:
      return "not_yet_valid";
    case AuthFailure::wrong_issuer:
      return "wrong_issuer";
    case AuthFailure::wrong_token_use:
      return "wrong_token_use";
    case AuthFailure::wrong_client:
      return "wrong_client";
    case AuthFailure::bad_header:
      return "bad_header";
  }
  return "unknown";
}

}  // namespace cruddur::aws
