import assert from "node:assert/strict";
import { test } from "node:test";
import { Readiness } from "../../src/backend/readiness.ts";
import { silentLogger } from "../../src/core/logger.ts";
import { FakeBackend } from "../helpers/fake-backend.ts";

const NOT_SIGNED_IN = { usable: false, problem: "Codex is not signed in: run `npm run login` to sign in with ChatGPT" };

/** A Readiness whose periodic check is an hour away: any change seen sooner came from the backend's account event. */
async function started(backend: FakeBackend): Promise<Readiness> {
  const readiness = new Readiness({ backend, pinnedVersion: "0.169.0", intervalMs: 3_600_000, logger: silentLogger });
  await readiness.start();
  return readiness;
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

test("a sign-in completed through the backend makes the adapter ready without waiting for the periodic check", async () => {
  const backend = new FakeBackend();
  backend.account = NOT_SIGNED_IN;
  const readiness = await started(backend);
  try {
    assert.match(readiness.problem() ?? "", /not signed in/);
    await backend.startLogin();
    backend.completeLogin(true);
    await until(() => readiness.problem() === undefined);
    assert.equal(readiness.problem(), undefined);
  } finally {
    readiness.stop();
  }
});

test("a sign-out through the backend makes the adapter not ready at once", async () => {
  const backend = new FakeBackend();
  const readiness = await started(backend);
  try {
    assert.equal(readiness.problem(), undefined);
    await backend.logout();
    await until(() => readiness.problem() !== undefined);
    assert.match(readiness.problem() ?? "", /not signed in/);
  } finally {
    readiness.stop();
  }
});

test("after stop, account events no longer trigger reads", async () => {
  const backend = new FakeBackend();
  let reads = 0;
  const readAccount = backend.readAccount.bind(backend);
  backend.readAccount = () => ((reads += 1), readAccount());
  const readiness = await started(backend);
  readiness.stop();
  const before = reads;
  backend.emitAccountChanged();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(reads, before);
});
