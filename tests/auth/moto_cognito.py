#!/usr/bin/env python3
"""Sets up Cognito on a moto_server for the auth integration test and prints what it made.

Usage: moto_cognito.py <moto-url>
Creates a user pool, two app clients and a confirmed user, signs the user in through both
clients (USER_PASSWORD_AUTH) and prints one JSON object: region, pool_id, client_id,
other_client_id, sub, username, access_token, id_token, other_access_token.
"""
import json
import sys
import uuid

import boto3

REGION = "us-east-1"
USERNAME = "andrewbrown"


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: moto_cognito.py <moto-url>", file=sys.stderr)
        return 2
    cognito = boto3.client(
        "cognito-idp",
        region_name=REGION,
        endpoint_url=sys.argv[1],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    pool_id = cognito.create_user_pool(PoolName=f"cruddur-{uuid.uuid4().hex[:8]}")["UserPool"]["Id"]
    flows = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    clients = [
        cognito.create_user_pool_client(UserPoolId=pool_id, ClientName=name, ExplicitAuthFlows=flows)[
            "UserPoolClient"
        ]["ClientId"]
        for name in ("cruddur-web", "another-app")
    ]
    password = "Cruddur-" + uuid.uuid4().hex + "!"
    cognito.admin_create_user(
        UserPoolId=pool_id,
        Username=USERNAME,
        UserAttributes=[{"Name": "email", "Value": "andrew@exampro.co"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(UserPoolId=pool_id, Username=USERNAME, Password=password, Permanent=True)
    user = cognito.admin_get_user(UserPoolId=pool_id, Username=USERNAME)
    sub = next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")

    def sign_in(client_id: str) -> dict:
        return cognito.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": USERNAME, "PASSWORD": password},
        )["AuthenticationResult"]

    tokens = sign_in(clients[0])
    other = sign_in(clients[1])
    json.dump(
        {
            "region": REGION,
            "pool_id": pool_id,
            "client_id": clients[0],
            "other_client_id": clients[1],
            "sub": sub,
            "username": USERNAME,
            "access_token": tokens["AccessToken"],
            "id_token": tokens["IdToken"],
            "other_access_token": other["AccessToken"],
        },
        sys.stdout,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
