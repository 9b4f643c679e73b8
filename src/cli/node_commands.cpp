// aitbc node status | block N | tx HASH | supply
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/context.h"
#include "core/clock.h"
#include "protocol/json_codec.h"

namespace aitbc::cli {

namespace {

int RunNodeStatus(CliContext& ctx) {
  auto node = ctx.Node();
  if (!node.ok()) return ctx.FailLocal(node.error().message());
  int attempts = 0;
  auto status = ctx.NodeCall<net::ChainStatus>([&] { return (*node)->GetStatus(); }, &attempts);
  if (!status.ok()) return ctx.FailNode(status.error(), attempts, "query");
  auto settings = ctx.GetSettings();
  if (ctx.json) {
    ctx.out << nlohmann::json{{"chain_id", status->chain_id},
                              {"height", status->height},
                              {"last_block_hash", status->last_block_hash.ToHex()},
                              {"last_block_time", core::FormatRfc3339(static_cast<int64_t>(
                                                      status->last_block_time_ms))},
                              {"state_hash", status->state_hash.ToHex()}}
                   .dump(2)
            << std::endl;
    return kExitOk;
  }
  ctx.out << "Node: " << (settings.ok() ? settings->node_url : "") << "\n"
          << "Chain ID: " << SanitizeForTerminal(status->chain_id) << "\n"
          << "Height: " << status->height << "\n"
          << "Last block: " << status->last_block_hash.ToHex() << "\n"
          << "Last block time: "
          << core::FormatRfc3339(static_cast<int64_t>(status->last_block_time_ms)) << "\n"
          << "State hash: " << status->state_hash.ToHex() << "\n";
  return kExitOk;
}

std::string DescribeTx(const protocol::TxEnvelope& env) {
  const protocol::Transaction& tx = env.tx;
  std::string what = std::string(protocol::TxTypeName(tx.type()));
  std::visit(
      [&what](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, protocol::Transfer>) {
          what += " " + p.amount.ToString() + " to " + p.to.ToString();
        } else if constexpr (std::is_same_v<T, protocol::JobEscrow>) {
          what += " " + p.amount.ToString() + " for " + p.job_id;
        } else if constexpr (std::is_same_v<T, protocol::JobSettle>) {
          what += " " + p.receipt.job_id + ": " + p.receipt.amount_paid.ToString() + " to " +
                  p.receipt.miner.ToString();
        } else if constexpr (std::is_same_v<T, protocol::JobRefund>) {
          what += " " + p.job_id;
        } else {
          what += " " + p.amount.ToString();
        }
      },
      tx.payload);
  return what;
}

int RunBlock(CliContext& ctx, uint64_t height) {
  auto node = ctx.Node();
  if (!node.ok()) return ctx.FailLocal(node.error().message());
  int attempts = 0;
  auto block = ctx.NodeCall<protocol::Block>([&] { return (*node)->GetBlock(height); }, &attempts);
  if (!block.ok()) return ctx.FailNode(block.error(), attempts, "query");
  if (ctx.json) {
    nlohmann::json out = protocol::BlockHeaderToJson(block->header);
    out["signature"] = block->signature.ToHex();
    out["txs"] = nlohmann::json::array();
    for (const auto& tx : block->txs) out["txs"].push_back(protocol::TxToJson(tx));
    ctx.out << out.dump(2) << std::endl;
    return kExitOk;
  }
  const protocol::BlockHeader& h = block->header;
  ctx.out << "Height: " << h.height << "\n"
          << "Hash: " << block->Hash().ToHex() << "\n"
          << "Time: " << core::FormatRfc3339(static_cast<int64_t>(h.time_ms)) << "\n"
          << "Previous: " << h.prev_hash.ToHex() << "\n"
          << "Proposer: " << core::Address::FromPublicKey(h.proposer).ToString()
          << (block->VerifySignature() ? " (signature valid)" : " (SIGNATURE INVALID)") << "\n"
          << "State hash: " << h.state_hash.ToHex() << "\n"
          << "Transactions: " << block->txs.size() << "\n";
  for (const auto& tx : block->txs) {
    ctx.out << "  " << tx.hash.ToHex() << "  " << SanitizeForTerminal(DescribeTx(tx)) << "\n";
  }
  return kExitOk;
}

int RunTx(CliContext& ctx, const std::string& hash_text) {
  auto hash = core::Hash256::FromHex(hash_text);
  if (!hash.ok()) return ctx.FailLocal("invalid transaction hash: " + hash.error().message());
  auto node = ctx.Node();
  if (!node.ok()) return ctx.FailLocal(node.error().message());
  int attempts = 0;
  auto tx = ctx.NodeCall<net::TxInfo>([&] { return (*node)->GetTx(*hash); }, &attempts);
  if (!tx.ok()) return ctx.FailNode(tx.error(), attempts, "query");
  if (ctx.json) {
    nlohmann::json out = protocol::TxToJson(tx->tx);
    out["height"] = tx->height;
    out["index"] = tx->index;
    ctx.out << out.dump(2) << std::endl;
    return kExitOk;
  }
  const protocol::Transaction& t = tx->tx.tx;
  ctx.out << "Hash: " << tx->tx.hash.ToHex() << "\n"
          << "Type: " << protocol::TxTypeName(t.type()) << "\n"
          << "Sender: " << t.sender_address().ToString() << "\n"
          << "Nonce: " << t.nonce << "\n"
          << "Fee: " << t.fee.ToString() << "\n"
          << "What: " << SanitizeForTerminal(DescribeTx(tx->tx)) << "\n"
          << "Block: " << tx->height << " (index " << tx->index << ")\n";
  return kExitOk;
}

int RunSupply(CliContext& ctx) {
  auto node = ctx.Node();
  if (!node.ok()) return ctx.FailLocal(node.error().message());
  int attempts = 0;
  auto s = ctx.NodeCall<net::SupplyInfo>([&] { return (*node)->GetSupply(); }, &attempts);
  if (!s.ok()) return ctx.FailNode(s.error(), attempts, "query");
  if (ctx.json) {
    ctx.out << nlohmann::json{{"height", s->height},
                              {"total", protocol::AmountToJson(s->total)},
                              {"genesis", protocol::AmountToJson(s->genesis)},
                              {"balances", protocol::AmountToJson(s->balances)},
                              {"staked", protocol::AmountToJson(s->staked)},
                              {"unbonding", protocol::AmountToJson(s->unbonding)},
                              {"escrowed", protocol::AmountToJson(s->escrowed)}}
                   .dump(2)
            << std::endl;
    return kExitOk;
  }
  ctx.out << "Height: " << s->height << "\n"
          << "Total: " << s->total.ToString()
          << (s->total == s->genesis ? " (equals the genesis supply)" : " (DIFFERS FROM GENESIS)")
          << "\n"
          << "Balances: " << s->balances.ToString() << "\n"
          << "Staked: " << s->staked.ToString() << "\n"
          << "Unbonding: " << s->unbonding.ToString() << "\n"
          << "In escrow: " << s->escrowed.ToString() << "\n";
  return kExitOk;
}

}  // namespace

void AddNodeCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* node = app.add_subcommand("node", "Query the blockchain node");
  node->require_subcommand(1);

  CLI::App* status = node->add_subcommand("status", "The chain's height and last block");
  status->add_flag("--json", ctx.json, "Machine-readable output");
  status->callback([&ctx] { ctx.exit_code = RunNodeStatus(ctx); });

  auto height = std::make_shared<uint64_t>(0);
  CLI::App* block = node->add_subcommand("block", "Show block N");
  block->add_option("height", *height, "The block height")->required();
  block->add_flag("--json", ctx.json, "Machine-readable output");
  block->callback([&ctx, height] { ctx.exit_code = RunBlock(ctx, *height); });

  auto hash = std::make_shared<std::string>();
  CLI::App* tx = node->add_subcommand("tx", "Show a transaction by hash");
  tx->add_option("hash", *hash, "The transaction hash (hex)")->required();
  tx->add_flag("--json", ctx.json, "Machine-readable output");
  tx->callback([&ctx, hash] { ctx.exit_code = RunTx(ctx, *hash); });

  CLI::App* supply = node->add_subcommand("supply", "The total supply (must equal the genesis)");
  supply->add_flag("--json", ctx.json, "Machine-readable output");
  supply->callback([&ctx] { ctx.exit_code = RunSupply(ctx); });
}

}  // namespace aitbc::cli
