// Every resource lives in exactly one account and region; every repo call carries both.
export interface Scope {
  accountId: string;
  region: string;
}
