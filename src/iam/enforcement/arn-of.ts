// ARNs of the resources a request touches, from the reference's templates: the parts the caller
// knows are filled in, any other placeholder is `*` (a resource the request creates, or a part
// such as an Auto Scaling group's uuid that the request does not carry). A policy's ARN pattern
// matches such an ARN only where it allows any value there, as AWS evaluates creations.
import { fillArnTemplate } from '../authorization/resource-arn.js';

/** Where a resource lives: the call's region and the caller's account, unless named otherwise. */
export interface ArnHome {
  region: string;
  account: string;
}

export function arnOf(template: string, home: ArnHome, ids: Record<string, string | undefined>): string {
  const names = [...template.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]);
  const parts: Record<string, string> = { region: home.region, account: home.account };
  for (const n of names) if (!['Partition', 'Region', 'Account'].includes(n)) parts[n] = ids[n] || '*';
  return fillArnTemplate(template, parts);
}

/** The ARN of a resource named by one id: the template's last placeholder is the id. */
export function arnOfId(template: string, home: ArnHome, id: string): string {
  const names = [...template.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]);
  return arnOf(template, home, { [names[names.length - 1]]: id });
}

export const homeOf = (call: { region: string; identity: { accountId: string } }): ArnHome => ({ region: call.region, account: call.identity.accountId });
