-- wrk script for bench/messages/run: the DynamoDB Query behind GET /api/message_groups, sent
-- straight to moto_server (which checks no signature without INITIAL_NO_AUTH_ACTION_COUNT, but
-- routes by the signed service name in Authorization).
wrk.method = "POST"
wrk.body = os.getenv("QUERY_BODY")
wrk.headers["Content-Type"] = "application/x-amz-json-1.0"
wrk.headers["X-Amz-Target"] = "DynamoDB_20120810.Query"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=cruddur-local/20261203/us-east-1/"
  .. "dynamodb/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
  .. "Signature=0000000000000000000000000000000000000000000000000000000000000000"
wrk.headers["X-Amz-Date"] = "20261203T000000Z"
