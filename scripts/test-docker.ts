import path from "node:path";
import { cleanExitOnSigterm, containerHealthy, fileDigest, noPrivilegedProcess, readOnlyRootNoexecTmp, writesOnlyWhereDocumented } from "./docker-test/container-checks.ts";
import { countTokensAnswers, dashboardAnswers, healthyAfterSignIn, readyAndAnswering, restartedWithStandIn, signInHintNamesDocker, streamedChat, unavailableBeforeSignIn } from "./docker-test/adapter-checks.ts";
import { Cleanup } from "./docker-test/cleanup.ts";
import { composeAcceptsFiles, composeRunStatus, findCompose } from "./docker-test/compose-binary.ts";
import { defaultUser, imageName, readComposeService, seconds, type ComposeRunService } from "./docker-test/compose-service.ts";
import { inspect } from "./docker-test/container.ts";
import { docker, run } from "./docker-test/docker-cli.ts";
import { EngineUnavailable, ensureEngine } from "./docker-test/engine.ts";
import { startHostFixture, type HostFixture } from "./docker-test/host-fixture.ts";
import { imageLayers, leanImage } from "./docker-test/image-checks.ts";
import { imageIds, removeNewImages } from "./docker-test/images.ts";
import { Report } from "./docker-test/report.ts";
import { runFlags, type RunPlan } from "./docker-test/run-flags.ts";
import { settingsProblems } from "./docker-test/settings-check.ts";
import { loginStartsDeviceCode, logoutThenStatus, statusSignedIn, type SignInCommands } from "./docker-test/sign-in-commands.ts";
import { ensureStandInBase } from "./docker-test/stand-in-base.ts";

/**
 * npm run test:docker [-- --fresh-base]: builds the real Dockerfile, runs the image with
 * docker-compose.yml's settings on the host network (127.0.0.1 only) and checks it end to end,
 * then with docker-compose.image.yml's, under the name that file pulls, and runs the sign-in commands.
 * Exit 0: every check passed; 1: a check failed; 75: no Docker engine here (skipped).
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const EXIT_SKIPPED = 75;
/** docker-compose.image.yml's registry path for this run: the image built here is tagged with the name the file then names. */
const REGISTRY_ENV = { CODEX_CLI_PROVIDER_REGISTRY: "registry.docker-test.invalid/ccp" };

