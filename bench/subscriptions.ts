/**
 * Scenario S5 of `npm run bench`: N subscribers of `contentPublished` over WebSocket (graphql-ws,
 * one connection each, as N member apps would hold) on one gateway process, while stories are
 * published through the same gateway at a fixed rate. Measures, for every (event, subscriber)
 * pair, the delivery latency from the moment the `publishContent` request is sent to the moment
 * the subscriber has the event (author and attractions resolved), and the gateway's resident
 * memory per subscriber: (RSS with the subscribers connected − RSS before) / N.
 */
import { performance } from 'node:perf_hooks';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { cpuMs, rssMiB, RssSampler } from './procfs';

/** What every subscriber selects: fields of three subgraphs, resolved for each event. */
export const S5_SUBSCRIPTION = `subscription S5 { contentPublished { id title author { name } attractions { name } } }`;

/** How S5 runs. */
export interface SubscriptionBenchOptions {
  /** The gateway's HTTP base (`http://127.0.0.1:<port>`); its WebSocket is `/graphql` there. */
  gatewayUrl: string;
  /** The gateway process (RSS and CPU from /proc). */
  gatewayPid: number;
  subscribers: number;
  /** `publishContent` requests per second during the measured run. */
  ratePerSecond: number;
  seconds: number;
  /** Creates a draft story and resolves with its id (before the measured run; not timed). */
  createDraft: (index: number) => Promise<string>;
  /** Sends `publishContent` for a draft; resolves once answered, throws when refused. */
  publish: (id: string) => Promise<void>;
  log: (line: string) => void;
}

/** S5's figures. */
export interface SubscriptionBenchResult {
  subscribers: number;
  published: number;
  /** subscribers × published. */
  expected: number;
  /** Measured events received, over all subscribers. */
  delivered: number;
  /** Events received with errors, and publish requests that failed. */
  errors: number;
  /** The first few distinct error messages. */
  errorMessages: string[];
  /** Delivery latencies in ms, sorted. */
  latencies: number[];
  rssBeforeMiB: number;
  rssWithMiB: number;
  peakRssMiB: number;
  /** Gateway CPU (user + system) over the measured run, ms. */
  gatewayCpuMs: number;
  /** Seconds from the measured run's first publish until the last delivery (or the wait's end). */
  elapsedSeconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `condition` holds, or after `ms` (returns whether it held). */
async function within(ms: number, condition: () => boolean): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await sleep(20);
  return condition();
}

/** Runs S5 (see the file's comment) and disconnects every subscriber. */
export async function runSubscriptionBench(options: SubscriptionBenchOptions): Promise<SubscriptionBenchResult> {
  const { subscribers, ratePerSecond, seconds, log } = options;
  const wsUrl = `${options.gatewayUrl.replace(/^http/, 'ws')}/graphql`;
  const count = Math.max(1, Math.round(ratePerSecond * seconds));

  // Drafts first, so that writing them does not count in the memory or the measured run.
  log(`S5: creating ${count} drafts and warm-up stories...`);
  const warmUp: string[] = [];
  for (let i = 0; i < 30; i += 1) warmUp.push(await options.createDraft(i));
  const drafts: string[] = [];
  for (let i = 0; i < count; i += 1) drafts.push(await options.createDraft(30 + i));

  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let errors = 0;
  const errorMessages = new Set<string>();
  const failed = (message: string) => {
    errors += 1;
    if (errorMessages.size < 3) errorMessages.add(message);
  };
  let warmed = 0;
  const clients: Client[] = [];

  /** One subscriber: its own connection; resolves once the gateway acknowledged the connection. */
  const connect = (): Promise<void> =>
    new Promise((resolve, reject) => {
      let first = true;
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        on: { connected: () => resolve() },
        onNonLazyError: reject,
      });
      clients.push(client);
      client.subscribe<{ contentPublished: { id: string } }>(
        { query: S5_SUBSCRIPTION },
        {
          next: (result) => {
            const received = performance.now();
            if (first) {
              first = false;
              warmed += 1;
            }
            if (result.errors) failed(result.errors.map((e) => e.message).join('; '));
            const sent = sentAt.get(result.data?.contentPublished.id ?? '');
            if (sent !== undefined) latencies.push(received - sent);
          },
          error: (error) =>
            failed(`subscription ended: ${error instanceof Error ? error.message : JSON.stringify(error)}`),
          complete: () => undefined,
        },
      );
    });

  // One subscriber and one event first: the gateway's code for subscriptions is loaded and warm
  // before its memory is read.
  const probe = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
  const probed = probe.iterate({ query: S5_SUBSCRIPTION });
  const firstEvent = probed.next();
  let warmUpIndex = 0;
  while (!(await Promise.race([firstEvent.then(() => true), sleep(500).then(() => false)])))
    await options.publish(warmUp[warmUpIndex++]!);
  await probed.return?.();
  await probe.dispose();
  await sleep(1000);
  const rssBeforeMiB = rssMiB(options.gatewayPid);

  log(`S5: connecting ${subscribers} subscribers...`);
  for (let i = 0; i < subscribers; i += 100)
    await Promise.all(Array.from({ length: Math.min(100, subscribers - i) }, () => connect()));
  // graphql-ws acknowledges connections, not subscriptions: a subscriber is known to receive once
  // its first event arrived. Warm-up stories until every subscriber has had one.
  const warmDeadline = Date.now() + 120_000;
  while (warmed < subscribers) {
    if (Date.now() > warmDeadline || warmUpIndex >= warmUp.length)
      throw new Error(`S5: only ${warmed} of ${subscribers} subscribers received a warm-up event`);
    await options.publish(warmUp[warmUpIndex++]!);
    await within(1000, () => warmed === subscribers);
  }
  await sleep(1000);
  const rssWithMiB = rssMiB(options.gatewayPid);
  log(
    `S5: gateway RSS ${rssBeforeMiB.toFixed(1)} MiB before, ${rssWithMiB.toFixed(1)} MiB with ${subscribers} subscribers; publishing ${ratePerSecond}/s for ${seconds} s...`,
  );

  latencies.length = 0;
  errors = 0;
  errorMessages.clear();
  const sampler = new RssSampler({ gateway: options.gatewayPid });
  sampler.start();
  const cpuBefore = cpuMs(options.gatewayPid);
  const started = performance.now();
  const publishes: Array<Promise<void>> = [];
  for (let i = 0; i < count; i += 1) {
    // On a fixed schedule, whatever the previous publish's answer time: the rate is the load.
    const due = started + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const id = drafts[i]!;
    sentAt.set(id, performance.now());
    publishes.push(options.publish(id).catch((error: unknown) => failed(`publish: ${String(error)}`)));
  }
  await Promise.all(publishes);
  const expected = subscribers * count;
  await within(30_000, () => latencies.length >= expected);
  const elapsedSeconds = (performance.now() - started) / 1000;
  const gatewayCpuMs = cpuMs(options.gatewayPid) - cpuBefore;
  const peakRssMiB = sampler.stop().get('gateway') ?? 0;
  for (const client of clients) await client.dispose();

  latencies.sort((a, b) => a - b);
  return {
    subscribers,
    published: count,
    expected,
    delivered: latencies.length,
    errors,
    errorMessages: [...errorMessages],
    latencies,
    rssBeforeMiB,
    rssWithMiB,
    peakRssMiB,
    gatewayCpuMs,
    elapsedSeconds,
  };
}
