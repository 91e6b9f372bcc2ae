// The one stale-response guard of the window. Answers from the shell arrive in any order: a
// detail asked for before the user moved on, a page of a list whose filters changed since. Each
// request takes a ticket; only the holder of the latest ticket may still change what is shown.
import { useState } from "react";

/** Says whether the answer to the request that took it is still wanted. */
export type Ticket = () => boolean;

export interface StaleGuard {
  /** A new request: every earlier one's answer is dropped from now on. */
  begin(): Ticket;
  /** More of the latest request (its next page): dropped once another request begins. */
  follow(): Ticket;
  /** A fresher answer came another way (the shell's reply to an action): drop all in flight. */
  supersede(): void;
}

export function staleGuard(): StaleGuard {
  let latest = 0;
  const ticket = (mine: number): Ticket => () => mine === latest;
  return {
    begin: () => ticket(++latest),
    follow: () => ticket(latest),
    supersede: () => void ++latest,
  };
}

/** A guard that lives as long as the component (the same object on every render). */
export function useStaleGuard(): StaleGuard {
  const [guard] = useState(staleGuard);
  return guard;
}
