#!/usr/bin/env python3
"""The client-floor workload through boto3 (bench/workloads/client-floor.ts), the same against any
endpoint: Imago, moto_server, or the replay stub that answers Imago's recorded bytes.

Steps, each timed per call in ms client-side (signing, sending, parsing: what a user waits for):
RegisterImage xN, DescribeImages Owners=self (all N), name wildcard + tag filter, one ImageId,
CopyImage, RunInstances MaxCount=1 and MaxCount=100, CreateImage, DescribeInstances of all
instances (one call, no MaxResults) once INSTANCES exist, DescribeRegions. Set-up calls (a volume,
a snapshot, tags, the bulk launches) are not timed.

--record FILE writes, per step (and per set-up operation), the last call's request body and the
response's status, content type and bytes: the stub replays them.
Prints one JSON object {"steps": {label: [ms, ...]}, "notes": {label: error code}}.

usage: floor_workload.py --endpoint URL [--images N] [--instances N] [--quick] [--record FILE]
credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
"""
import argparse
import base64
import json
import sys
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--images", type=int, default=2000)
    p.add_argument("--instances", type=int, default=10000)
    p.add_argument("--singles", type=int, default=200)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--record")
    p.add_argument("--region", default="us-east-1")
    a = p.parse_args()
    ec2 = boto3.client("ec2", endpoint_url=a.endpoint, region_name=a.region, config=Config(retries={"max_attempts": 1, "mode": "standard"}))

    slot = ["setup"]
    recorded = {}
    last_request = [b""]
    if a.record:
        def on_send(request, **kw):
            body = request.body
            last_request[0] = body if isinstance(body, bytes) else (body or "").encode()

        def on_parse(operation_model, response_dict, **kw):
            key = slot[0] if slot[0] != "setup" else f"setup {operation_model.name}"
            recorded[key] = {
                "request": last_request[0].decode(),
                "status": response_dict["status_code"],
                "contentType": response_dict["headers"].get("content-type", "text/xml;charset=UTF-8"),
                "body": base64.b64encode(response_dict["body"]).decode(),
            }

        ec2.meta.events.register("before-send.ec2.*", on_send)
        ec2.meta.events.register("before-parse.ec2.*", on_parse)

    steps = {}
    notes = {}

    def step(label, n, call):
        slot[0] = label
        times = steps.setdefault(label, [])
        try:
            for i in range(n):
                start = time.perf_counter()
                call(i)
                times.append((time.perf_counter() - start) * 1000)
        except ClientError as e:
            notes[label] = e.response["Error"]["Code"]
        slot[0] = "setup"

    def wait(check):
        for _ in range(500):
            if check():
                return
            time.sleep(0.02)
        sys.exit("timed out waiting")

    vol = ec2.create_volume(AvailabilityZone=f"{a.region}a", Size=1)["VolumeId"]
    wait(lambda: ec2.describe_volumes(VolumeIds=[vol])["Volumes"][0]["State"] == "available")
    snap = ec2.create_snapshot(VolumeId=vol)["SnapshotId"]
    wait(lambda: ec2.describe_snapshots(SnapshotIds=[snap])["Snapshots"][0]["State"] == "completed")

    ids = []

    def register(i):
        ids.append(ec2.register_image(
            Name=f"bench-{i:05d}", Architecture="x86_64", RootDeviceName="/dev/xvda", VirtualizationType="hvm",
            BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snap}}],
        )["ImageId"])

    step("RegisterImage", a.images, register)
    red = ids[1::2]
    for k in range(0, len(red), 500):
        ec2.create_tags(Resources=red[k:k + 500], Tags=[{"Key": "team", "Value": "red"}])

    def describe_all(_):
        got = len(ec2.describe_images(Owners=["self"])["Images"])
        if got != a.images:
            sys.exit(f"DescribeImages Owners=self returned {got} of {a.images}")

    prefix = "bench-01" if a.images > 1000 else "bench-000"
    expected = sum(1 for i in range(a.images) if f"bench-{i:05d}".startswith(prefix) and i % 2 == 1)

    def describe_filtered(_):
        got = len(ec2.describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": [f"{prefix}*"]}, {"Name": "tag:team", "Values": ["red"]}])["Images"])
        if got != expected:
            sys.exit(f"filtered DescribeImages returned {got}, expected {expected}")

    step(f"DescribeImages all {a.images}", a.repeat, describe_all)
    step("DescribeImages filtered", a.repeat, describe_filtered)
    step("DescribeImages by id", a.singles, lambda i: ec2.describe_images(ImageIds=[ids[(i * 7919) % len(ids)]]))
    step("CopyImage", max(10, a.singles // 10), lambda i: ec2.copy_image(SourceImageId=ids[i], SourceRegion=a.region, Name=f"copy-{i:05d}"))

    image = ids[0]
    launched = []
    step("RunInstances x1", a.singles // 4, lambda i: launched.append(ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][0]["InstanceId"]))
    step("RunInstances x100", a.repeat, lambda i: ec2.run_instances(ImageId=image, MinCount=100, MaxCount=100, InstanceType="t3.micro"))
    source = launched[0] if launched else ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro")["Instances"][0]["InstanceId"]
    wait(lambda: ec2.describe_instances(InstanceIds=[source])["Reservations"][0]["Instances"][0]["State"]["Name"] == "running")
    step("CreateImage", max(10, a.singles // 10), lambda i: ec2.create_image(InstanceId=source, Name=f"made-{i:05d}", NoReboot=True))

    have = len(launched) + 100 * a.repeat
    while have < a.instances:
        n = min(1000, a.instances - have)
        ec2.run_instances(ImageId=image, MinCount=n, MaxCount=n, InstanceType="t3.micro")
        have += n

    def describe_instances(_):
        got = sum(len(r["Instances"]) for r in ec2.describe_instances()["Reservations"])
        if got < a.instances:
            sys.exit(f"DescribeInstances returned {got} of {a.instances}")

    step(f"DescribeInstances all {a.instances}", max(2, a.repeat // 2), describe_instances)
    step("DescribeRegions", a.singles, lambda i: ec2.describe_regions())

    if a.record:
        with open(a.record, "w") as f:
            json.dump(recorded, f)
    print(json.dumps({"steps": steps, "notes": notes}))


if __name__ == "__main__":
    main()
