// aitbc submit | status | jobs | cancel | receipt
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/context.h"
#include "client/receipt_verify.h"
#include "core/clock.h"
#include "net/retry.h"
#include "protocol/json_codec.h"

namespace aitbc::cli {

namespace {

struct SubmitOptions {
  std::string prompt;
  std::string model;
  std::string system;
  std::string max_price;
  std::optional<double> temperature;
  std::optional<uint32_t> max_tokens;
  std::optional<int64_t> seed;
  std::string idempotency_key;
  bool wait = false;
  int timeout_s = 600;
  int settle_wait_s = 10;
};

// Prints the progress line: rewritten in place on a terminal, one line per change otherwise.
class Progress {
 public:
  explicit Progress(CliContext& ctx) : ctx_(ctx) {}
  ~Progress() { Finish(); }

  void Update(const std::string& job_id, const std::string& status, int64_t elapsed_ms) {
    if (ctx_.quiet || ctx_.json) return;
    std::string line = FormatProgress(job_id, status, elapsed_ms);
    if (ctx_.tty) {
      ctx_.err << "\r\033[K" << line << std::flush;
      shown_ = true;
    } else if (status != last_status_) {
      ctx_.err << line << std::endl;
    }
    last_status_ = status;
  }
  void Finish() {
    if (shown_) ctx_.err << "\r\033[K" << std::flush;
    shown_ = false;
  }

