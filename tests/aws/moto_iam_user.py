#!/usr/bin/env python3
"""Creates an IAM user allowed every DynamoDB action on a moto_server and prints its access key.

Usage: moto_iam_user.py <moto-url>
Prints one JSON object: access_key_id, secret_access_key. Three IAM actions (CreateUser,
PutUserPolicy, CreateAccessKey): start moto with INITIAL_NO_AUTH_ACTION_COUNT=3 so that every
request after them must be signed with this user's key.
"""
import json
import sys

import boto3


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: moto_iam_user.py <moto-url>", file=sys.stderr)
        return 2
    iam = boto3.client("iam", region_name="us-east-1", endpoint_url=sys.argv[1],
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName="cruddur-test")
    policy = {"Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}
    iam.put_user_policy(UserName="cruddur-test", PolicyName="dynamodb",
                        PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="cruddur-test")["AccessKey"]
    json.dump({"access_key_id": key["AccessKeyId"], "secret_access_key": key["SecretAccessKey"]},
              sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
