"""Deploys infra/post-confirmation.yaml to moto_server and checks what it created.

Usage: test_cloudformation.py --repo DIR --zip PATH
Needs CRUDDUR_TEST_MOTO_URL (moto_server with every service; scripts/test exports it).
"""

import argparse
import json
import secrets
import sys
import unittest
from pathlib import Path

ARGS = None


sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from moto_stack import client as region_client, create_stack, database_vpc  # noqa: E402


def client(service):
    return region_client(service, "us-east-1")


class DatabaseVpcFunctionStack:
    """Deploys one of infra/'s Lambda templates to moto: the function in a database's VPC.

    A subclass sets TEMPLATE, NAME (the function's base name) and CIDR ("10.42"), and gives its
    own parameters in extra_parameters(cls, suffix); the checks below hold for every such stack.
    """

    TEMPLATE = NAME = CIDR = None

    @classmethod
    def extra_parameters(cls, suffix):
        return {}

    @classmethod
    def setUpClass(cls):
        suffix = secrets.token_hex(4)
        ec2, s3 = client("ec2"), client("s3")
        cls.cfn, cls.lam, cls.ec2 = client("cloudformation"), client("lambda"), ec2
        vpc, cls.subnets, cls.db_sg = database_vpc(ec2, cls.CIDR, "us-east-1")
        bucket = f"cruddur-lambda-{suffix}"
        s3.create_bucket(Bucket=bucket)
        s3.upload_file(str(ARGS.zip), bucket, f"lambda/{cls.NAME}.zip")
        cls.function_name = f"{cls.NAME}-{suffix}"
        cls.connection_url = f"postgresql://cruddurroot:{suffix}@db.internal:5432/cruddur"
        cls.stack = f"{cls.NAME}-{suffix}"
        parameters = {"FunctionName": cls.function_name, "CodeS3Bucket": bucket, "VpcId": vpc,
                      "SubnetIds": ",".join(cls.subnets), "DbSecurityGroupId": cls.db_sg,
                      "ConnectionUrl": cls.connection_url, **cls.extra_parameters(suffix)}
        cls.outputs = create_stack(cls.cfn, cls.stack,
                                   (ARGS.repo / "infra" / cls.TEMPLATE).read_text(), parameters)

    @classmethod
    def tearDownClass(cls):
        cls.cfn.delete_stack(StackName=cls.stack)

    def test_function_runs_the_custom_runtime_in_the_database_vpc(self):
        config = self.lam.get_function_configuration(FunctionName=self.function_name)
        self.assertEqual(config["FunctionArn"], self.outputs["FunctionArn"])
        self.assertEqual(config["Runtime"], "provided.al2023")
        self.assertEqual(config["Handler"], "bootstrap")
        self.assertEqual(config["Environment"]["Variables"]["CONNECTION_URL"], self.connection_url)
        self.assertEqual(sorted(config["VpcConfig"]["SubnetIds"]), sorted(self.subnets))
        self.assertEqual(config["VpcConfig"]["SecurityGroupIds"],
                         [self.outputs["FunctionSecurityGroupId"]])
        self.assertEqual(config["CodeSize"], ARGS.zip.stat().st_size)

    def test_only_the_function_reaches_the_database_port(self):
        db_sg = self.ec2.describe_security_groups(GroupIds=[self.db_sg])["SecurityGroups"][0]
        rules = [(p["FromPort"], p["ToPort"], [g["GroupId"] for g in p["UserIdGroupPairs"]])
                 for p in db_sg["IpPermissions"]]
        self.assertEqual(rules, [(5432, 5432, [self.outputs["FunctionSecurityGroupId"]])])
        # The function group's egress (only to the database) is not checked: moto keeps the
        # default allow-all rule where CloudFormation replaces it; cfn-lint checks its shape.


class PostConfirmationStackTest(DatabaseVpcFunctionStack, unittest.TestCase):
    TEMPLATE, NAME, CIDR = "post-confirmation.yaml", "cruddur-post-confirmation", "10.42"

    @classmethod
    def extra_parameters(cls, suffix):
        cls.logs = client("logs")
        cls.pool = client("cognito-idp").create_user_pool(PoolName=f"cruddur-{suffix}")[
            "UserPool"]["Id"]
        return {"UserPoolId": cls.pool}

    def test_cognito_waits_five_seconds_so_does_the_function(self):
        config = self.lam.get_function_configuration(FunctionName=self.function_name)
        self.assertEqual(config["Timeout"], 5)

    def test_cognito_of_this_pool_may_invoke_it(self):
        policy = json.loads(self.lam.get_policy(FunctionName=self.function_name)["Policy"])
        [statement] = policy["Statement"]
        self.assertEqual(statement["Principal"], {"Service": "cognito-idp.amazonaws.com"})
        self.assertEqual(statement["Action"], "lambda:InvokeFunction")
        self.assertTrue(statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(
            f":userpool/{self.pool}"))

    def test_logs_are_kept_two_weeks(self):
        groups = self.logs.describe_log_groups(
            logGroupNamePrefix=f"/aws/lambda/{self.function_name}")["logGroups"]
        self.assertEqual([g.get("retentionInDays") for g in groups], [14])


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--zip", type=Path, required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest])


if __name__ == "__main__":
    main()
