// The key policies KMS writes itself: the default policy of a customer managed key (the
// account's root may do everything, which delegates to the account) and the policy of an AWS
// managed key such as aws/ebs (only the owning account may use it, and may only read and revoke
// grants on it: no disabling, deleting or re-policing an AWS managed key).
export function defaultKeyPolicy(accountId: string): string {
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    },
    null,
    2,
  );
}

/**
 * AWS's `auto-<service>` policy. AWS also conditions the first statement on
 * `kms:ViaService = <service>.<region>.amazonaws.com`; Imago's callers reach the key directly or
 * through the in-process domain API, so only the account condition is kept.
 */
export function awsManagedKeyPolicy(accountId: string, service: string): string {
  const name = service.toUpperCase();
  return JSON.stringify(
    {
      Version: '2012-10-17',
      Id: `auto-${service}-2`,
      Statement: [
        {
          Sid: `Allow access through ${name} for all principals in the account that are authorized to use ${name}`,
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:CallerAccount': accountId } },
        },
        {
          Sid: 'Allow direct access to key metadata to the account',
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${accountId}:root` },
          Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
          Resource: '*',
        },
      ],
    },
    null,
    2,
  );
}
