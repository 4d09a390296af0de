// A task's failure as AWS reports it in StatusMessage / StoreTaskFailureReason (`ClientError: …`).
export class TaskFailure extends Error {}
