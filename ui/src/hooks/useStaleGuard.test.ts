import { act, renderHook } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import { staleGuard, useStaleGuard } from "./useStaleGuard";

/** A request whose answer arrives when the test says so. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("stale guard", () => {
  it("drops an older answer that arrives after a newer one", async () => {
    const { result } = renderHook(() => {
      const guard = useStaleGuard();
      const [shown, setShown] = useState<string | null>(null);
      const load = async (answer: Promise<string>) => {
        const current = guard.begin();
        const value = await answer;
        if (current()) setShown(value);
      };
      return { shown, load };
    });
    const older = deferred<string>();
    const newer = deferred<string>();
    let first!: Promise<void>, second!: Promise<void>;
    act(() => {
      first = result.current.load(older.promise);
      second = result.current.load(newer.promise);
    });
    await act(async () => {
      newer.resolve("newer");
      await second;
    });
    expect(result.current.shown).toBe("newer");
    await act(async () => {
      older.resolve("older");
      await first;
    });
    expect(result.current.shown).toBe("newer");
  });

  it("is the same guard on every render", () => {
    const { result, rerender } = renderHook(() => useStaleGuard());
    const first = result.current;
    rerender();
    expect(result.current).toBe(first);
  });

  it("lets the latest request's next page through until another request begins", () => {
    const guard = staleGuard();
    const list = guard.begin();
    const more = guard.follow();
    expect(list()).toBe(true);
    expect(more()).toBe(true);
    guard.begin();
    expect(list()).toBe(false);
    expect(more()).toBe(false);
  });

  it("drops everything in flight once a fresher answer came another way", () => {
    const guard = staleGuard();
    const pending = guard.begin();
    guard.supersede();
    expect(pending()).toBe(false);
    expect(guard.begin()()).toBe(true);
  });
});
