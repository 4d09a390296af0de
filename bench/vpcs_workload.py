# The VPC workload of `bench vpcs`, run alike against Imago and moto_server: N VPCs with a subnet
# and a route table each, then DescribeVpcs / DescribeSubnets / DescribeRouteTables paged through
# (wall time per page, 5 passes), then RunInstances MaxCount=100 into a custom subnet and into the
# default VPC. Prints JSON.
import argparse, json, time
import boto3

p = argparse.ArgumentParser()
p.add_argument('--endpoint', required=True)
p.add_argument('--count', type=int, default=1000)
a = p.parse_args()
ec2 = boto3.client('ec2', endpoint_url=a.endpoint, region_name='us-east-1')

def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - t) * 1000

create = []
subnet = None
for i in range(a.count):
    vpc, ms = timed(lambda: ec2.create_vpc(CidrBlock='10.0.0.0/16')['Vpc']['VpcId'])
    create.append(ms)
    s = ec2.create_subnet(VpcId=vpc, CidrBlock='10.0.1.0/24', AvailabilityZone='us-east-1a')['Subnet']['SubnetId']
    ec2.create_route_table(VpcId=vpc)
    subnet = subnet or s

def pages(op, key, size):
    per_page = []
    for _ in range(5):
        token = None
        while True:
            kw = {'MaxResults': size}
            if token:
                kw['NextToken'] = token
            r, ms = timed(lambda: getattr(ec2, op)(**kw))
            per_page.append(ms)
            token = r.get('NextToken')
            if not token:
                break
    return per_page

result = {
    'count': a.count,
    'createVpc': create,
    'describeVpcs': pages('describe_vpcs', 'Vpcs', 1000),
    'describeSubnets': pages('describe_subnets', 'Subnets', 1000),
    'describeRouteTables': pages('describe_route_tables', 'RouteTables', 100),
}
image = sorted((i for i in ec2.describe_images(Owners=['amazon'])['Images'] if i.get('Architecture') == 'x86_64'), key=lambda i: i['ImageId'])[0]['ImageId']
for name, extra in [('runCustomSubnet', {'SubnetId': subnet}), ('runDefaultVpc', {})]:
    r, ms = timed(lambda: ec2.run_instances(ImageId=image, InstanceType='t3.micro', MinCount=100, MaxCount=100, **extra))
    result[name] = ms
    ids = [i['InstanceId'] for i in r['Instances']]
    ec2.terminate_instances(InstanceIds=ids)
print(json.dumps(result))
