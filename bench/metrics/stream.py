"""bench/metrics helper: fills the messages table's stream, or reads it all as fast as it can.

  stream.py load ENDPOINT TABLE COUNT   put COUNT message items (500 conversations, 7 days)
  stream.py read ENDPOINT TABLE LIMIT   GetRecords over the whole shard; prints records, seconds
"""

import datetime
import sys
import time
import uuid

import boto3


def clients(endpoint):
    options = {"endpoint_url": endpoint, "region_name": "us-east-1",
               "aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
    return boto3.client("dynamodb", **options), boto3.client("dynamodbstreams", **options)


def load(endpoint, table, count):
    dynamo, _ = clients(endpoint)
    groups = [str(uuid.uuid4()) for _ in range(500)]
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=6)
    items = []
    for i in range(count):
        created = (start + datetime.timedelta(seconds=i * 6 * 86400 // count)).isoformat(
            timespec="microseconds")
        group = groups[i % len(groups)]
        items.append({"PutRequest": {"Item": {
            "pk": {"S": f"MSG#{group}"}, "sk": {"S": f"{created}#{uuid.uuid4()}"},
            "message_group_uuid": {"S": group}, "created_at": {"S": created},
            "message": {"S": f"message {i}"}}}})
    for at in range(0, len(items), 25):
        dynamo.batch_write_item(RequestItems={table: items[at:at + 25]})


def read(endpoint, table, limit):
    dynamo, streams = clients(endpoint)
    arn = dynamo.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    started = time.monotonic()
    total = 0
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator, Limit=limit)
            if not page["Records"]:
                break
            total += len(page["Records"])
            iterator = page.get("NextShardIterator")
    print(total, f"{time.monotonic() - started:.3f}")


if __name__ == "__main__":
    mode, endpoint, table, number = sys.argv[1:5]
    (load if mode == "load" else read)(endpoint, table, int(number))