 private:
  CliContext& ctx_;
  std::string last_status_;
  bool shown_ = false;
};

int PrintJob(CliContext& ctx, const client::JobView& job, int64_t duration_ms = -1) {
  if (ctx.json) {
    ctx.out << job.raw.dump(2) << std::endl;
  } else {
    ctx.out << FormatJobSummary(job, duration_ms);
  }
  if (job.status == "failed" || job.status == "cancelled") return kExitJobFailed;
  return kExitOk;
}

int RunSubmit(CliContext& ctx, const SubmitOptions& opts) {
  client::SubmitRequest request;
  request.spec.type = "inference";
  request.spec.prompt = opts.prompt;
  request.spec.model = opts.model;
  request.spec.system = opts.system;
  request.spec.options.temperature = opts.temperature;
  request.spec.options.num_predict = opts.max_tokens;
  request.spec.options.seed = opts.seed;
  request.idempotency_key = opts.idempotency_key;
  if (!opts.max_price.empty()) {
    auto price = core::Amount::Parse(opts.max_price);
    if (!price.ok()) return ctx.FailLocal("invalid --max-price: " + price.error().message());
    request.max_price = *price;
  }
  auto coordinator = ctx.Coordinator();
  if (!coordinator.ok()) return ctx.FailLocal(coordinator.error().message());
  client::CoordinatorClient& api = **coordinator;

  auto& clock = core::SystemClock::Instance();
  const int64_t start = clock.SteadyMs();
  auto submitted = api.SubmitJob(request);
  if (!submitted.ok()) return ctx.FailCoordinator(submitted.error(), api, "job");
  if (!opts.wait) {
    if (ctx.json) {
      ctx.out << submitted->raw.dump(2) << std::endl;
    } else {
      ctx.out << "Job ID: " << submitted->job_id << "\nStatus: " << submitted->status << "\n";
    }
    return kExitOk;
  }

  const std::string job_id = submitted->job_id;
  client::JobView job = std::move(*submitted);
  {
    Progress progress(ctx);
    progress.Update(job_id, job.status, clock.SteadyMs() - start);
    auto done = api.WaitForJob(job_id, static_cast<int64_t>(opts.timeout_s) * 1000,
                               [&](const client::JobView& update) {
                                 progress.Update(job_id, update.status, clock.SteadyMs() - start);
                               });
    progress.Finish();
    if (!done.ok()) {
      if (done.error().code() == core::ErrorCode::kTimeout && api.last_call().http_status != 0) {
        ctx.err << "error: " << done.error().message() << " (see `aitbc status " << job_id << "`)"
                << std::endl;
        return kExitJobFailed;
      }
      return ctx.FailCoordinator(done.error(), api, "request");
    }
    job = std::move(*done);
  }
  // "Completed in" with --wait: from submission to the moment the client had the result.
  const int64_t duration_ms = clock.SteadyMs() - start;
  // The receipt is final once its settlement is in a block: wait a little for it, so the
  // receipt shown can be verified at once; otherwise it is marked "(settlement pending)".
  const int64_t settle_deadline = clock.SteadyMs() + int64_t{opts.settle_wait_s} * 1000;
  while (job.status == "completed" && !job.settlement.committed() &&
         clock.SteadyMs() < settle_deadline) {
    net::SleepMs(200);
    auto again = api.GetJob(job_id);
    if (!again.ok()) break;
    job = std::move(*again);
  }
  return PrintJob(ctx, job, duration_ms);
}

int RunStatus(CliContext& ctx, const std::string& job_id, int wait_s) {
  auto coordinator = ctx.Coordinator();
  if (!coordinator.ok()) return ctx.FailLocal(coordinator.error().message());
  auto job = (*coordinator)->GetJob(job_id, wait_s);
  if (!job.ok()) return ctx.FailCoordinator(job.error(), **coordinator, "request");
  if (ctx.json) {
    ctx.out << job->raw.dump(2) << std::endl;
    return kExitOk;
  }
  ctx.out << FormatJobSummary(*job);
  if (!job->terminal()) {
    if (!job->model.empty()) ctx.out << "Model: " << SanitizeForTerminal(job->model) << "\n";
    if (!job->miner.empty()) ctx.out << "Miner: " << SanitizeForTerminal(job->miner) << "\n";
  }
  return kExitOk;
}

std::string TimeOrDash(const std::optional<int64_t>& ms) {
  return ms ? core::FormatRfc3339(*ms) : "-";
}

int RunJobs(CliContext& ctx, int limit, const std::string& cursor) {
  auto coordinator = ctx.Coordinator();
  if (!coordinator.ok()) return ctx.FailLocal(coordinator.error().message());
  auto page = (*coordinator)->ListJobs(limit, cursor);
  if (!page.ok()) return ctx.FailCoordinator(page.error(), **coordinator, "request");
  if (ctx.json) {
    ctx.out << page->raw.dump(2) << std::endl;
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& job : page->jobs) {
    rows.push_back({job.job_id, job.status, job.model.empty() ? "-" : job.model,
                    job.cost ? job.cost->ToString() : "-", TimeOrDash(job.submitted_at_ms)});
  }
  if (rows.empty()) {
    ctx.out << "No jobs.\n";
  } else {
    ctx.out << FormatTable({"JOB ID", "STATUS", "MODEL", "COST", "SUBMITTED"}, rows);
  }
  if (!page->next_cursor.empty()) {
    ctx.out << "More: aitbc jobs --cursor " << page->next_cursor << "\n";
  }
  return kExitOk;
}

int RunCancel(CliContext& ctx, const std::string& job_id) {
  auto coordinator = ctx.Coordinator();
  if (!coordinator.ok()) return ctx.FailLocal(coordinator.error().message());
  auto job = (*coordinator)->CancelJob(job_id);
  if (!job.ok()) return ctx.FailCoordinator(job.error(), **coordinator, "cancellation");
  if (ctx.json) {
    ctx.out << job->raw.dump(2) << std::endl;
  } else {
    ctx.out << FormatJobSummary(*job);
  }
  return kExitOk;
}

// A receipt id, or a job id (whose receipt id is deterministic).
std::string ReceiptIdFromArgument(const std::string& id) {
  if (id.rfind("rcpt_", 0) == 0) return id;
  if (protocol::ValidateJobId(id).ok()) return protocol::ReceiptIdFor(id);
  return id;
}

void PrintReceipt(CliContext& ctx, const client::ReceiptView& view) {
  const protocol::Receipt& r = view.receipt;
  std::vector<std::pair<std::string, std::string>> lines = {
      {"Receipt", r.receipt_id},
      {"Job ID", r.job_id},
      {"Client", r.client.ToString()},
      {"Miner", r.miner.ToString()},
      {"Amount paid", r.amount_paid.ToString()},
      {"Result hash", r.result_hash.ToHex()},
      {"Completed at", core::FormatRfc3339(static_cast<int64_t>(r.completed_at_ms))},
      {"Compute time", FormatSeconds(static_cast<int64_t>(r.metrics.compute_ms))},
      {"Tokens", std::to_string(r.metrics.prompt_tokens) + " prompt, " +
                     std::to_string(r.metrics.completion_tokens) + " generated"},
      {"Price",
       r.price.per_second.ToString() + "/s + " + r.price.per_1k_tokens.ToString() + "/1k tokens"},
  };
  if (!view.coordinator.empty()) lines.emplace_back("Coordinator", view.coordinator);
  if (!view.settle_tx.empty()) lines.emplace_back("Settlement tx", view.settle_tx);
  lines.emplace_back("Block", view.block_height > 0 ? std::to_string(view.block_height)
                                                    : std::string("(settlement pending)"));
  for (const auto& [key, value] : lines) {
    ctx.out << key << ": " << SanitizeForTerminal(value) << "\n";
  }
}

int RunReceipt(CliContext& ctx, const std::string& id, bool verify) {
  const std::string receipt_id = ReceiptIdFromArgument(id);
  auto coordinator = ctx.Coordinator();
  if (!coordinator.ok()) return ctx.FailLocal(coordinator.error().message());
  if (!verify) {
    auto receipt = (*coordinator)->GetReceipt(receipt_id);
    if (!receipt.ok()) return ctx.FailCoordinator(receipt.error(), **coordinator, "request");
    if (ctx.json) {
      ctx.out << receipt->raw.dump(2) << std::endl;
    } else {
      PrintReceipt(ctx, *receipt);
    }
    return kExitOk;
  }
  auto node = ctx.Node();
  if (!node.ok()) return ctx.FailLocal(node.error().message());
  auto evidence = client::GatherReceiptEvidence(**coordinator, **node, receipt_id);
  if (!evidence.ok()) return ctx.FailCoordinator(evidence.error(), **coordinator, "request");
  std::vector<client::Check> checks = client::VerifyReceipt(*evidence);
  const bool passed = client::AllPassed(checks);
  if (ctx.json) {
    nlohmann::json out = {{"receipt", evidence->receipt.raw},
                          {"verified", passed},
                          {"checks", nlohmann::json::array()}};
    for (const auto& c : checks) {
      out["checks"].push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
    }
    ctx.out << out.dump(2) << std::endl;
  } else {
    PrintReceipt(ctx, evidence->receipt);
    ctx.out << "\nVerification:\n";
    for (const auto& c : checks) {
      ctx.out << "  " << (c.ok ? "\u2713" : "\u2717") << " " << c.name << ": "
              << SanitizeForTerminal(c.detail) << "\n";
    }
    ctx.out << (passed ? "Receipt verified.\n" : "Receipt NOT verified.\n");
  }
  return passed ? kExitOk : kExitVerifyFailed;
}

}  // namespace

void AddJobCommands(CLI::App& app, CliContext& ctx) {
  // aitbc submit inference ...
  CLI::App* submit = app.add_subcommand("submit", "Submit a job to the coordinator");
  submit->require_subcommand(1);
  auto opts = std::make_shared<SubmitOptions>();
  CLI::App* inference = submit->add_subcommand("inference", "Submit an inference job");
  inference->add_option("--prompt", opts->prompt, "The prompt")->required();
  inference->add_option("--model", opts->model, "The model, e.g. llama3.2:latest")->required();
  inference->add_option("--system", opts->system, "A system prompt");
  inference->add_option("--max-price", opts->max_price,
                        "The most to pay, e.g. 1.5aitbc (default: the coordinator's)");
  inference->add_option("--temperature", opts->temperature, "Sampling temperature (0..2)");
  inference->add_option("--max-tokens", opts->max_tokens, "The most tokens to generate");
  inference->add_option("--seed", opts->seed, "Sampling seed");
  inference->add_option("--idempotency-key", opts->idempotency_key,
                        "Reuse a key to resubmit safely (default: a random one)");
  inference->add_flag("--wait", opts->wait, "Wait for the result and print it");
  inference->add_option("--timeout", opts->timeout_s, "With --wait: seconds to wait (600)");
  inference->add_option("--settle-wait", opts->settle_wait_s,
                        "With --wait: seconds to wait for the settlement block (10)");
  inference->add_flag("--json", ctx.json, "Machine-readable output");
  inference->callback([&ctx, opts] { ctx.exit_code = RunSubmit(ctx, *opts); });

  auto job_id = std::make_shared<std::string>();
  auto wait_s = std::make_shared<int>(0);
  CLI::App* status = app.add_subcommand("status", "Show a job");
  status->add_option("job_id", *job_id, "The job id")->required();
  status->add_option("--wait", *wait_s, "Long-poll: answer when the status changes (seconds)");
  status->add_flag("--json", ctx.json, "Machine-readable output");
  status->callback([&ctx, job_id, wait_s] { ctx.exit_code = RunStatus(ctx, *job_id, *wait_s); });

  auto limit = std::make_shared<int>(20);
  auto cursor = std::make_shared<std::string>();
  CLI::App* jobs = app.add_subcommand("jobs", "List your jobs, newest first");
  jobs->add_option("--limit", *limit, "How many (20)")->check(CLI::Range(1, 1000));
  jobs->add_option("--cursor", *cursor, "Continue after a previous page");
  jobs->add_flag("--json", ctx.json, "Machine-readable output");
  jobs->callback([&ctx, limit, cursor] { ctx.exit_code = RunJobs(ctx, *limit, *cursor); });

  auto cancel_id = std::make_shared<std::string>();
  CLI::App* cancel = app.add_subcommand("cancel", "Cancel a job that has not finished");
  cancel->add_option("job_id", *cancel_id, "The job id")->required();
  cancel->add_flag("--json", ctx.json, "Machine-readable output");
  cancel->callback([&ctx, cancel_id] { ctx.exit_code = RunCancel(ctx, *cancel_id); });

  auto receipt_id = std::make_shared<std::string>();
  auto verify = std::make_shared<bool>(false);
  CLI::App* receipt = app.add_subcommand("receipt", "Show (and verify) a job's receipt");
  receipt->add_option("id", *receipt_id, "A receipt id (rcpt_...) or a job id")->required();
  receipt->add_flag("--verify", *verify,
                    "Check the signatures and that the settlement is in a block");
  receipt->add_flag("--json", ctx.json, "Machine-readable output");
  receipt->callback(
      [&ctx, receipt_id, verify] { ctx.exit_code = RunReceipt(ctx, *receipt_id, *verify); });
}

}  // namespace aitbc::cli
