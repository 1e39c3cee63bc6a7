import path from "node:path";
import { cleanExitOnSigterm, containerHealthy, fileDigest, noPrivilegedProcess, readOnlyRootNoexecTmp, writesOnlyWhereDocumented } from "./docker-test/container-checks.ts";
import { dashboardAnswers, healthyAfterSignIn, restartedWithStandIn, signInHintNamesDocker, streamedChat, unavailableBeforeSignIn } from "./docker-test/adapter-checks.ts";
import { Cleanup } from "./docker-test/cleanup.ts";
import { defaultUser, readComposeService, seconds } from "./docker-test/compose-service.ts";
import { inspect } from "./docker-test/container.ts";
import { docker, run } from "./docker-test/docker-cli.ts";
import { EngineUnavailable, ensureEngine } from "./docker-test/engine.ts";
import { startHostFixture } from "./docker-test/host-fixture.ts";
import { imageIds, removeNewImages } from "./docker-test/images.ts";
import { Report } from "./docker-test/report.ts";
import { runFlags } from "./docker-test/run-flags.ts";
import { settingsProblems } from "./docker-test/settings-check.ts";
import { ensureStandInBase } from "./docker-test/stand-in-base.ts";

/**
 * npm run test:docker [-- --fresh-base]: builds the real Dockerfile, runs the image with
 * docker-compose.yml's settings on the host network (127.0.0.1 only) and checks it end to end.
 * Exit 0: every check passed; 1: a check failed; 75: no Docker engine here (skipped).
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const EXIT_SKIPPED = 75;

async function main(report: Report, cleanup: Cleanup): Promise<void> {
  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
  const { name: serviceName, service } = readComposeService(path.join(ROOT, "docker-compose.yml"));
  report.info(`engine: ${await ensureEngine(cleanup)}`);
  report.info(`base: ${await ensureStandInBase(path.join(ROOT, "Dockerfile"), process.argv.includes("--fresh-base"))}`);

  const before = await imageIds();
  cleanup.add("removing the test's images", async () => void (await removeNewImages(before)));
  const image = `codex-cli-provider-docker-test:${process.pid}`;
  const build = await run("docker", ["build", "--network", "host", "--tag", image, ROOT]);
  if (build.code !== 0) return report.fail("docker build", build.stderr.trim().split("\n").slice(-5).join(" | "));
  const size = await docker("image", "inspect", "--format", "{{.Size}}", image);
  report.pass("docker build", `the Dockerfile as it is, ${image}, ${Math.round(Number(size) / 1e6)} MB, ${elapsed()} so far`);

  const fixture = await startHostFixture(defaultUser(service), cleanup);
  const keyDigest = fileDigest(fixture.keyFile);
  const container = `codex-cli-provider-docker-test-${process.pid}`;
  const flags = runFlags(service, {
    image,
    name: container,
    dataDir: fixture.dataDir,
    port: fixture.port,
    // HOST: on the host network the image's 0.0.0.0 would listen on every host interface.
    extraEnv: { HOST: "127.0.0.1", PORT: String(fixture.port), HTTPS_PROXY: fixture.egress.url, HTTP_PROXY: fixture.egress.url, NO_PROXY: "127.0.0.1,localhost" },
  });
  cleanup.add("removing the container", async () => void (await run("docker", ["rm", "--force", container])));
  await docker("run", "--detach", ...flags);
  report.info(`container ${container} on 127.0.0.1:${fixture.port}, data in ${fixture.dataDir}`);

  await report.check("settings match docker-compose.yml", async () => {
    const problems = settingsProblems(service, await inspect(container), fixture.dataDir);
    if (problems.length) throw new Error(problems.join("; "));
    return "user, read-only root, tmpfs, cap_drop, no-new-privileges, init, memory, cpus, pids, restart, stop grace, the three mounts (key read-only), environment, health check timing";
  });
  const grace = seconds(service.stop_grace_period);
  const check = service.healthcheck;
  const healthWaitMs = (seconds(check.start_period) + 2 * seconds(check.interval) + seconds(check.timeout)) * 1000;
  await report.check("/healthz before sign-in", () => unavailableBeforeSignIn(fixture, container));
  await report.check("sign-in hint names the Docker command", () =>
    signInHintNamesDocker(container, `docker compose run --rm ${serviceName} node --import tsx src/cli.ts login`),
  );
  await report.check("/healthz after sign-in", () => healthyAfterSignIn(fixture));
  await report.check("container health check", () => containerHealthy(container, healthWaitMs));
  await report.check("restart with the stand-in upstream", () => restartedWithStandIn(fixture, container, grace));
  await report.check("streamed chat completion", () => streamedChat(fixture));
  await report.check("dashboard", () => dashboardAnswers(fixture));
  await report.check("no privileged process", () => noPrivilegedProcess(container));
  await report.check("read-only root, noexec /tmp", () => readOnlyRootNoexecTmp(container));
  await report.check("writes only where docs/docker.md says", () => writesOnlyWhereDocumented(container, fixture, keyDigest));
  await report.check("SIGTERM: clean exit", () => cleanExitOnSigterm(container, grace));
  const attempts = [...fixture.egress.attempts].map(([host, n]) => `${host} ×${n}`);
  report.info(`egress: ${attempts.length ? `refused ${attempts.join(", ")}` : "Codex tried to reach nothing beyond 127.0.0.1"}`);

  await docker("rm", "--force", container);
  await report.check("cleanup", async () => {
    const left = await removeNewImages(before);
    if (left) throw new Error(`${left} image(s) of this run could not be removed`);
    return `container and the run's images removed (the stand-in base stays cached), ${elapsed()} in all`;
  });
}

const report = new Report();
const cleanup = new Cleanup();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void cleanup.run().finally(() => process.exit(130)));
}
let code: number;
try {
  await main(report, cleanup);
  code = report.failed ? 1 : 0;
} catch (err) {
  if (err instanceof EngineUnavailable) {
    process.stdout.write(`SKIP docker test: ${err.message}\n`);
    code = EXIT_SKIPPED;
  } else {
    report.fail("setup", err instanceof Error ? err.message : String(err));
    code = 1;
  }
} finally {
  await cleanup.run();
}
if (code !== EXIT_SKIPPED) process.stdout.write(`${report.failed ? "FAILED" : "OK"}: ${report.passed} passed, ${report.failed} failed\n`);
process.exit(code);
