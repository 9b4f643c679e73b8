// The aitbc-coordinator command line: init, keys create|list|revoke and start's early errors,
// run as real processes.
#include <gtest/gtest.h>

#include "core/address.h"
#include "core/file_util.h"
#include "core/key_file.h"
#include "core/random.h"
#include "process.h"

namespace aitbc::coordinator {
namespace {

using aitbc::testing::BinaryPath;
using aitbc::testing::CommandResult;
using aitbc::testing::RunCommand;
using aitbc::testing::TempDir;

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

class CliTest : public ::testing::Test {
 protected:
  CommandResult Run(std::vector<std::string> args, std::string passphrase = "secret words") {
    args.insert(args.begin(), BinaryPath("aitbc-coordinator"));
    auto result = RunCommand(
        args, 120'000,
        {{"AITBC_COORDINATOR_PASSPHRASE", passphrase}, {"AITBC_ACCOUNT_KEY_PASSPHRASE", ""}});
    EXPECT_TRUE(result.ok());
    return result.ok() ? *result : CommandResult{};
  }
  // "name: value" from a command's output.
  static std::string Field(const std::string& output, const std::string& name) {
    size_t at = output.find(name + ": ");
    if (at == std::string::npos) return "";
    size_t start = at + name.size() + 2;
    return output.substr(start, output.find('\n', start) - start);
  }
  std::string datadir() const { return dir_.path() + "/coordinator"; }

