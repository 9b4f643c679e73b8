// aitbc wallet create | address | list | balance | transfer
#include <ostream>

#include <CLI/CLI.hpp>

#include "cli/context.h"
#include "cli/terminal.h"
#include "client/node_calls.h"
#include "client/wallet.h"
#include "protocol/json_codec.h"

namespace aitbc::cli {

namespace {

struct WalletOptions {
  std::string name = std::string(client::kDefaultWalletName);
  std::string dir;  // default: settings.wallet_dir
};

core::Result<std::string> WalletDir(CliContext& ctx, const WalletOptions& opts) {
  if (!opts.dir.empty()) return opts.dir;
  AITBC_ASSIGN_OR_RETURN(Settings settings, ctx.GetSettings());
  return settings.wallet_dir;
}

core::Result<std::string> WalletFile(CliContext& ctx, const WalletOptions& opts) {
  AITBC_TRY(client::ValidateWalletName(opts.name));
  AITBC_ASSIGN_OR_RETURN(std::string dir, WalletDir(ctx, opts));
  return client::WalletPath(dir, opts.name);
}

// The passphrase from AITBC_WALLET_PASSPHRASE, else asked on the terminal.
core::Result<std::string> Passphrase(CliContext& ctx, const std::string& prompt, bool confirm) {
  auto it = ctx.env.find("AITBC_WALLET_PASSPHRASE");
  if (it != ctx.env.end()) return it->second;
  AITBC_ASSIGN_OR_RETURN(std::string first, ReadPassphrase(prompt));
  if (confirm) {
    AITBC_ASSIGN_OR_RETURN(std::string second, ReadPassphrase("Repeat the passphrase: "));
    if (first != second) return core::Error::InvalidArgument("the passphrases do not match");
  }
  return first;
}

int RunCreate(CliContext& ctx, const WalletOptions& opts, bool no_passphrase) {
  auto dir = WalletDir(ctx, opts);
  if (!dir.ok()) return ctx.FailLocal(dir.error().message());
  std::string passphrase;
  if (!no_passphrase) {
    auto p = Passphrase(ctx, "Passphrase for the new wallet: ", /*confirm=*/true);
    if (!p.ok()) return ctx.FailLocal(p.error().message());
    if (p->empty()) {
      return ctx.FailLocal(
          "an empty passphrase leaves the key unencrypted: pass --insecure-no-passphrase to "
          "mean it");
    }
    passphrase = std::move(*p);
  }
  auto wallet = client::CreateWallet(*dir, opts.name, passphrase, ctx.random);
  if (!wallet.ok()) return ctx.FailLocal(wallet.error().message());
  if (ctx.json) {
    ctx.out << nlohmann::json{{"name", wallet->name},
                              {"path", wallet->path},
                              {"address", wallet->address.ToString()},
                              {"encrypted", wallet->encrypted}}
                   .dump(2)
            << std::endl;
  } else {
    ctx.out << "Created wallet '" << wallet->name << "' at " << wallet->path << "\n"
            << "Address: " << wallet->address.ToString() << "\n";
    if (!wallet->encrypted) ctx.out << "Warning: the key is NOT encrypted (devnet use only).\n";
  }
  return kExitOk;
}

int RunAddress(CliContext& ctx, const WalletOptions& opts) {
  auto path = WalletFile(ctx, opts);
  if (!path.ok()) return ctx.FailLocal(path.error().message());
  auto info = client::ReadWalletInfo(*path);
  if (!info.ok()) return ctx.FailLocal(info.error().message());
  ctx.out << info->address.ToString() << "\n";
  return kExitOk;
}

int RunList(CliContext& ctx, const WalletOptions& opts) {
  auto dir = WalletDir(ctx, opts);
  if (!dir.ok()) return ctx.FailLocal(dir.error().message());
  auto wallets = client::ListWallets(*dir);
  if (!wallets.ok()) return ctx.FailLocal(wallets.error().message());
  if (ctx.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& w : *wallets) {
      out.push_back({{"name", w.name},
                     {"address", w.address.ToString()},
                     {"path", w.path},
                     {"encrypted", w.encrypted}});
    }
    ctx.out << out.dump(2) << std::endl;
    return kExitOk;
  }
  if (wallets->empty()) {
    ctx.out << "No wallets in " << *dir << " (create one with `aitbc wallet create`).\n";
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& w : *wallets) {
    rows.push_back({w.name, w.address.ToString(), w.encrypted ? "yes" : "no"});
  }
  ctx.out << FormatTable({"NAME", "ADDRESS", "ENCRYPTED"}, rows);
  return kExitOk;
}

int RunBalance(CliContext& ctx, const WalletOptions& opts, const std::string& address_arg) {
  core::Address address;
  if (!address_arg.empty()) {
    auto parsed = core::Address::Parse(address_arg);
    if (!parsed.ok()) return ctx.FailLocal("invalid address: " + parsed.error().message());
    address = *parsed;
  } else {
    auto path = WalletFile(ctx, opts);
    if (!path.ok()) return ctx.FailLocal(path.error().message());
    auto info = client::ReadWalletInfo(*path);
    if (!info.ok()) return ctx.FailLocal(info.error().message());
    address = info->address;
  }
  auto node = ctx.Node();
  if (!node.ok()) return ctx.FailLocal(node.error().message());
  int attempts = 0;
  auto account =
      ctx.NodeCall<net::AccountInfo>([&] { return (*node)->GetAccount(address); }, &attempts);
  if (!account.ok()) return ctx.FailNode(account.error(), attempts, "query");
  if (ctx.json) {
    ctx.out << nlohmann::json{{"address", address.ToString()},
                              {"balance", protocol::AmountToJson(account->balance)},
                              {"stake", protocol::AmountToJson(account->stake)},
                              {"unbonding", protocol::AmountToJson(account->unbonding)},
                              {"nonce", account->nonce},
                              {"pending_nonce", account->pending_nonce}}
                   .dump(2)
            << std::endl;
    return kExitOk;
  }
  ctx.out << "Address: " << address.ToString() << "\n"
          << "Balance: " << account->balance.ToString() << "\n";
  if (account->stake.micro() > 0) ctx.out << "Staked: " << account->stake.ToString() << "\n";
  if (account->unbonding.micro() > 0) {
    ctx.out << "Unbonding: " << account->unbonding.ToString() << "\n";
  }
  ctx.out << "Nonce: " << account->nonce << "\n";
  return kExitOk;
}

struct TransferOptions {
  std::string to;
  std::string amount;
  std::string fee;
  bool wait = false;
  int timeout_s = 60;
};

int RunTransfer(CliContext& ctx, const WalletOptions& opts, const TransferOptions& t) {
  auto to = core::Address::Parse(t.to);
  if (!to.ok()) return ctx.FailLocal("invalid --to address: " + to.error().message());
  auto amount = core::Amount::Parse(t.amount);
  if (!amount.ok()) return ctx.FailLocal("invalid --amount: " + amount.error().message());
  if (amount->micro() == 0) return ctx.FailLocal("invalid --amount: must be more than 0");
  std::optional<core::Amount> fee;
  if (!t.fee.empty()) {
    auto parsed = core::Amount::Parse(t.fee);
    if (!parsed.ok()) return ctx.FailLocal("invalid --fee: " + parsed.error().message());
    fee = *parsed;
  }
  auto path = WalletFile(ctx, opts);
  if (!path.ok()) return ctx.FailLocal(path.error().message());
  auto info = client::ReadWalletInfo(*path);
  if (!info.ok()) return ctx.FailLocal(info.error().message());
  std::string passphrase;
  if (info->encrypted) {
    auto p = Passphrase(ctx, "Passphrase for wallet '" + info->name + "': ", /*confirm=*/false);
    if (!p.ok()) return ctx.FailLocal(p.error().message());
    passphrase = std::move(*p);
  }
  auto key = client::LoadWalletKey(*path, passphrase);
  if (!key.ok()) return ctx.FailLocal(key.error().message());

  auto node = ctx.Node();
  if (!node.ok()) return ctx.FailLocal(node.error().message());
  int attempts = 0;
  auto sent = client::SendTransfer(**node, *key, *to, *amount, fee, ctx.NodeRetry(), &attempts);
  if (!sent.ok()) return ctx.FailNode(sent.error(), attempts, "transfer");
  const core::Hash256* hash = &sent->tx_hash;
  fee = sent->fee;
  uint64_t height = 0;
  if (t.wait) {
    auto committed = (*node)->WaitForTx(*hash, int64_t{t.timeout_s} * 1000);
    if (!committed.ok()) return ctx.FailNode(committed.error(), 1, "transfer");
    height = *committed;
  }
  if (ctx.json) {
    nlohmann::json out = {{"tx_hash", hash->ToHex()},
                          {"from", info->address.ToString()},
                          {"to", to->ToString()},
                          {"amount", protocol::AmountToJson(*amount)},
                          {"fee", protocol::AmountToJson(*fee)},
                          {"nonce", sent->nonce}};
    if (t.wait) out["block_height"] = height;
    ctx.out << out.dump(2) << std::endl;
    return kExitOk;
  }
  ctx.out << "Sent " << amount->ToString() << " to " << to->ToString() << " (fee "
          << fee->ToString() << ")\n"
          << "Transaction: " << hash->ToHex() << "\n";
  if (t.wait) {
    ctx.out << "Committed in block " << height << "\n";
  } else {
    ctx.out << "Status: accepted into the mempool (use --wait to wait for its block)\n";
  }
  return kExitOk;
}

void AddWalletOptions(CLI::App* cmd, WalletOptions& opts) {
  cmd->add_option("--name", opts.name, "The wallet's name (default)");
  cmd->add_option("--dir", opts.dir, "The wallet directory (~/.aitbc/wallets)");
}

}  // namespace

void AddWalletCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* wallet = app.add_subcommand("wallet", "Local wallets: keys, balances, transfers");
  wallet->require_subcommand(1);
  auto opts = std::make_shared<WalletOptions>();

  auto no_passphrase = std::make_shared<bool>(false);
  CLI::App* create = wallet->add_subcommand("create", "Create a wallet (an Ed25519 key file)");
  AddWalletOptions(create, *opts);
  create->add_flag("--insecure-no-passphrase", *no_passphrase,
                   "Store the key unencrypted (devnets only)");
  create->add_flag("--json", ctx.json, "Machine-readable output");
  create->callback(
      [&ctx, opts, no_passphrase] { ctx.exit_code = RunCreate(ctx, *opts, *no_passphrase); });

  CLI::App* address = wallet->add_subcommand("address", "Print the wallet's address");
  AddWalletOptions(address, *opts);
  address->callback([&ctx, opts] { ctx.exit_code = RunAddress(ctx, *opts); });

  CLI::App* list = wallet->add_subcommand("list", "List the wallets");
  list->add_option("--dir", opts->dir, "The wallet directory (~/.aitbc/wallets)");
  list->add_flag("--json", ctx.json, "Machine-readable output");
  list->callback([&ctx, opts] { ctx.exit_code = RunList(ctx, *opts); });

  auto balance_address = std::make_shared<std::string>();
  CLI::App* balance = wallet->add_subcommand("balance", "Show an account's balance on the chain");
  balance->add_option("address", *balance_address, "An address (default: the wallet's)");
  AddWalletOptions(balance, *opts);
  balance->add_flag("--json", ctx.json, "Machine-readable output");
  balance->callback(
      [&ctx, opts, balance_address] { ctx.exit_code = RunBalance(ctx, *opts, *balance_address); });

  auto t = std::make_shared<TransferOptions>();
  CLI::App* transfer = wallet->add_subcommand("transfer", "Send AITBC from the wallet");
  transfer->add_option("--to", t->to, "The recipient's address")->required();
  transfer->add_option("--amount", t->amount, "How much, e.g. 1.5aitbc")->required();
  transfer->add_option("--fee", t->fee, "The fee (default: the chain's minimum)");
  transfer->add_flag("--wait", t->wait, "Wait until the transfer is in a block");
  transfer->add_option("--timeout", t->timeout_s, "With --wait: seconds to wait (60)");
  AddWalletOptions(transfer, *opts);
  transfer->add_flag("--json", ctx.json, "Machine-readable output");
  transfer->callback([&ctx, opts, t] { ctx.exit_code = RunTransfer(ctx, *opts, *t); });
}

}  // namespace aitbc::cli
