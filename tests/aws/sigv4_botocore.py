#!/usr/bin/env python3
"""Generates requests and signs each with botocore's SigV4Auth, for the differential SigV4 test.

Usage: sigv4_botocore.py <count> <seed>
Prints one JSON array; each element has the request (method, path and query as sent, headers in
order with repeats, body), the signing inputs (keys, optional session token, region, service,
timestamp) and botocore's canonical_request, string_to_sign, signature and authorization.
The same seed gives the same requests. Needs botocore (installed with boto3); exits 3 naming it
when it is missing, so the test fails loudly instead of passing without a comparison.
"""
import json
import random
import sys
from urllib.parse import quote

try:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError as error:  # pragma: no cover - the point is the message
    print(f"sigv4_botocore.py: botocore is missing ({error}); it comes with boto3", file=sys.stderr)
    sys.exit(3)

METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"]
SEGMENT_CHARS = "abcXYZ019-._~ !$&'()*+,;=:@%\"<>[]^`{|}é€ሴ"
QUERY_CHARS = "abcXYZ019-._~ !$&'()*+,;=:@/?%é€ሴ#"
VALUE_CHARS = "abc XYZ 019-._~!\"#$%&'()*+,/:;<=>?@[\\]^`{|}\t  "
NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
# botocore never signs these (SIGNED_HEADERS_BLACKLIST); we sign what we are given.
UNSIGNED = {"connection", "expect", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
            "trailer", "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
            "authorization", "x-amz-date", "x-amz-security-token", "host"}


def text(rng, alphabet, low, high):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(low, high)))


def make_path(rng):
    segments = []
    for _ in range(rng.randint(0, 5)):
        kind = rng.random()
        if kind < 0.1:
            segments.append(".")
        elif kind < 0.2:
            segments.append("..")
        elif kind < 0.3:
            segments.append("")
        else:
            segments.append(quote(text(rng, SEGMENT_CHARS, 1, 8), safe=""))
    path = "/" + "/".join(segments)
    if rng.random() < 0.3:
        path += "/"
    return path


def make_query(rng):
    pairs = []
    for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
        name = quote(text(rng, QUERY_CHARS, 1, 6), safe="-_.~")
        if rng.random() < 0.2 and pairs:
            name = pairs[-1][0]  # a repeated name
        value = quote(text(rng, QUERY_CHARS, 0, 8), safe="-_.~")
        pairs.append((name, value))
    return "&".join(f"{name}={value}" for name, value in pairs)


def make_headers(rng):
    headers = []
    for _ in range(rng.randint(0, 5)):
        name = text(rng, NAME_CHARS, 1, 12)
        if name.lower() in UNSIGNED:
            continue
        value = text(rng, VALUE_CHARS, 0, 20)
        headers.append((name, value))
        if rng.random() < 0.25:
            headers.append((name.upper() if rng.random() < 0.5 else name, text(rng, VALUE_CHARS, 0, 10)))
    if rng.random() < 0.5:
        headers.append(("Content-Type", rng.choice(["application/x-amz-json-1.0", "text/plain"])))
    if rng.random() < 0.3:
        headers.append(("X-Amz-Target", "DynamoDB_20120810." + rng.choice(["Query", "PutItem"])))
    return headers


def make_body(rng):
    kind = rng.random()
    if kind < 0.3:
        return b""
    if kind < 0.6:
        return json.dumps({"TableName": text(rng, NAME_CHARS, 3, 10), "n": rng.random()}).encode()
    return bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))


def sign(rng, index):
    host = rng.choice(["dynamodb.us-east-1.amazonaws.com", "127.0.0.1:4566", "example.amazonaws.com"])
    method = rng.choice(METHODS)
    path = make_path(rng)
    query = make_query(rng)
    headers = [("Host", host)] + make_headers(rng)
    body = make_body(rng)
    access_key = "AKID" + text(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 12, 16)
    secret_key = text(rng, NAME_CHARS + "/+", 40, 40)
    token = text(rng, NAME_CHARS + "/+=", 20, 200) if rng.random() < 0.4 else None
    region = rng.choice(["us-east-1", "eu-west-2", "ap-southeast-2"])
    service = rng.choice(["dynamodb", "cognito-idp", "service"])
    timestamp = f"20{rng.randint(15, 30)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}T" \
                f"{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}Z"

    url = f"http://{host}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, data=body)
    for name, value in headers:
        request.headers[name] = value  # email.message semantics: a repeated name is appended
    auth = SigV4Auth(Credentials(access_key, secret_key, token), service, region)
    request.context["timestamp"] = timestamp
    auth._modify_request_before_signing(request)  # X-Amz-Date, X-Amz-Security-Token
    canonical = auth.canonical_request(request)
    to_sign = auth.string_to_sign(request, canonical)
    signature = auth.signature(to_sign, request)
    auth._inject_signature_to_request(request, signature)
    return {
        "index": index,
        "method": method,
        "path": path,
        "query": query,
        "headers": headers,
        "body_hex": body.hex(),
        "access_key_id": access_key,
        "secret_access_key": secret_key,
        "session_token": token,
        "region": region,
        "service": service,
        "timestamp": timestamp,
        "canonical_request": canonical,
        "string_to_sign": to_sign,
        "signature": signature,
        "authorization": request.headers["Authorization"],
    }


def main():
    if len(sys.argv) != 3:
        print("usage: sigv4_botocore.py <count> <seed>", file=sys.stderr)
        return 2
    rng = random.Random(int(sys.argv[2]))
    cases = [sign(rng, index) for index in range(int(sys.argv[1]))]
    json.dump(cases, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
