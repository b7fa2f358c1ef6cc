// The load generator: N messages over S sessions, at most C requests in flight, each session's messages sent
// strictly one after another (the next only once the previous one was answered), so the order the server
// accepted them in is the order they must come out in.
//
//   await runLoad({ client, url, messages, sessions, concurrency, rate = 0, headers = {}, message = benchMessage,
//                   acceptedStatus = 202 }) -> load
//     client       from createHttpClient(); url: the ingestion URL
//     rate         messages/s over the whole run (0: as fast as the server answers); paced globally, so a slow
//                  server makes sends late rather than bunched (latency counts from the actual send)
//     message(s, k) -> object  the JSON body of session s's k-th message (k from 0); benchMessage by default
//     load.accepted, load.failed, load.statuses { [status]: count }, load.firstFailure (text of the first one)
//     load.startedAt, load.endedAt (performance.now()), load.seconds, load.acceptedPerSec
//     load.ingestMs    number[]: request latency of every accepted message
//     load.sentAt      Float64Array per session: send time of message k, NaN when it was not accepted
//
// benchMessage(s, k) -> { userId: 'bench', sessionId: `s${s}`, text: `s${s}:${k}`, data: { s, k } }: the echo
// flow and the baselines send `data` back, which is how the receiver knows which input an output answers.

export function benchMessage(s, k) {
  return { userId: 'bench', sessionId: `s${s}`, text: `s${s}:${k}`, data: { s, k } };
}

export async function runLoad({
  client,
  url,
  messages,
  sessions,
  concurrency,
  rate = 0,
  headers = {},
  message = benchMessage,
  acceptedStatus = 202,
}) {
  const perSession = Array.from(
    { length: sessions },
    (_, s) => Math.floor(messages / sessions) + (s < messages % sessions ? 1 : 0),
  );
  const sentAt = perSession.map((count) => new Float64Array(count).fill(NaN));
  const nextK = new Int32Array(sessions);
  const ready = perSession.flatMap((count, s) => (count > 0 ? [s] : []));
  const requestHeaders = { 'content-type': 'application/json', ...headers };
  const ingestMs = [];
  const statuses = {};
  let accepted = 0;
  let failed = 0;
  let firstFailure;
  let inFlight = 0;
  let issued = 0;
  let waiters = [];
  const startedAt = performance.now();

  const pace = async () => {
    if (rate <= 0) return;
    const due = startedAt + (issued++ * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  };

  const send = async (s) => {
    const k = nextK[s]++;
    await pace();
    const body = JSON.stringify(message(s, k));
    const start = performance.now();
    const res = await client.request(url, { method: 'POST', headers: requestHeaders, body });
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (res.status === acceptedStatus) {
      accepted++;
      sentAt[s][k] = start;
      ingestMs.push(performance.now() - start);
    } else {
      failed++;
      firstFailure ??= `${res.status} ${res.error?.message ?? res.text.slice(0, 300)}`;
    }
  };

  const worker = async () => {
    for (;;) {
      const s = ready.shift();
      if (s === undefined) {
        if (inFlight === 0) return;
        await new Promise((resolve) => waiters.push(resolve));
        continue;
      }
      inFlight++;
      await send(s);
      inFlight--;
      if (nextK[s] < perSession[s]) ready.push(s);
      const woken = waiters;
      waiters = [];
      for (const wake of woken) wake();
    }
  };

  await Promise.all(Array.from({ length: concurrency }, worker));
  const endedAt = performance.now();
  const seconds = (endedAt - startedAt) / 1000;
  return {
    accepted,
    failed,
    statuses,
    firstFailure,
    startedAt,
    endedAt,
    seconds,
    acceptedPerSec: accepted / seconds,
    ingestMs,
    sentAt,
  };
}
