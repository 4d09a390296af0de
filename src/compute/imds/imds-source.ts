// What the metadata service needs from the one instance it serves on a socket. The driver
// builds it from DriverInstance and the instance's MetadataOptions.
import type { InstanceMetadata } from '../instance-metadata.js';

/** The instance's metadata options (RunInstances / ModifyInstanceMetadataOptions). */
export interface ImdsOptions {
  httpEndpoint: 'enabled' | 'disabled';
  httpTokens: 'optional' | 'required';
  /**
   * HttpPutResponseHopLimit. Accepted and ignored: EC2 enforces it as the IP TTL of the token
   * PUT's response packets, and behind QEMU's user networking (slirp) the reply packets are
   * made by slirp from our socket's bytes, with a TTL we cannot set. A guest's containers get a
   * token whatever the limit.
   */
  hopLimit: number;
  instanceMetadataTags: 'enabled' | 'disabled';
}

export interface ImdsSource {
  instanceId: string;
  /** read on every request: ModifyInstanceMetadataOptions changes them while the VM runs */
  options(): Promise<ImdsOptions> | ImdsOptions;
  /** the tree as of now (tags, security groups, keys can change); read at most once a request */
  metadata(): Promise<InstanceMetadata>;
  /** called on every request that reached the service (the driver uses it as a sign of life) */
  onRequest?(): void;
  /** a request answered successfully without a session token (IMDSv1): EC2's MetadataNoToken metric */
  onTokenless?(): void;
  /**
   * Extension point for `meta-data/iam/` (instance profiles), not implemented yet. Given the
   * path below `iam/` ('' for the directory itself), it answers as `lookup` does: a value
   * (`info`, the credentials JSON of `security-credentials/<role>`), a listing (`info` and
   * `security-credentials/`), or undefined for 404. `tokenUsed` tells an IMDSv2 request from an
   * IMDSv1 one: EC2 hands the two different credentials. Without it the instance has no
   * profile: the meta-data listing shows no `iam/` and everything below it is 404.
   */
  iam?(path: string, request: { tokenUsed: boolean }): Promise<string | undefined>;
}
