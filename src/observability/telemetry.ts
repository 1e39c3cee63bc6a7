import type { Metrics } from "./metrics.ts";
import type { RecentRequests } from "./recent-requests.ts";
import type { RequestRecord } from "./request-record.ts";

/** Where finished API requests go: Prometheus metrics and the dashboard's recent history. */
export class Telemetry {
  readonly metrics: Metrics;
  readonly recent: RecentRequests;

  constructor(metrics: Metrics, recent: RecentRequests) {
    this.metrics = metrics;
    this.recent = recent;
  }

  record(record: RequestRecord): void {
    this.metrics.observe(record);
    this.recent.add(record);
  }
}
