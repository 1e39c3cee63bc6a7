/**
 * Command-line overrides that turn Codex into a plain chat model: no shell, no file or web
 * tools, no plugins or apps, no per-thread login shell, nothing persisted (no log database or
 * bundled skills either: CODEX_HOME stays at its first-start size). They go on the command line
 * so the operator's own config.toml is honoured and never rewritten.
 * Verified against the pinned binary: with the plain-chat model catalog (plain-model-catalog.ts)
 * the upstream request offers the client's functions and none of Codex's own tools.
 */
const DISABLED_FEATURES = [
  "shell_tool",
  "unified_exec",
  "multi_agent",
  "goals",
  "image_generation",
  "apps",
  "plugins",
  "view_image",
  "sleep_tool",
  "shell_snapshot",
  "hooks",
  "skill_search",
  "memories",
  "tool_suggest",
  "browser_use",
  "computer_use",
  "in_app_browser",
  "skill_mcp_dependency_install",
  "code_mode_host",
  "workspace_dependencies",
] as const;

const CONFIG_OVERRIDES = [
  'web_search="disabled"',
  "analytics.enabled=false",
  "feedback.enabled=false",
  'history.persistence="none"',
  // A finished thread is unloaded when the adapter lets go of it, not kept ~60 s (about 1 MB each under load).
  "thread_unload_delay_secs=0",
  // Keep the model's context to the client's conversation: no coding-agent boilerplate.
  "skills.include_instructions=false",
  "include_permissions_instructions=false",
  "include_environment_context=false",
  "include_collaboration_mode_instructions=false",
  "include_apps_instructions=false",
  // Codex offers `request_user_input` (a Plan-mode question box, about 1.4 KB of schema) to every model otherwise.
  "tools.experimental_request_user_input.enabled=false",
  // Codex's log database (log_dir/logs_2.sqlite: every event at TRACE whatever RUST_LOG says, 40-85 KB per request,
  // no total cap) cannot be opened under /dev/null, and Codex runs without it; the `sqlite` feature cannot be disabled.
  'log_dir="/dev/null"',
  // Codex unpacks its bundled skills (53 files, about 0.3 MB) into CODEX_HOME/skills/.system at start otherwise.
  "skills.bundled.enabled=false",
] as const;

/**
 * The login lives in CODEX_HOME/auth.json, never in a keyring: the adapter notices a removed
 * login by that file, and `npm run login` (the same override) writes where the app-server reads.
 * Every Codex command the adapter runs takes it, not only the chat children.
 */
export const CREDENTIALS_STORE_ARGS: readonly string[] = ["-c", 'cli_auth_credentials_store="file"'];

export interface CodexRouting {
  /** Moves Codex's ChatGPT-backend calls (to the relay). */
  readonly chatgptBaseUrl?: string | undefined;
  /** The plain-chat model catalog (model-catalog-file.ts); unset: Codex's own catalog and tool modes. */
  readonly modelCatalogFile?: string | undefined;
}

/** The command line for every Codex child. */
export function hardeningArgs(routing: CodexRouting = {}): string[] {
  const setting = (key: string, value: string | undefined) => (value ? ["-c", `${key}=${JSON.stringify(value)}`] : []);
  return [
    ...DISABLED_FEATURES.flatMap((f) => ["--disable", f]),
    ...CONFIG_OVERRIDES.flatMap((c) => ["-c", c]),
    ...CREDENTIALS_STORE_ARGS,
    ...setting("chatgpt_base_url", routing.chatgptBaseUrl),
    ...setting("model_catalog_json", routing.modelCatalogFile),
  ];
}

/** Replaces Codex's coding-agent system prompt. */
export const BASE_INSTRUCTIONS =
  "You are a helpful assistant answering through an OpenAI-compatible chat API. " +
  "Answer the user's messages directly. You have no tools, files, shell or internet access.";

/** The same, for a request that offers the client's own functions: those the model may call. */
export const BASE_INSTRUCTIONS_WITH_TOOLS =
  "You are a helpful assistant answering through an OpenAI-compatible chat API. " +
  "Answer the user's messages directly. You have no files, shell or internet access; " +
  "call the functions the client provides when they help to answer.";