  TempDir dir_;
};

TEST_F(CliTest, InitNeedsAPassphraseOrTheExplicitInsecureFlag) {
  CommandResult refused = Run({"init", "--datadir", datadir()}, "");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(Contains(refused.output, "AITBC_COORDINATOR_PASSPHRASE")) << refused.output;
  EXPECT_TRUE(Contains(refused.output, "--insecure-no-passphrase")) << refused.output;

  CommandResult ok = Run({"init", "--datadir", datadir()});
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  std::string address = Field(ok.output, "coordinator address");
  EXPECT_EQ(address.rfind("aitbc1", 0), 0u) << ok.output;
  EXPECT_FALSE(core::KeyFileIsPlaintext(datadir() + "/coordinator_key.json").value());
  // Again: the key is kept.
  CommandResult again = Run({"init", "--datadir", datadir()});
  EXPECT_EQ(Field(again.output, "coordinator address"), address);
  // With another passphrase the key cannot be read.
  CommandResult wrong = Run({"init", "--datadir", datadir()}, "other words");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_TRUE(Contains(wrong.output, "wrong passphrase")) << wrong.output;

  std::string insecure_dir = dir_.path() + "/devnet";
  CommandResult insecure = Run({"init", "--datadir", insecure_dir, "--insecure-no-passphrase"}, "");
  ASSERT_EQ(insecure.exit_code, 0) << insecure.output;
  EXPECT_TRUE(Contains(insecure.output, "unencrypted"));
  EXPECT_TRUE(core::KeyFileIsPlaintext(insecure_dir + "/coordinator_key.json").value());
}

TEST_F(CliTest, KeysAreShownOnceAndStoredAsHashes) {
  ASSERT_EQ(Run({"init", "--datadir", datadir()}).exit_code, 0);
  CommandResult client = Run({"keys", "create", "--datadir", datadir(), "--role", "client"});
  ASSERT_EQ(client.exit_code, 0) << client.output;
  std::string key = Field(client.output, "api_key");
  std::string id = Field(client.output, "key_id");
  std::string address = Field(client.output, "address");
  EXPECT_EQ(key.rfind("aitbc_client_", 0), 0u) << client.output;
  EXPECT_EQ(address.rfind("aitbc1", 0), 0u);
  CommandResult miner = Run({"keys", "create", "--datadir", datadir(), "--role", "miner"});
  ASSERT_EQ(miner.exit_code, 0);
  EXPECT_EQ(Field(miner.output, "miner_id").rfind("miner_", 0), 0u) << miner.output;
  ASSERT_EQ(Run({"keys", "create", "--datadir", datadir(), "--role", "admin"}).exit_code, 0);

  std::string db;
  for (const char* suffix : {"/coordinator.db", "/coordinator.db-wal"}) {
    db += core::ReadFile(datadir() + suffix).value_or("");
  }
  EXPECT_TRUE(Contains(db, id));
  EXPECT_FALSE(Contains(db, key.substr(key.rfind('_') + 1)));  // the secret
  EXPECT_TRUE(Contains(db, "argon2id-xchacha20poly1305"));     // the sealed account key

  CommandResult list = Run({"keys", "list", "--datadir", datadir()});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_TRUE(Contains(list.output, id));
  EXPECT_TRUE(Contains(list.output, "client"));
  EXPECT_TRUE(Contains(list.output, "admin"));
  EXPECT_FALSE(Contains(list.output, key));
  ASSERT_EQ(Run({"keys", "revoke", "--datadir", datadir(), id}).exit_code, 0);
  EXPECT_TRUE(Contains(Run({"keys", "list", "--datadir", datadir()}).output, "REVOKED"));

  CommandResult unknown = Run({"keys", "revoke", "--datadir", datadir(), "0123456789abcdef"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_TRUE(Contains(unknown.output, "no API key with id")) << unknown.output;
  CommandResult bad_role = Run({"keys", "create", "--datadir", datadir(), "--role", "root"});
  EXPECT_NE(bad_role.exit_code, 0);
  EXPECT_TRUE(Contains(bad_role.output, "root")) << bad_role.output;
}

TEST_F(CliTest, AClientKeyCanUseAnImportedAccount) {
  ASSERT_EQ(Run({"init", "--datadir", datadir()}).exit_code, 0);
  core::PrivateKey account = core::PrivateKey::Generate(core::SystemRandom::Instance());
  std::string file = dir_.path() + "/account.json";
  ASSERT_TRUE(core::WriteKeyFile(file, account, "", core::SystemRandom::Instance()).ok());
  std::string expected = core::Address::FromPublicKey(account.public_key()).ToString();
  for (int i = 0; i < 2; ++i) {  // two keys may share one account
    CommandResult r =
        Run({"keys", "create", "--datadir", datadir(), "--role", "client", "--account-key", file});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(Field(r.output, "address"), expected);
  }
  CommandResult for_miner =
      Run({"keys", "create", "--datadir", datadir(), "--role", "miner", "--account-key", file});
  EXPECT_EQ(for_miner.exit_code, 1);
  EXPECT_TRUE(Contains(for_miner.output, "only for client keys")) << for_miner.output;
  CommandResult missing = Run({"keys", "create", "--datadir", datadir(), "--role", "client",
                               "--account-key", dir_.path() + "/nope.json"});
  EXPECT_EQ(missing.exit_code, 1);
}

TEST_F(CliTest, StartReportsWhatIsWrongBeforeServing) {
  CommandResult uninitialised = Run({"start", "--datadir", datadir()});
  EXPECT_EQ(uninitialised.exit_code, 1);
  EXPECT_TRUE(Contains(uninitialised.output, "aitbc-coordinator init")) << uninitialised.output;
  ASSERT_EQ(Run({"init", "--datadir", datadir()}).exit_code, 0);
  CommandResult wrong = Run({"start", "--datadir", datadir()}, "other words");
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_TRUE(Contains(wrong.output, "wrong passphrase")) << wrong.output;
  CommandResult listen = Run({"start", "--datadir", datadir(), "--listen", "nowhere"});
  EXPECT_EQ(listen.exit_code, 1);
  EXPECT_TRUE(Contains(listen.output, "--listen")) << listen.output;
  std::string config = dir_.path() + "/c.toml";
  ASSERT_TRUE(core::WriteFileAtomic(config, "queue_timeout = 5\n").ok());
  CommandResult bad_config = Run({"start", "--datadir", datadir(), "--config", config});
  EXPECT_EQ(bad_config.exit_code, 1);
  EXPECT_TRUE(Contains(bad_config.output, "unknown key 'queue_timeout'")) << bad_config.output;
  CommandResult bad_value = Run({"start", "--datadir", datadir(), "--max-attempts", "0"});
  EXPECT_EQ(bad_value.exit_code, 1);
  EXPECT_TRUE(Contains(bad_value.output, "max_attempts")) << bad_value.output;
  CommandResult bad_price = Run({"start", "--datadir", datadir(), "--default-max-price", "plenty"});
  EXPECT_EQ(bad_price.exit_code, 1);
  EXPECT_TRUE(Contains(bad_price.output, "--default-max-price")) << bad_price.output;
}

}  // namespace
}  // namespace aitbc::coordinator
