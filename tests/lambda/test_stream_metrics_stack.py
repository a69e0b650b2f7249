"""Deploys infra/stream-metrics.yaml to moto_server and checks what it created.

Usage: test_stream_metrics_stack.py --repo DIR --zip PATH
Needs CRUDDUR_TEST_MOTO_URL (moto_server with every service; scripts/test exports it). Nothing is
written to the test's table: moto would try to run the mapped function in Docker.
"""

import argparse
import ast
import secrets
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_cloudformation import client  # noqa: E402  (boto3 clients on moto_server)

ARGS = None


class StreamMetricsStackTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        suffix = secrets.token_hex(4)
        ec2, s3, dynamo = client("ec2"), client("s3"), client("dynamodb")
        cls.cfn, cls.lam, cls.ec2, cls.iam = (client("cloudformation"), client("lambda"), ec2,
                                              client("iam"))
        cls.sqs, cls.dynamo = client("sqs"), dynamo
        vpc = ec2.create_vpc(CidrBlock="10.43.0.0/16")["Vpc"]["VpcId"]
        cls.subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.43.{i}.0/24",
                                         AvailabilityZone=f"us-east-1{zone}")["Subnet"]["SubnetId"]
                       for i, zone in ((1, "a"), (2, "b"))]
        cls.db_sg = ec2.create_security_group(GroupName=f"cruddur-db-{suffix}", VpcId=vpc,
                                              Description="RDS")["GroupId"]
        cls.table = f"cruddur-messages-{suffix}"
        cls.stream_arn = dynamo.create_table(
            TableName=cls.table, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]["LatestStreamArn"]
        bucket = f"cruddur-lambda-{suffix}"
        s3.create_bucket(Bucket=bucket)
        s3.upload_file(str(ARGS.zip), bucket, "lambda/cruddur-stream-metrics.zip")
        cls.function_name = f"cruddur-stream-metrics-{suffix}"
        cls.connection_url = f"postgresql://cruddurroot:{suffix}@db.internal:5432/cruddur"
        cls.stack = f"cruddur-stream-metrics-{suffix}"
        parameters = {"FunctionName": cls.function_name, "CodeS3Bucket": bucket, "VpcId": vpc,
                      "SubnetIds": ",".join(cls.subnets), "DbSecurityGroupId": cls.db_sg,
                      "ConnectionUrl": cls.connection_url, "MessagesStreamArn": cls.stream_arn}
        cls.cfn.create_stack(
            StackName=cls.stack, Capabilities=["CAPABILITY_IAM"],
            TemplateBody=(ARGS.repo / "infra" / "stream-metrics.yaml").read_text(),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])
        cls.cfn.get_waiter("stack_create_complete").wait(
            StackName=cls.stack, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
        stack = cls.cfn.describe_stacks(StackName=cls.stack)["Stacks"][0]
        cls.outputs = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}

    @classmethod
    def tearDownClass(cls):
        cls.cfn.delete_stack(StackName=cls.stack)
        cls.dynamo.delete_table(TableName=cls.table)

    def mapping(self):
        [mapping] = self.lam.list_event_source_mappings(
            FunctionName=self.function_name)["EventSourceMappings"]
        return mapping

    def test_the_stream_feeds_the_function_with_partial_failures_and_bisection(self):
        mapping = self.mapping()
        self.assertEqual(mapping["EventSourceArn"], self.stream_arn)
        self.assertEqual(mapping["FunctionArn"], self.outputs["FunctionArn"])
        self.assertEqual(mapping["StartingPosition"], "TRIM_HORIZON")
        self.assertEqual(mapping["BatchSize"], 100)
        self.assertEqual(mapping["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        self.assertIs(mapping["BisectBatchOnFunctionError"], True)
        self.assertEqual(mapping["MaximumRetryAttempts"], 10)
        self.assertEqual(mapping["MaximumRecordAgeInSeconds"], 86400)
        self.assertEqual(mapping["ParallelizationFactor"], 1)

    def test_records_that_keep_failing_go_to_the_failure_queue(self):
        destination = self.mapping()["DestinationConfig"]["OnFailure"]["Destination"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=self.outputs["FailureQueueUrl"],
                                                   AttributeNames=["All"])["Attributes"]
        self.assertEqual(destination, attributes["QueueArn"])
        self.assertEqual(attributes["MessageRetentionPeriod"], "1209600")

    def test_function_runs_the_custom_runtime_in_the_database_vpc(self):
        config = self.lam.get_function_configuration(FunctionName=self.function_name)
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

    def test_the_role_reads_only_this_stream_and_writes_only_the_failure_queue(self):
        role = self.lam.get_function_configuration(FunctionName=self.function_name)["Role"]
        name = role.rsplit("/", 1)[-1]
        [policy_name] = self.iam.list_role_policies(RoleName=name)["PolicyNames"]
        document = self.iam.get_role_policy(RoleName=name, PolicyName=policy_name)[
            "PolicyDocument"]
        if isinstance(document, str):
            # moto keeps a CloudFormation inline policy as the repr of a Python dict.
            document = ast.literal_eval(document)
        resources = {statement["Resource"] for statement in document["Statement"]}
        queue_arn = self.sqs.get_queue_attributes(QueueUrl=self.outputs["FailureQueueUrl"],
                                                  AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"]
        self.assertEqual(resources, {self.stream_arn, queue_arn})


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--zip", type=Path, required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0], *rest])


if __name__ == "__main__":
    main()
