import { test, after, before } from "node:test";
import { authHeaders, startE2E, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
let e2e: E2E;
before(async () => { e2e = await startE2E(); await waitHealthy(e2e); });
after(() => e2e.close());
test("probe", async () => {
  const text = "x ".repeat(500_000);
  const res = await fetch(`${e2e.baseURL}/chat/completions`, { method: "POST", headers: authHeaders(), body: JSON.stringify({ messages: [{ role: "user", content: text }] }) });
  console.log(res.status, (await res.text()).slice(0, 200));
  for (const r of e2e.upstream.requests) console.log(r.path, JSON.stringify(r.body.input ?? []).length, (r.body.input ?? []).map((i) => `${i.type}/${i.role ?? ""}:${JSON.stringify(i.content ?? i.output ?? "").slice(0, 80)}`).join(" | ").slice(0, 600));
});
