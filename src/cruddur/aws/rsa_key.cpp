// RSA keys for JWTs on OpenSSL 3 EVP: JWK (n, e) import, RS256 sign/verify, PEM, generation.
#include "rsa_key.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <climits>

#include "cruddur/core/base64url.hpp"
#include "cruddur/core/error.hpp"

namespace cruddur::aws {
namespace {

constexpr int kMinRsaBits = 2048;

[[noreturn]] void throw_crypto(const char* what) {
  throw Error("crypto_error", std::string(what) + ": " + take_openssl_errors());
}

const unsigned char* bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

BignumPtr bignum_from_base64url(std::string_view text, const char* name) {
  auto raw = core::base64url_decode(text);
  if (!raw || raw->empty() || raw->size() > INT_MAX) {
    throw Error("jwks_invalid", std::string("JWK member '") + name + "' is not base64url");
  }
  BignumPtr number(BN_bin2bn(bytes(*raw), static_cast<int>(raw->size()), nullptr));
  if (!number) throw_crypto("BN_bin2bn");
  return number;
}

std::string bignum_to_base64url(EVP_PKEY* key, const char* param) {
  BIGNUM* raw_number = nullptr;
  if (EVP_PKEY_get_bn_param(key, param, &raw_number) != 1) throw_crypto("EVP_PKEY_get_bn_param");
  BignumPtr number(raw_number);
  std::string out(static_cast<std::size_t>(BN_num_bytes(number.get())), '\0');
  BN_bn2bin(number.get(), reinterpret_cast<unsigned char*>(out.data()));
  return core::base64url_encode(out);
}

}  // namespace

EvpPkeyPtr rsa_public_key_from_jwk(std::string_view n, std::string_view e) {
  BignumPtr modulus = bignum_from_base64url(n, "n");
  BignumPtr exponent = bignum_from_base64url(e, "e");
  ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1
      || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
    throw_crypto("OSSL_PARAM_BLD_push_BN");
  }
  ParamPtr params(OSSL_PARAM_BLD_to_param(builder.get()));
  if (!params) throw_crypto("OSSL_PARAM_BLD_to_param");
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) throw_crypto("EVP_PKEY_fromdata_init");
  EVP_PKEY* raw_key = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw_key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    throw Error("jwks_invalid", "JWK does not describe an RSA key: " + take_openssl_errors());
  }
  EvpPkeyPtr key(raw_key);
  if (EVP_PKEY_get_bits(key.get()) < kMinRsaBits) {
    throw Error("jwks_invalid", "JWK RSA modulus is shorter than 2048 bits");
  }
  return key;
}

RsaPublicParts rsa_public_parts(EVP_PKEY* key) {
  return {bignum_to_base64url(key, OSSL_PKEY_PARAM_RSA_N),
          bignum_to_base64url(key, OSSL_PKEY_PARAM_RSA_E)};
}

bool rs256_verify(EVP_PKEY* key, std::string_view data, std::string_view signature) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1
      && EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(data), data.size())
             == 1;
  ERR_clear_error();
  return ok;
}

std::string rs256_sign(EVP_PKEY* key, std::string_view data) {
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    throw_crypto("EVP_DigestSignInit");
  }
  std::size_t length = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &length, bytes(data), data.size()) != 1) {
    throw_crypto("EVP_DigestSign");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     bytes(data), data.size())
      != 1) {
    throw_crypto("EVP_DigestSign");
  }
  signature.resize(length);
  return signature;
}

EvpPkeyPtr rsa_generate(unsigned bits) {
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1
      || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), static_cast<int>(bits)) != 1) {
    throw_crypto("EVP_PKEY_keygen_init");
  }
  EVP_PKEY* raw_key = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw_key) != 1) throw_crypto("EVP_PKEY_generate");
  return EvpPkeyPtr(raw_key);
}

std::string private_key_to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio
      || PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw_crypto("PEM_write_bio_PrivateKey");
  }
  std::string pem(BIO_ctrl_pending(bio.get()), '\0');
  if (BIO_read(bio.get(), pem.data(), static_cast<int>(pem.size()))
      != static_cast<int>(pem.size())) {
    throw_crypto("BIO_read");
  }
  return pem;
}

EvpPkeyPtr private_key_from_pem(std::string_view pem) {
  if (pem.size() > INT_MAX) throw Error("invalid_key", "PEM text is too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw_crypto("BIO_new_mem_buf");
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key || !EVP_PKEY_is_a(key.get(), "RSA")) {
    take_openssl_errors();
    throw Error("invalid_key", "not a PEM RSA private key");
  }
  return key;
}

std::string take_openssl_errors() {
  std::string message;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!message.empty()) message += "; ";
    message += buffer;
  }
  return message;
}

}  // namespace cruddur::aws
