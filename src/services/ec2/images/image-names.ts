// AMI names: 3-128 characters of letters, digits, spaces and ( ) [ ] . / - ' @ _ (the current
// CreateImage/RegisterImage reference; the error page still lists an older, narrower set).
import { ec2Error } from '../ec2-errors.js';

const NAME = /^[A-Za-z0-9 ()[\]./\-'@_]{3,128}$/;

export function validateImageName(name: string): void {
  if (!NAME.test(name)) {
    throw ec2Error(
      'InvalidAMIName.Malformed',
      `AMI names must be between 3 and 128 characters long, and may contain letters, numbers, spaces, and the following characters: ( ) [ ] . / - ' @ _ (got "${name.slice(0, 140)}")`,
    );
  }
}

export const duplicateName = (name: string, holder: string) => ec2Error('InvalidAMIName.Duplicate', `AMI name ${name} is already in use by AMI ${holder}`);

/** Descriptions of images: at most 255 characters (CreateImage/RegisterImage/CopyImage references). */
export function validateDescription(description: string | undefined): void {
  if (description !== undefined && [...description].length > 255) {
    throw ec2Error('InvalidParameterValue', 'The description must be at most 255 characters long.');
  }
}
