"""Deploys infra/stream-metrics.yaml to moto_server and checks what it created.

Usage: test_stream_metrics_stack.py --repo DIR --zip PATH
Needs CRUDDUR_TEST_MOTO_URL (moto_server with every service; scripts/test exports it). Nothing is
written to the test's table: moto would try to run the mapped function in Docker.
"""

import argparse
import ast
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_cloudformation  # noqa: E402  (boto3 clients, the stack base class)
from test_cloudformation import DatabaseVpcFunctionStack, client  # noqa: E402

ARGS = None


class StreamMetricsStackTest(DatabaseVpcFunctionStack, unittest.TestCase):
    TEMPLATE, NAME, CIDR = "stream-metrics.yaml", "cruddur-stream-metrics", "10.43"

    @classmethod
    def extra_parameters(cls, suffix):
        cls.sqs, cls.dynamo, cls.iam = client("sqs"), client("dynamodb"), client("iam")
        cls.table = f"cruddur-messages-{suffix}"
        cls.stream_arn = cls.dynamo.create_table(
            TableName=cls.table, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
        )["TableDescription"]["LatestStreamArn"]
        return {"MessagesStreamArn": cls.stream_arn}

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
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
    test_cloudformation.ARGS = ARGS
    unittest.main(argv=[sys.argv[0], *rest])


if __name__ == "__main__":
    main()
