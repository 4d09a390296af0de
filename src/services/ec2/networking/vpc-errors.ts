// The VPC family's errors (EC2 API error-code reference; messages as AWS writes them).
import { ec2Error } from '../ec2-errors.js';
import { isId, type IdPrefix } from '../resource-ids.js';

const notFound = (code: string, noun: string) => (id: string) => ec2Error(code, `The ${noun} ID '${id}' does not exist`);

export const vpcNotFound = notFound('InvalidVpcID.NotFound', 'vpc');
export const subnetNotFound = notFound('InvalidSubnetID.NotFound', 'subnet');
export const gatewayNotFound = notFound('InvalidInternetGatewayID.NotFound', 'internetGateway');
export const routeTableNotFound = notFound('InvalidRouteTableID.NotFound', 'routeTable');
export const aclNotFound = notFound('InvalidNetworkAclID.NotFound', 'network ACL');
export const dhcpNotFound = notFound('InvalidDhcpOptionID.NotFound', 'dhcpOption');
export const rtAssociationNotFound = (id: string) => ec2Error('InvalidAssociationID.NotFound', `The association ID '${id}' does not exist`);
export const dependencyViolation = (message: string) => ec2Error('DependencyViolation', message);

const MALFORMED: Partial<Record<IdPrefix, string>> = {
  vpc: 'InvalidVpcID.Malformed',
  subnet: 'InvalidSubnetID.Malformed',
  igw: 'InvalidInternetGatewayID.Malformed',
  rtb: 'InvalidRouteTableID.Malformed',
  acl: 'InvalidNetworkAclID.Malformed',
  dopt: 'InvalidDhcpOptionsID.Malformed',
};

/** A well-formed id of the prefix, else that resource's Malformed error. */
export function assertId(prefix: IdPrefix, id: string): void {
  if (!isId(prefix, id)) throw ec2Error(MALFORMED[prefix] ?? 'InvalidParameterValue', `Invalid id: "${id}" (expecting "${prefix}-...")`);
}
