#!/usr/bin/env python3
"""The image workload through boto3, the same against any endpoint (Imago, moto_server).

RegisterImage xN (from one completed snapshot), then DescribeImages Owners=self (all N), a
name-wildcard + tag filter, one ImageId, and CopyImage when the endpoint implements it.
Prints one JSON object: per step the wall-clock time of each call in ms, client-side (boto3's
signing and parsing included), and under "wire" the time from sending the signed request to
having the whole response (botocore's before-send -> before-parse events): the server's time
plus loopback. Never asserts beyond checking the answers are complete.

usage: images_workload.py --endpoint URL --count N [--repeat R] [--region R]
credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
"""
import argparse
import json
import statistics
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - start) * 1000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--count", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=7)
    p.add_argument("--singles", type=int, default=300)
    p.add_argument("--copies", type=int, default=50)
    p.add_argument("--region", default="us-east-1")
    a = p.parse_args()
    ec2 = boto3.client("ec2", endpoint_url=a.endpoint, region_name=a.region, config=Config(retries={"max_attempts": 1, "mode": "standard"}))
    wire = []
    sent = [0.0]
    ec2.meta.events.register("before-send.ec2.*", lambda **kw: sent.__setitem__(0, time.perf_counter()))
    ec2.meta.events.register("before-parse.ec2.*", lambda **kw: wire.append((time.perf_counter() - sent[0]) * 1000))


    # one completed snapshot to register from
    vol = ec2.create_volume(AvailabilityZone=f"{a.region}a", Size=1)["VolumeId"]
    for _ in range(400):
        if ec2.describe_volumes(VolumeIds=[vol])["Volumes"][0]["State"] == "available":
            break
        time.sleep(0.02)
    snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
    for _ in range(400):
        if ec2.describe_snapshots(SnapshotIds=[snap])["Snapshots"][0]["State"] == "completed":
            break
        time.sleep(0.02)

    register = []
    ids = []
    for i in range(a.count):
        out, ms = timed(lambda: ec2.register_image(
            Name=f"bench-{i:05d}",
            Architecture="x86_64",
            RootDeviceName="/dev/xvda",
            VirtualizationType="hvm",
            BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snap}}],
        ))
        register.append(ms)
        ids.append(out["ImageId"])
    # tag every other image team=red (not timed)
    red = ids[1::2]
    for k in range(0, len(red), 500):
        ec2.create_tags(Resources=red[k:k + 500], Tags=[{"Key": "team", "Value": "red"}])

    def describe_all():
        images = ec2.describe_images(Owners=["self"])["Images"]
        if len(images) != a.count:
            sys.exit(f"DescribeImages Owners=self returned {len(images)} of {a.count}")

    # bench-01*: 1000 names (when count >= 2000), red ones among them: 500
    expected = sum(1 for i in range(a.count) if f"bench-{i:05d}".startswith("bench-01") and i % 2 == 1)

    def describe_filtered():
        images = ec2.describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": ["bench-01*"]}, {"Name": "tag:team", "Values": ["red"]}])["Images"]
        if len(images) != expected:
            sys.exit(f"filtered DescribeImages returned {len(images)}, expected {expected}")

    def both(fn):
        out, ms = timed(fn)
        return ms, wire[-1]

    full = [both(describe_all) for _ in range(a.repeat)]
    filtered = [both(describe_filtered) for _ in range(a.repeat)]
    one = [both(lambda i=i: ec2.describe_images(ImageIds=[ids[(i * 7919) % len(ids)]])) for i in range(a.singles)]

    copies = []
    copy_note = None
    for i in range(a.copies):
        try:
            _, ms = timed(lambda i=i: ec2.copy_image(SourceImageId=ids[i], SourceRegion=a.region, Name=f"copy-{i:05d}"))
            copies.append(ms)
        except ClientError as e:
            copy_note = e.response["Error"]["Code"]
            break

    print(json.dumps({
        "count": a.count,
        "register": register,
        "describeAll": [c for c, _ in full],
        "describeFiltered": [c for c, _ in filtered],
        "describeOne": [c for c, _ in one],
        "wire": {"describeAll": [w for _, w in full], "describeFiltered": [w for _, w in filtered], "describeOne": [w for _, w in one]},
        "copyImage": copies,
        "copyNote": copy_note,
        "filteredCount": expected,
    }))


if __name__ == "__main__":
    main()
