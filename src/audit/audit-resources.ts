// The resources an event names (CloudTrail's `resources`, LookupEvents' ResourceType and
// ResourceName), found where it is cheap: EC2 ids anywhere in the input (and, for a call that
// changed something, the output: a RunInstances' instances, a CreateImage's image), KMS keys by
// ARN or by a KMS call's KeyId, Auto Scaling groups and SSM parameters by their members' names.
export interface AuditResource {
  /** AWS::EC2::Image, … */
  type: string;
  /** the id or name (LookupEvents' ResourceName) */
  name: string;
  arn: string;
}

const MAX_RESOURCES = 50;
const MAX_DEPTH = 6;

const EC2_IDS: Record<string, { type: string; kind: string; owned: boolean }> = {
  ami: { type: 'AWS::EC2::Image', kind: 'image', owned: false },
  i: { type: 'AWS::EC2::Instance', kind: 'instance', owned: true },
  snap: { type: 'AWS::EC2::Snapshot', kind: 'snapshot', owned: false },
  vol: { type: 'AWS::EC2::Volume', kind: 'volume', owned: true },
  lt: { type: 'AWS::EC2::LaunchTemplate', kind: 'launch-template', owned: true },
  sg: { type: 'AWS::EC2::SecurityGroup', kind: 'security-group', owned: true },
  key: { type: 'AWS::EC2::KeyPair', kind: 'key-pair', owned: true },
  subnet: { type: 'AWS::EC2::Subnet', kind: 'subnet', owned: true },
};
const EC2_ID = /^(ami|i|snap|vol|lt|sg|key|subnet)-[0-9a-f]{8,17}$/;
const KMS_KEY_ARN = /^arn:aws:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;
const KMS_KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function findResources(service: string, accountId: string, region: string, values: unknown[]): AuditResource[] {
  const found = new Map<string, AuditResource>();
  const add = (r: AuditResource) => {
    if (found.size < MAX_RESOURCES) found.set(`${r.type} ${r.name}`, r);
  };
  const visit = (v: unknown, member: string | undefined, depth: number): void => {
    if (found.size >= MAX_RESOURCES || depth > MAX_DEPTH || v === null || v === undefined) return;
    if (typeof v === 'string') {
      const id = EC2_ID.exec(v);
      if (id) {
        const t = EC2_IDS[id[1]];
        add({ type: t.type, name: v, arn: `arn:aws:ec2:${region}:${t.owned ? accountId : ''}:${t.kind}/${v}` });
      } else if (KMS_KEY_ARN.test(v)) {
        add({ type: 'AWS::KMS::Key', name: v, arn: v });
      } else if (service === 'kms' && member === 'KeyId' && KMS_KEY_ID.test(v)) {
        const arn = `arn:aws:kms:${region}:${accountId}:key/${v}`;
        add({ type: 'AWS::KMS::Key', name: arn, arn });
      } else if (service === 'autoscaling' && member === 'AutoScalingGroupName') {
        add({ type: 'AWS::AutoScaling::AutoScalingGroup', name: v, arn: `arn:aws:autoscaling:${region}:${accountId}:autoScalingGroup:*:autoScalingGroupName/${v}` });
      } else if (service === 'ssm' && (member === 'Name' || member === 'Names') && !v.startsWith('/aws/')) {
        add({ type: 'AWS::SSM::Parameter', name: v, arn: `arn:aws:ssm:${region}:${accountId}:parameter${v.startsWith('/') ? '' : '/'}${v}` });
      }
      return;
    }
    if (Array.isArray(v)) {
      for (const item of v) visit(item, member, depth + 1);
      return;
    }
    if (typeof v === 'object' && !Buffer.isBuffer(v) && !(v instanceof Date) && !(v instanceof Uint8Array)) {
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) visit(item, k, depth + 1);
    }
  };
  for (const v of values) visit(v, undefined, 0);
  return [...found.values()];
}
