// The lifecycle switches of an image: deprecation, disable/enable, deregistration protection.
// Deprecation: the time is rounded to the minute, not in the past, at most 10 years away; a
// public image's deprecation is at most two years after its creation and cannot be cancelled
// or moved later while it is public (EC2 user guide, "Deprecate an AMI").
import type { Store } from '../../../store/store.js';
import type { ImageRow } from '../../../store/repos/images.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';

const TEN_YEARS_MS = 10 * 365 * 24 * 3600_000;
const TWO_YEARS_MS = 2 * 365 * 24 * 3600_000;
const DAY_MS = 24 * 3600_000;

/** A public image is deprecated two years after its creation at the latest (minute precision). */
export function publicDeprecationLimit(image: Pick<ImageRow, 'creation_date'>): Date {
  const at = new Date(Date.parse(image.creation_date) + TWO_YEARS_MS);
  at.setUTCSeconds(0, 0);
  return at;
}

/** How DescribeImages shows deregistration protection: a finished cooldown reads `disabled`. */
export function protectionView(image: Pick<ImageRow, 'deregistration_protection' | 'protection_cooldown_until'>, now = Date.now()): string {
  const until = image.protection_cooldown_until;
  if (image.deregistration_protection.startsWith('disabled-until') && until && Date.parse(until) <= now) return 'disabled';
  return image.deregistration_protection;
}

export class ImageLifecycle {
  constructor(private readonly store: Store) {}

  async deprecate(image: ImageRow, at: Date, checkpoint: () => void): Promise<void> {
    const rounded = new Date(Math.round(at.getTime() / 60_000) * 60_000);
    const now = Date.now();
    if (rounded.getTime() < now - 60_000) throw invalidParameterValue(`The deprecation time ${at.toISOString()} is in the past.`);
    if (image.public && rounded.getTime() > publicDeprecationLimit(image).getTime()) {
      throw invalidParameterValue(`The deprecation time of a public AMI can be at most 2 years after its creation (${publicDeprecationLimit(image).toISOString()}).`);
    }
    if (rounded.getTime() > now + TEN_YEARS_MS) throw invalidParameterValue('The deprecation time must be at most 10 years from now.');
    checkpoint();
    await this.store.images.update(image.image_id, { deprecation_time: rounded.toISOString() });
  }

  async undeprecate(image: ImageRow, checkpoint: () => void): Promise<void> {
    if (image.public) {
      throw ec2Error('OperationNotPermitted', `The deprecation of public image ${image.image_id} cannot be cancelled: make the image private first.`);
    }
    checkpoint();
    await this.store.images.update(image.image_id, { deprecation_time: null });
  }

  /** DisableImage: state `disabled`, and every launch permission is removed for good. */
  async disable(image: ImageRow, checkpoint: () => void): Promise<void> {
    if (image.state !== 'available') throw ec2Error('InvalidAMIID.Unavailable', `The image ${image.image_id} is ${image.state} and cannot be disabled.`);
    checkpoint();
    await this.store.transaction(async (tx) => {
      await tx.images.clearLaunchPermissions(image.image_id);
      await tx.images.update(image.image_id, { state: 'disabled' });
    });
  }

  async enable(image: ImageRow, checkpoint: () => void): Promise<void> {
    if (image.state !== 'disabled') throw ec2Error('IncorrectState', `The image ${image.image_id} is not disabled.`);
    checkpoint();
    await this.store.images.update(image.image_id, { state: 'available' });
  }

  /** Returns the new state as EnableImageDeregistrationProtection reports it. */
  async protect(image: ImageRow, withCooldown: boolean, checkpoint: () => void): Promise<string> {
    checkpoint();
    const state = withCooldown ? 'enabled-with-cooldown' : 'enabled-without-cooldown';
    await this.store.images.update(image.image_id, { deregistration_protection: state, protection_cooldown_until: null });
    return state;
  }

  /** With a cooldown, protection lasts 24 h after it is disabled. */
  async unprotect(image: ImageRow, checkpoint: () => void): Promise<string> {
    checkpoint();
    // a cooldown already running keeps running
    if (protectionView(image).startsWith('disabled-until')) return 'disabled';
    if (image.deregistration_protection === 'enabled-with-cooldown') {
      const until = new Date(Date.now() + DAY_MS).toISOString();
      await this.store.images.update(image.image_id, { deregistration_protection: `disabled-until ${until}`, protection_cooldown_until: until });
      return 'disabled';
    }
    await this.store.images.update(image.image_id, { deregistration_protection: 'disabled', protection_cooldown_until: null });
    return 'disabled';
  }
}
