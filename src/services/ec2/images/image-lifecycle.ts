// The lifecycle switches of an image: deprecation, disable/enable, deregistration protection.
import type { Store } from '../../../store/store.js';
import type { ImageRow } from '../../../store/repos/images.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';

const TEN_YEARS_MS = 10 * 365 * 24 * 3600_000;
const TWO_YEARS_MS = 2 * 365 * 24 * 3600_000;
const DAY_MS = 24 * 3600_000;

export class ImageLifecycle {
  constructor(private readonly store: Store) {}

  /** EnableImageDeprecation: the time is rounded to the minute; not in the past; <= 10 years (2 for public images). */
  async deprecate(image: ImageRow, at: Date, checkpoint: () => void): Promise<void> {
    const rounded = new Date(Math.round(at.getTime() / 60_000) * 60_000);
    const now = Date.now();
    if (rounded.getTime() < now - 60_000) throw invalidParameterValue(`The deprecation time ${at.toISOString()} is in the past.`);
    const limit = image.public ? TWO_YEARS_MS : TEN_YEARS_MS;
    if (rounded.getTime() > now + limit) {
      throw invalidParameterValue(`The deprecation time must be at most ${image.public ? 2 : 10} years from now${image.public ? ' for a public AMI' : ''}.`);
    }
    checkpoint();
    await this.store.images.update(image.image_id, { deprecation_time: rounded.toISOString() });
  }

  async undeprecate(image: ImageRow, checkpoint: () => void): Promise<void> {
    checkpoint();
    await this.store.images.update(image.image_id, { deprecation_time: null });
  }

  /** DisableImage: state `disabled`, and every launch permission is removed for good. */
  async disable(image: ImageRow, checkpoint: () => void): Promise<void> {
    if (image.state !== 'available') throw ec2Error('InvalidAMIID.Unavailable', `The image ${image.image_id} is ${image.state} and cannot be disabled.`);
    checkpoint();
    await this.store.images.clearLaunchPermissions(image.image_id);
    await this.store.images.update(image.image_id, { state: 'disabled' });
  }

  async enable(image: ImageRow, checkpoint: () => void): Promise<void> {
    if (image.state !== 'disabled') throw ec2Error('IncorrectState', `The image ${image.image_id} is not disabled.`);
    checkpoint();
    await this.store.images.update(image.image_id, { state: 'available' });
  }

  async protect(image: ImageRow, withCooldown: boolean, checkpoint: () => void): Promise<string> {
    checkpoint();
    const state = withCooldown ? 'enabled-with-cooldown' : 'enabled';
    await this.store.images.update(image.image_id, { deregistration_protection: state, protection_cooldown_until: null });
    return state;
  }

  /** With a cooldown, protection lasts 24 h after it is disabled. */
  async unprotect(image: ImageRow, checkpoint: () => void): Promise<string> {
    checkpoint();
    if (image.deregistration_protection === 'enabled-with-cooldown') {
      const until = new Date(Date.now() + DAY_MS).toISOString();
      await this.store.images.update(image.image_id, { deregistration_protection: `disabled-until ${until}`, protection_cooldown_until: until });
      return 'disabled';
    }
    await this.store.images.update(image.image_id, { deregistration_protection: 'disabled', protection_cooldown_until: null });
    return 'disabled';
  }
}
