// What a launch may depend on that other parts of Imago provide: launch templates, SSM
// parameters naming images (`resolve:ssm:<name>`), and Marketplace subscriptions. Each is a
// small function the composition root wires; until one is wired, its default answers as AWS
// does when the thing does not exist.
import type { LaunchTemplateSpecification, RequestLaunchTemplateData } from '../../../api/ec2/types.js';
import type { Scope } from '../../../store/scope.js';
import type { ImageRow } from '../../../store/repos/images.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';

export interface ResolvedLaunchTemplate {
  templateId: string;
  templateName: string;
  /** the version actually used ($Latest / $Default resolved) */
  version: number;
  data: RequestLaunchTemplateData;
}

/** A launch template version by id or name and `$Latest` / `$Default` / number (default `$Default`). */
export type LaunchTemplateResolver = (caller: Scope, spec: LaunchTemplateSpecification) => Promise<ResolvedLaunchTemplate>;

/** The image id an SSM parameter holds (the name without `resolve:ssm:`; may carry `:version`). */
export type ImageParameterResolver = (caller: Scope, parameterName: string) => Promise<string>;

/** Throws OptInRequired (401) when the caller must subscribe to a product before launching `image`. */
export type SubscriptionCheck = (caller: Scope, image: ImageRow, productCodes: { code: string; type: string }[]) => Promise<void>;

export interface LaunchSources {
  launchTemplates: LaunchTemplateResolver;
  imageParameters: ImageParameterResolver;
  subscriptions: SubscriptionCheck;
}

export const DEFAULT_LAUNCH_SOURCES: LaunchSources = {
  async launchTemplates(_caller, spec) {
    if (spec.LaunchTemplateId !== undefined) {
      throw ec2Error('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${spec.LaunchTemplateId}, does not exist.`);
    }
    throw ec2Error('InvalidLaunchTemplateName.NotFoundException', `The specified launch template, with template name ${spec.LaunchTemplateName ?? ''}, does not exist.`);
  },
  async imageParameters(_caller, name) {
    throw invalidParameterValue(`Unable to resolve the SSM parameter ${name}: the parameter does not exist.`);
  },
  // without a Marketplace nobody can have subscribed: every marketplace product code needs a
  // subscription, except for the image's owner (the seller)
  async subscriptions(caller, image, codes) {
    const code = codes.find((c) => c.type === 'marketplace')?.code;
    if (code !== undefined && image.account_id !== caller.accountId) {
      throw ec2Error('OptInRequired', `In order to use this AWS Marketplace product you need to accept terms and subscribe. To do so please visit https://aws.amazon.com/marketplace/pp?sku=${code}`, 401);
    }
  },
};
