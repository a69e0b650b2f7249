#!/usr/bin/env python3
"""Adds a confirmed user to an existing moto Cognito pool and signs them in.

Usage: moto_cognito_user.py <moto-url> <pool-id> <client-id> <handle>
The user has the attributes the post-confirmation Lambda reads (name, email, preferred_username);
no trigger runs, so the user has no Cruddur row. Prints one JSON object: sub, access_token.
"""
import json
import sys
import uuid

import boto3


def main() -> int:
    if len(sys.argv) != 5:
        print("usage: moto_cognito_user.py <moto-url> <pool-id> <client-id> <handle>", file=sys.stderr)
        return 2
    url, pool_id, client_id, handle = sys.argv[1:]
    cognito = boto3.client("cognito-idp", region_name="us-east-1", endpoint_url=url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
    username = f"user-{uuid.uuid4().hex[:10]}"
    password = "Cruddur-" + uuid.uuid4().hex + "!"
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=username,
        UserAttributes=[
            {"Name": "email", "Value": f"{handle}@example.com"},
            {"Name": "name", "Value": f"New {handle.title()}"},
            {"Name": "preferred_username", "Value": handle},
        ],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=password,
                                    Permanent=True)
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=username)
    sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
    tokens = cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": username, "PASSWORD": password})
    json.dump({"sub": sub, "access_token": tokens["AuthenticationResult"]["AccessToken"]}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