async function main(report: Report, cleanup: Cleanup): Promise<void> {
  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
  const { name: serviceName, service } = readComposeService(path.join(ROOT, "docker-compose.yml"));
  const published = readComposeService(path.join(ROOT, "docker-compose.image.yml")).service;
  report.info(`engine: ${await ensureEngine(cleanup)}`);
  report.info(`base: ${await ensureStandInBase(path.join(ROOT, "Dockerfile"), process.argv.includes("--fresh-base"))}`);

  const before = await imageIds();
  cleanup.add("removing the test's images", async () => void (await removeNewImages(before)));
  const image = `codex-cli-provider-docker-test:${process.pid}`;
  const build = await run("docker", ["build", "--network", "host", "--tag", image, ROOT]);
  if (build.code !== 0) return report.fail("docker build", build.stderr.trim().split("\n").slice(-5).join(" | "));
  const size = await docker("image", "inspect", "--format", "{{.Size}}", image);
  report.pass("docker build", `the Dockerfile as it is, ${image}, ${Math.round(Number(size) / 1e6)} MB, ${elapsed()} so far`);
  for (const line of await imageLayers(image)) report.info(line);
  await report.check("lean image: nothing the adapter does not run", () => leanImage(image));

  const fixture = await startHostFixture(defaultUser(service), cleanup);
  const keyDigest = fileDigest(fixture.keyFile);
  const container = `codex-cli-provider-docker-test-${process.pid}`;
  const egressEnv = { HTTPS_PROXY: fixture.egress.url, HTTP_PROXY: fixture.egress.url, NO_PROXY: "127.0.0.1,localhost" };
  // HOST: on the host network the image's 0.0.0.0 would listen on every host interface.
  const plan = { image, name: container, dataDir: fixture.dataDir, port: fixture.port, extraEnv: { HOST: "127.0.0.1", PORT: String(fixture.port), ...egressEnv } };
  cleanup.add("removing the container", async () => void (await run("docker", ["rm", "--force", container])));
  await docker("run", "--detach", ...runFlags(service, plan));
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
    signInHintNamesDocker(container, `docker compose run --rm ${serviceName} login`),
  );
  await report.check("/healthz after sign-in", () => healthyAfterSignIn(fixture));
  await report.check("container health check", () => containerHealthy(container, healthWaitMs));
  await report.check("restart with the stand-in upstream", () => restartedWithStandIn(fixture, container, grace));
  await report.check("streamed chat completion", () => streamedChat(fixture));
  await report.check("count_tokens", () => countTokensAnswers(fixture));
  await report.check("dashboard", () => dashboardAnswers(fixture));
  await report.check("no privileged process", () => noPrivilegedProcess(container));
  await report.check("read-only root, noexec /tmp", () => readOnlyRootNoexecTmp(container));
  await report.check("writes only where docs/docker.md says", () => writesOnlyWhereDocumented(container, fixture, keyDigest));
  await report.check("SIGTERM: clean exit", () => cleanExitOnSigterm(container, grace));
  await docker("rm", "--force", container);

  await publishedImageChecks(report, published, plan, fixture);
  await signInCommandChecks(report, cleanup, { service, serviceName, image, fixture, egressEnv });
  const attempts = [...fixture.egress.attempts].map(([host, n]) => `${host} ×${n}`);
  report.info(`egress: ${attempts.length ? `refused ${attempts.join(", ")}` : "Codex tried to reach nothing beyond 127.0.0.1"}`);

  await report.check("cleanup", async () => {
    const left = await removeNewImages(before);
    if (left) throw new Error(`${left} image(s) of this run could not be removed`);
    return `container and the run's images removed (the stand-in base stays cached), ${elapsed()} in all`;
  });
}

/** docker-compose.image.yml: the image under the name that file pulls, on the same data directory (now signed in, pointed at the stand-in). */
async function publishedImageChecks(report: Report, published: ComposeRunService, plan: RunPlan, fixture: HostFixture): Promise<void> {
  const publishedImage = imageName(published, REGISTRY_ENV);
  await docker("tag", plan.image, publishedImage);
  await docker("run", "--detach", ...runFlags(published, { ...plan, image: publishedImage }));
  await report.check("docker-compose.image.yml: settings match", async () => {
    const problems = settingsProblems(published, await inspect(plan.name), plan.dataDir);
    if (problems.length) throw new Error(problems.join("; "));
    return `${publishedImage}, run with that file's settings, as the engine reports them`;
  });
  await report.check("docker-compose.image.yml: ready and answering", () => readyAndAnswering(fixture));
  await docker("rm", "--force", plan.name);
}

/** The sign-in commands in one-off containers; `status` through compose itself where a compose binary is installed (before `logout` ends the login). */
async function signInCommandChecks(report: Report, cleanup: Cleanup, commands: SignInCommands & { readonly serviceName: string }): Promise<void> {
  const { serviceName, fixture } = commands;
  const imageFile = path.join(ROOT, "docker-compose.image.yml");
  await report.check("sign-in command: status", () => statusSignedIn(commands));
  const composeBin = await findCompose();
  if (composeBin) {
    await report.check("compose reads both files", () => composeAcceptsFiles(composeBin, [path.join(ROOT, "docker-compose.yml"), imageFile], REGISTRY_ENV));
    await report.check("compose run, docker-compose.image.yml", () => composeRunStatus(composeBin, imageFile, serviceName, fixture, REGISTRY_ENV, cleanup));
  } else {
    report.info("no compose binary (docker compose or docker-compose) here: the compose files are run through docker run only");
  }
  await report.check("sign-in command: logout, then status", () => logoutThenStatus(commands, `docker compose run --rm ${serviceName} login`));
  await report.check("sign-in command: login", () => loginStartsDeviceCode(commands));
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
