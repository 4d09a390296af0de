// STS operations: thin mappings onto the STS service.
import type { Operations } from '../../api/sts/types.js';
import type { HandlerMap } from '../../protocol/dispatch.js';
import { callerOf } from '../../iam/identities.js';
import type { SessionCredentials } from '../../iam/session-tokens.js';
import type { StsService } from './sts-service.js';

const credentials = (c: SessionCredentials) => ({ AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: new Date(c.expiration) });

export function stsHandlers(sts: StsService): HandlerMap<Operations> {
  return {
    GetCallerIdentity(ctx) {
      const who = sts.callerIdentity(callerOf(ctx));
      return { UserId: who.userId, Account: who.account, Arn: who.arn };
    },
    async AssumeRole(ctx, i) {
      const r = await sts.assumeRole(callerOf(ctx), {
        roleArn: i.RoleArn,
        sessionName: i.RoleSessionName,
        durationSeconds: i.DurationSeconds,
        policy: i.Policy,
        policyArns: i.PolicyArns?.flatMap((p) => (p.arn ? [p.arn] : [])),
        tags: i.Tags,
        transitiveTagKeys: i.TransitiveTagKeys,
        externalId: i.ExternalId,
        sourceIdentity: i.SourceIdentity,
      });
      return { Credentials: credentials(r.credentials), AssumedRoleUser: { AssumedRoleId: r.assumedRoleId, Arn: r.arn }, PackedPolicySize: r.packedPolicySize, SourceIdentity: r.sourceIdentity };
    },
    GetSessionToken(ctx, i) {
      return { Credentials: credentials(sts.sessionToken(callerOf(ctx), i.DurationSeconds)) };
    },
    DecodeAuthorizationMessage(_ctx, i) {
      return { DecodedMessage: sts.decode(i.EncodedMessage) };
    },
  };
}
