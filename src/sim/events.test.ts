import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../util/prng.ts";
import { EventQueue, PastEventError } from "./events.ts";

describe("event queue", () => {
  it("takes events in time order, ties in scheduling order", () => {
    const q = new EventQueue<number>();
    const rng = new Rng(3);
    const times: number[] = [];
    for (let i = 0; i < 2000; i++) {
      const at = rng.uint32() % 50;
      times.push(at);
      q.schedule(at, i);
    }
    let last = { at: -1, event: -1 };
    for (let e = q.next(); e; e = q.next()) {
      assert.ok(e.at > last.at || (e.at === last.at && e.event > last.event));
      assert.equal(times[e.event], e.at);
      last = e;
    }
    assert.equal(q.size, 0);
  });

  it("refuses an event in the past", () => {
    const q = new EventQueue<string>();
    q.schedule(5, "a");
    q.next();
    assert.throws(() => q.schedule(4, "b"), PastEventError);
  });
});
