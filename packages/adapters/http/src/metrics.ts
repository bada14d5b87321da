/**
 * The server's Prometheus metrics (text exposition format 0.0.4), without a client library.
 */

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(entries: Record<string, string>): string {
  const parts = Object.entries(entries).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** One route's counts: answers by method and status, and its latency histogram. */
interface RouteStats {
  /** method → status → count */
  readonly byMethod: Map<string, Map<number, number>>;
  /** One slot per bucket: requests whose latency fell in it (not cumulative). */
  readonly buckets: number[];
  sum: number;
  count: number;
  /** The last method seen and its counts (a route is mostly called with one method). */
  lastMethod: string | undefined;
  lastByStatus: Map<number, number> | undefined;
}

/** Counters, a latency histogram and gauges of one scoring server. */
export class ScoringMetrics {
  /** By route, in the order routes were first answered. */
  readonly #routes = new Map<string, RouteStats>();
  readonly #errors = new Map<string, number>();
  /** Requests being handled now. */
  inFlight = 0;
  /** Requests waiting for a free slot. */
  queued = 0;
  /** Reads the model's worker restarts, when the model exposes them. */
  workerRestarts: (() => number | undefined) | undefined;
  /** Reads the dynamic batcher's counts, when batching is on. */
  batching: (() => { batches: number; batchedRequests: number; fallbacks: number }) | undefined;

  /** Records one finished request (a few map lookups: it runs for every request). */
  observe(route: string, method: string, status: number, seconds: number, errorCode?: string): void {
    let stats = this.#routes.get(route);
    if (stats === undefined) {
      stats = { byMethod: new Map(), buckets: new Array<number>(BUCKETS.length).fill(0), sum: 0, count: 0, lastMethod: undefined, lastByStatus: undefined };
      this.#routes.set(route, stats);
    }
    let byStatus = stats.lastMethod === method ? stats.lastByStatus! : stats.byMethod.get(method);
    if (byStatus === undefined) {
      byStatus = new Map<number, number>();
      stats.byMethod.set(method, byStatus);
    }
    stats.lastMethod = method;
    stats.lastByStatus = byStatus;
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    if (errorCode !== undefined) this.#errors.set(`${route}\u0000${errorCode}`, (this.#errors.get(`${route}\u0000${errorCode}`) ?? 0) + 1);
    // one slot per request (the first bucket that holds it); render() sums them into Prometheus' cumulative counts
    let index = 0;
    while (index < BUCKETS.length && seconds > BUCKETS[index]!) index++;
    if (index < BUCKETS.length) stats.buckets[index]! += 1;
    stats.sum += seconds;
    stats.count += 1;
  }

  /** The metrics in Prometheus' text format. */
  render(): string {
    const lines: string[] = [];
    lines.push('# HELP pyfunc_http_requests_total Requests answered, by route, method and status.', '# TYPE pyfunc_http_requests_total counter');
    for (const [route, { byMethod }] of this.#routes) {
      for (const [method, byStatus] of byMethod) {
        for (const [status, value] of byStatus) lines.push(`pyfunc_http_requests_total${labels({ route, method, status: String(status) })} ${value}`);
      }
    }
    lines.push('# HELP pyfunc_http_errors_total Error answers, by route and MLflow error code.', '# TYPE pyfunc_http_errors_total counter');
    for (const [key, value] of this.#errors) {
      const [route, code] = key.split('\u0000') as [string, string];
      lines.push(`pyfunc_http_errors_total${labels({ route, error_code: code })} ${value}`);
    }
    lines.push('# HELP pyfunc_http_request_duration_seconds Request latency.', '# TYPE pyfunc_http_request_duration_seconds histogram');
    for (const [route, { buckets, sum, count }] of this.#routes) {
      let cumulative = 0;
      BUCKETS.forEach((bound, index) => {
        cumulative += buckets[index]!;
        lines.push(`pyfunc_http_request_duration_seconds_bucket${labels({ route, le: String(bound) })} ${cumulative}`);
      });
      lines.push(`pyfunc_http_request_duration_seconds_bucket${labels({ route, le: '+Inf' })} ${count}`);
      lines.push(`pyfunc_http_request_duration_seconds_sum${labels({ route })} ${sum}`);
      lines.push(`pyfunc_http_request_duration_seconds_count${labels({ route })} ${count}`);
    }
    lines.push('# HELP pyfunc_http_requests_in_flight Requests being handled.', '# TYPE pyfunc_http_requests_in_flight gauge', `pyfunc_http_requests_in_flight ${this.inFlight}`);
    lines.push('# HELP pyfunc_http_requests_queued Requests waiting for a free slot.', '# TYPE pyfunc_http_requests_queued gauge', `pyfunc_http_requests_queued ${this.queued}`);
    const restarts = this.workerRestarts?.();
    if (restarts !== undefined) {
      lines.push('# HELP pyfunc_model_worker_restarts_total Model worker processes restarted.', '# TYPE pyfunc_model_worker_restarts_total counter', `pyfunc_model_worker_restarts_total ${restarts}`);
    }
    const batching = this.batching?.();
    if (batching !== undefined) {
      lines.push('# HELP pyfunc_http_batches_total Batched predict calls (dynamic batching).', '# TYPE pyfunc_http_batches_total counter', `pyfunc_http_batches_total ${batching.batches}`);
      lines.push('# HELP pyfunc_http_batched_requests_total Requests answered from a batched predict.', '# TYPE pyfunc_http_batched_requests_total counter', `pyfunc_http_batched_requests_total ${batching.batchedRequests}`);
      lines.push('# HELP pyfunc_http_batch_fallbacks_total Batches predicted again request by request (a failure or output not row-aligned).', '# TYPE pyfunc_http_batch_fallbacks_total counter', `pyfunc_http_batch_fallbacks_total ${batching.fallbacks}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
