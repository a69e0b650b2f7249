"""Drives the real stream metrics `bootstrap` through the fake Runtime API against PostgreSQL.

Usage: test_stream_metrics.py --repo DIR --cruddur PATH (--bootstrap PATH | --zip PATH)
Needs CRUDDUR_TEST_PG_URL and CRUDDUR_TEST_MOTO_URL (scripts/test exports both). Batches are
Lambda DynamoDB Streams events: hand-made ones, and records read from a real stream on moto_server
(which then also feeds `cruddur metrics sync`, to show that the two paths count a record once).
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import unittest
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import test_post_confirmation as harness  # noqa: E402  (Bootstrap, psql, database helpers)

ARGS = None
STREAM_ARN = ("arn:aws:dynamodb:us-east-1:123456789012:table/cruddur-messages/stream/"
              "2026-12-01T00:00:00.000")


def iso(time):
    return time.isoformat(timespec="microseconds")


class Stream:
    """Hand-made stream records with increasing sequence numbers, as DynamoDB would send them."""

    def __init__(self):
        self.sequence = 4_000_000_000_000_000_000_0  # 22 digits, like DynamoDB's

    def record(self, pk, sk, event_name="INSERT", **image):
        self.sequence += 1
        keys = {"pk": {"S": pk}, "sk": {"S": sk}}
        new_image = dict(keys, **{k: {"S": v} for k, v in image.items()})
        return {"eventID": uuid.uuid4().hex, "eventName": event_name, "eventVersion": "1.1",
                "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
                "dynamodb": {"ApproximateCreationDateTime": 1764590400, "Keys": keys,
                             "NewImage": new_image, "SequenceNumber": str(self.sequence),
                             "SizeBytes": 200, "StreamViewType": "NEW_IMAGE"},
                "eventSourceARN": STREAM_ARN}

    def message(self, group, time):
        created = iso(time)
        return self.record(f"MSG#{group}", f"{created}#{uuid.uuid4()}", message="hi",
                           message_group_uuid=group, created_at=created)

    def group_item(self, user, group, time):
        return self.record(f"GRP#{user}", f"{iso(time)}#{group}", message_group_uuid=group)


def event(records):
    return {"Records": records}


class StreamMetricsCase(unittest.TestCase):
    """A fresh database with every migration, and a warm bootstrap on it."""

    @classmethod
    def setUpClass(cls):
        cls.admin_url = harness.pg_url()
        cls.workdir = tempfile.mkdtemp(prefix="cruddur-stream-metrics-")
        cls.dbname = f"cruddur_stream_metrics_{os.getpid()}_{secrets.token_hex(4)}"
        harness.psql(cls.admin_url, f'CREATE DATABASE "{cls.dbname}"')
        cls.url = harness.with_database(cls.admin_url, cls.dbname)
        harness.psql(cls.url, file=ARGS.repo / "db" / "schema.sql")
        for migration in harness.migrations(ARGS.repo):
            harness.psql(cls.url, file=migration)
        cls.bootstrap = harness.Bootstrap(cls.workdir, cls.url)

    @classmethod
    def tearDownClass(cls):
        cls.bootstrap.stop()
        log = cls.bootstrap.log()
        harness.psql(cls.admin_url, f'DROP DATABASE IF EXISTS "{cls.dbname}" WITH (FORCE)')
        shutil.rmtree(cls.workdir, ignore_errors=True)
        if harness.password_of(cls.admin_url) in log:
            raise AssertionError("the bootstrap printed the database password")

    def setUp(self):
        harness.psql(self.url, "TRUNCATE metrics_daily, metrics_conversations, "
                               "metrics_stream_records, metrics_stream_shards")

    def tearDown(self):
        if not self.bootstrap.alive():
            print(self.bootstrap.log(), file=sys.stderr)
        self.assertTrue(self.bootstrap.alive(), "the bootstrap exited")

    def counts(self):
        """{(day, name): value} of the stream metrics."""
        rows = harness.psql(self.url, "SELECT coalesce(json_agg(json_build_array(day, name, value)"
                                      "), '[]') FROM metrics_daily WHERE name IN ('messages', "
                                      "'conversations') AND value <> 0")
        return {(day, name): value for day, name, value in json.loads(rows)}

    def handle(self, records):
        report = self.bootstrap.invoke(event(records))
        self.assertEqual(report.kind, "response", report.body)
        return report.json()


class StreamMetricsTest(StreamMetricsCase):

    def test_a_batch_delivered_twice_is_counted_once(self):
        stream, group, other = Stream(), str(uuid.uuid4()), str(uuid.uuid4())
        day = datetime(2026, 11, 30, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 12-01 UTC
        records = [stream.message(group, day), stream.group_item(uuid.uuid4(), group, day),
                   stream.message(group, day + timedelta(hours=2)),
                   stream.message(other, day + timedelta(days=1))]
        expected = {("2026-12-01", "messages"): 2, ("2026-12-01", "conversations"): 1,
                    ("2026-12-02", "messages"): 1, ("2026-12-02", "conversations"): 1}
        self.assertEqual(self.handle(records), {"batchItemFailures": []})
        self.assertEqual(self.counts(), expected)
        self.assertEqual(self.handle(records), {"batchItemFailures": []})  # Lambda's redelivery
        self.assertEqual(self.counts(), expected)
        self.assertIn("0 message(s) counted, 3 counted before", self.bootstrap.log())

    def test_a_failing_record_is_reported_and_only_the_records_before_it_are_applied(self):
        stream, group = Stream(), str(uuid.uuid4())
        time = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
        first, second = stream.message(group, time), stream.message(group, time)
        bad = stream.record(f"MSG#{group}", "2026-12-02T09:00:00#no-offset")
        after = stream.message(group, time + timedelta(days=1))
        answer = self.handle([first, second, bad, after])
        self.assertEqual(answer, {"batchItemFailures": [
            {"itemIdentifier": bad["dynamodb"]["SequenceNumber"]}]})
        self.assertEqual(self.counts(), {("2026-12-02", "messages"): 2,
                                         ("2026-12-02", "conversations"): 1})
        # Lambda retries from the failed record: still failing, nothing more counted.
        self.assertEqual(self.handle([bad, after])["batchItemFailures"],
                         [{"itemIdentifier": bad["dynamodb"]["SequenceNumber"]}])
        self.assertEqual(self.counts(), {("2026-12-02", "messages"): 2,
                                         ("2026-12-02", "conversations"): 1})
        # Its retries spent, Lambda sends it to the on-failure destination and goes on.
        self.assertEqual(self.handle([after]), {"batchItemFailures": []})
        self.assertEqual(self.counts(), {("2026-12-02", "messages"): 2,
                                         ("2026-12-02", "conversations"): 1,
                                         ("2026-12-03", "messages"): 1})
        self.assertIn("does not start with an ISO 8601 time with its offset", self.bootstrap.log())

    def test_an_earlier_message_arriving_late_moves_the_conversation_to_its_day(self):
        stream, group = Stream(), str(uuid.uuid4())
        early = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
        self.handle([stream.message(group, early + timedelta(days=2))])
        self.assertEqual(self.counts(), {("2026-11-30", "messages"): 1,
                                         ("2026-11-30", "conversations"): 1})
        self.handle([stream.message(group, early)])
        self.assertEqual(self.counts(), {("2026-11-30", "messages"): 1,
                                         ("2026-11-28", "messages"): 1,
                                         ("2026-11-28", "conversations"): 1})

    def test_an_event_without_records_is_a_function_error(self):
        for payload in (b'{"Records": 5}', b"[]", b"{"):
            report = self.bootstrap.invoke(payload)
            self.assertEqual(report.kind, "error", report.body)
            self.assertEqual(report.json()["errorType"], "InvalidEvent")


class LambdaAndSyncTest(StreamMetricsCase):
    """Records of a real stream (moto_server): counted by the Lambda, then read by the CLI sync."""

    def test_a_record_counted_by_the_lambda_is_not_counted_again_by_the_sync(self):
        import boto3  # the project's Python has it
        moto = os.environ.get("CRUDDUR_TEST_MOTO_URL")
        self.assertTrue(moto, "CRUDDUR_TEST_MOTO_URL is not set: run through scripts/test")
        table = f"cruddur-messages-{secrets.token_hex(4)}"
        keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        dynamo = boto3.client("dynamodb", endpoint_url=moto, region_name="us-east-1", **keys)
        streams = boto3.client("dynamodbstreams", endpoint_url=moto, region_name="us-east-1",
                               **keys)
        dynamo.create_table(
            TableName=table, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                       {"AttributeName": "sk", "KeyType": "RANGE"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
        try:
            group = str(uuid.uuid4())
            for hours in range(5):
                created = iso(datetime(2026, 12, 1, 8, tzinfo=timezone.utc) +
                              timedelta(hours=hours))
                dynamo.put_item(TableName=table, Item={
                    "pk": {"S": f"MSG#{group}"}, "sk": {"S": f"{created}#{uuid.uuid4()}"},
                    "created_at": {"S": created}, "message": {"S": "hello"}})
            arn = dynamo.describe_table(TableName=table)["Table"]["LatestStreamArn"]
            shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
            iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                                  ShardIteratorType="TRIM_HORIZON")
            records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
            for record in records:  # boto3 parsed the time; Lambda sends epoch seconds
                record["dynamodb"]["ApproximateCreationDateTime"] = int(
                    record["dynamodb"]["ApproximateCreationDateTime"].timestamp())
            self.assertEqual(len(records), 5)
            self.assertEqual(self.handle(records[:3]), {"batchItemFailures": []})
            expected = {("2026-12-01", "messages"): 3, ("2026-12-01", "conversations"): 1}
            self.assertEqual(self.counts(), expected)

            env = {"PATH": os.environ["PATH"], "CONNECTION_URL": self.url,
                   "CRUDDUR_DB_DIR": str(ARGS.repo / "db"), "AWS_ENDPOINT_URL": moto,
                   "AWS_DEFAULT_REGION": "us-east-1", "DDB_MESSAGE_TABLE": table,
                   "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
            done = subprocess.run([str(ARGS.cruddur), "metrics", "sync"], env=env,
                                  capture_output=True, text=True, timeout=120, check=False)
            self.assertEqual(done.returncode, 0, done.stderr)
            self.assertIn("2 message(s) counted (3 counted before)", done.stderr)
            expected[("2026-12-01", "messages")] = 5
            self.assertEqual(self.counts(), expected)
            # And the Lambda, handed the whole batch again, counts nothing more.
            self.assertEqual(self.handle(records), {"batchItemFailures": []})
            self.assertEqual(self.counts(), expected)
        finally:
            dynamo.delete_table(TableName=table)


def main():
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--cruddur", type=Path, required=True)
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--bootstrap", type=Path)
    target.add_argument("--zip", type=Path)
    ARGS, rest = parser.parse_known_args()
    ARGS.task_root = None
    harness.ARGS = ARGS
    with tempfile.TemporaryDirectory(prefix="cruddur-lambda-task-") as task_root:
        cases = [StreamMetricsTest, LambdaAndSyncTest]
        if ARGS.zip:
            # zipfile drops the Unix modes, so unzip (as Lambda does) keeps bootstrap executable.
            subprocess.run(["unzip", "-q", str(ARGS.zip), "-d", task_root], check=True)
            ARGS.task_root = Path(task_root)
            cases = [StreamMetricsTest]
        suite = unittest.TestSuite()
        loader = unittest.TestLoader()
        for case in cases:
            suite.addTests(loader.loadTestsFromTestCase(case))
        verbosity = 2 if "-v" in rest else 1
        result = unittest.TextTestRunner(verbosity=verbosity).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
