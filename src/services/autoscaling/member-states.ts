// The lifecycle states a group member passes through, as predicates the reconciler and the
// operations share. A launching instance is Pending, waits in Pending:Wait while launch hooks
// run, goes on as Pending:Proceed and becomes InService; a terminating one is Terminating,
// waits in Terminating:Wait while terminate hooks run, then Terminating:Proceed until EC2 has
// terminated it. Warm pool instances are Warmed:* and never count toward the group's capacity.
//
//   Pending ──(launch hooks)──> Pending:Wait ──CONTINUE──> Pending:Proceed ──running──> InService
//                                    └──ABANDON──> Terminating (replaced)
//   Terminating ──(terminate hooks)──> Terminating:Wait ──any result──> Terminating:Proceed ──> gone
//   Warmed:Pending ──(launch hooks)──> Warmed:Pending:Wait ──CONTINUE──> Warmed:Pending:Proceed
//     ──(Stopped pool)──> Warmed:Stopped ──scale-out──> Pending (launch hooks again: Pending:Wait)
//     └─(Running pool)──> Warmed:Running ──scale-out──> Pending
//   InService ──scale-in, ReuseOnScaleIn──> Warmed:Pending(:Wait with terminate hooks) ──> …
//   Warmed:* ──pool too big / deleted──> Warmed:Terminating ──> gone
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';

export const PENDING_WAIT = 'Pending:Wait';
export const PENDING_PROCEED = 'Pending:Proceed';
export const TERMINATING_WAIT = 'Terminating:Wait';
export const TERMINATING_PROCEED = 'Terminating:Proceed';
export const WARMED_PENDING = 'Warmed:Pending';
export const WARMED_PENDING_WAIT = 'Warmed:Pending:Wait';
export const WARMED_PENDING_PROCEED = 'Warmed:Pending:Proceed';
export const WARMED_STOPPED = 'Warmed:Stopped';
export const WARMED_RUNNING = 'Warmed:Running';
export const WARMED_TERMINATING = 'Warmed:Terminating';

type Member = Pick<GroupInstanceRow, 'lifecycle_state'>;

/** On its way into service (counts toward capacity, not yet InService). */
export const isPending = (m: Member) => m.lifecycle_state === 'Pending' || m.lifecycle_state === PENDING_WAIT || m.lifecycle_state === PENDING_PROCEED;

/** Counts toward the group's capacity. */
export const isActive = (m: Member) => m.lifecycle_state === 'InService' || isPending(m);

/** Being taken out of service, EC2 termination requested (or waiting for terminate hooks). */
export const isTerminating = (m: Member) => m.lifecycle_state === 'Terminating' || m.lifecycle_state === TERMINATING_WAIT || m.lifecycle_state === TERMINATING_PROCEED;

/** In the warm pool on its way to Warmed:Stopped/Running (hooks may hold it). */
export const isWarmPending = (m: Member) => m.lifecycle_state.startsWith(WARMED_PENDING);

/** In the warm pool (any Warmed:* state). */
export const isWarm = (m: Member) => m.lifecycle_state.startsWith('Warmed:');
