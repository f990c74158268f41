// Requests through an environment's load balancer (loopback only), tallied by what answered:
// the test app's version on a 200, else "HTTP <status>" or "error".

export type Tally = Record<string, number>;

/** One request to the load balancer: the version that answered, "HTTP <status>" or "error". */
export async function answer(cname: string): Promise<string> {
  try {
    const res = await fetch(`http://${cname}/`, { signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    return res.status === 200 ? (JSON.parse(text) as { version: string }).version : `HTTP ${res.status}`;
  } catch {
    return 'error';
  }
}

export async function tally(cname: string, requests: number): Promise<Tally> {
  const counts: Tally = {};
  for (let n = 0; n < requests; n++) {
    const got = await answer(cname);
    counts[got] = (counts[got] ?? 0) + 1;
  }
  return counts;
}

/**
 * Sends requests one after another, `gapMs` apart, while `work` runs (at most `maxRequests`),
 * and returns the tally with work's result.
 */
export async function trafficDuring<T>(cname: string, work: Promise<T>, gapMs = 40, maxRequests = 200): Promise<{ result: T; counts: Tally; total: number }> {
  let done = false;
  const counts: Tally = {};
  let total = 0;
  const loop = (async () => {
    while (!done && total < maxRequests) {
      const got = await answer(cname);
      counts[got] = (counts[got] ?? 0) + 1;
      total++;
      await new Promise((r) => setTimeout(r, gapMs));
    }
  })();
  let result: T;
  try {
    result = await work;
  } finally {
    done = true;
    await loop;
  }
  return { result, counts, total };
}
