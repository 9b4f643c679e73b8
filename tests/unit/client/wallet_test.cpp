#include "client/wallet.h"

#include <gtest/gtest.h>

#include "core/file_util.h"
#include "process.h"

namespace aitbc::client {
namespace {

core::KeyFileOptions CheapKdf() {
  core::KeyFileOptions options;
  options.opslimit = 1;
  options.memlimit = 8192;
  return options;
}

TEST(Wallet, CreateReadListAndLoad) {
  testing::TempDir tmp;
  core::DeterministicRandom random(1);
  const std::string dir = tmp.path() + "/wallets";
  auto created = CreateWallet(dir, "alice", "secret", random, CheapKdf());
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  EXPECT_EQ(created->path, dir + "/alice.json");
  EXPECT_TRUE(created->encrypted);

  auto info = ReadWalletInfo(created->path);
  ASSERT_TRUE(info.ok()) << info.error().ToString();
  EXPECT_EQ(info->address, created->address);
  EXPECT_EQ(info->name, "alice");
  EXPECT_TRUE(info->encrypted);

  auto plain = CreateWallet(dir, "faucet", "", random, CheapKdf());
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->encrypted);
  ASSERT_TRUE(core::WriteFileAtomic(dir + "/notes.json", "{}").ok());  // not a wallet: skipped

  auto all = ListWallets(dir);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "alice");
  EXPECT_EQ((*all)[1].name, "faucet");

  auto key = LoadWalletKey(created->path, "secret");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(core::Address::FromPublicKey(key->public_key()), created->address);
  auto wrong = LoadWalletKey(created->path, "wrong");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), core::ErrorCode::kUnauthenticated);
  EXPECT_TRUE(LoadWalletKey(plain->path, "").ok());
}

TEST(Wallet, NeverReplacesAWallet) {
  testing::TempDir tmp;
  core::DeterministicRandom random(2);
  ASSERT_TRUE(CreateWallet(tmp.path(), "w", "", random).ok());
  auto again = CreateWallet(tmp.path(), "w", "", random);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), core::ErrorCode::kAlreadyExists);
  EXPECT_NE(again.error().message().find("already exists"), std::string::npos);
}

TEST(Wallet, NamesCannotEscapeTheDirectory) {
  core::DeterministicRandom random(3);
  testing::TempDir tmp;
  for (const char* bad : {"", "../x", "a/b", "a b", ".hidden"}) {
    EXPECT_EQ(ValidateWalletName(bad).error().code(), core::ErrorCode::kInvalidArgument) << bad;
    EXPECT_FALSE(CreateWallet(tmp.path(), bad, "", random).ok()) << bad;
  }
  EXPECT_FALSE(ValidateWalletName(std::string(65, 'a')).ok());
  EXPECT_TRUE(ValidateWalletName("my-wallet_2").ok());
}

TEST(Wallet, ReadErrors) {
  testing::TempDir tmp;
  auto missing = ReadWalletInfo(tmp.path() + "/none.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), core::ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("aitbc wallet create"), std::string::npos);

  ASSERT_TRUE(core::WriteFileAtomic(tmp.path() + "/bad.json", "not json").ok());
  EXPECT_EQ(ReadWalletInfo(tmp.path() + "/bad.json").error().code(), core::ErrorCode::kCorruption);

  // An address that is not the public key's.
  core::DeterministicRandom random(4);
  auto w = CreateWallet(tmp.path(), "w", "", random);
  ASSERT_TRUE(w.ok());
  auto other = CreateWallet(tmp.path(), "other", "", random);
  ASSERT_TRUE(other.ok());
  std::string text = core::ReadFile(w->path).value();
  nlohmann::json json = nlohmann::json::parse(text);
  json["address"] = other->address.ToString();
  ASSERT_TRUE(core::WriteFileAtomic(w->path, json.dump()).ok());
  auto mixed = ReadWalletInfo(w->path);
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().code(), core::ErrorCode::kCorruption);
}

TEST(Wallet, ListOfMissingDirectoryIsEmpty) {
  testing::TempDir tmp;
  auto all = ListWallets(tmp.path() + "/nothing");
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST(BuildTransfer, SignedWithTheNonceAndFee) {
  core::DeterministicRandom random(5);
  core::PrivateKey key = core::PrivateKey::Generate(random);
  core::Address to = core::Address::FromPublicKey(core::PrivateKey::Generate(random).public_key());
  protocol::Transaction tx = BuildTransfer(
      "aitbc-devnet", key, to, core::Amount::FromMicro(1500000), core::Amount::FromMicro(1000), 7);
  EXPECT_TRUE(tx.VerifySignatures().ok());
  EXPECT_TRUE(tx.CheckWellFormed().ok());
  EXPECT_EQ(tx.chain_id, "aitbc-devnet");
  EXPECT_EQ(tx.nonce, 7u);
  EXPECT_EQ(tx.fee, core::Amount::FromMicro(1000));
  EXPECT_EQ(tx.sender, key.public_key());
  const auto& transfer = std::get<protocol::Transfer>(tx.payload);
  EXPECT_EQ(transfer.to, to);
  EXPECT_EQ(transfer.amount, core::Amount::FromMicro(1500000));
}

}  // namespace
}  // namespace aitbc::client
