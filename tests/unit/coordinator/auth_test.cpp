// Auth: API keys checked against the store, and rate limits per key with one setting per role.
#include "coordinator/auth.h"

#include <gtest/gtest.h>

#include "core/random.h"
#include "process.h"

namespace aitbc::coordinator {
namespace {

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenStore(dir_.path() + "/coordinator.db");
    ASSERT_TRUE(store.ok()) << store.error().ToString();
    store_ = std::move(store).value();
    client_ = AddKey(net::Role::kClient, "aitbc1client");
    miner_ = AddKey(net::Role::kMiner, "miner_a");
    admin_ = AddKey(net::Role::kAdmin, "admin");
  }

  std::string AddKey(net::Role role, const std::string& owner) {
    net::NewApiKey key = net::GenerateApiKey(role, owner, random_, clock_.NowMs());
    EXPECT_TRUE(store_->WriteSync({PutApiKey{ApiKeyRow{key.record}}}).ok());
    return key.plaintext;
  }

  // The status Authenticate answers for `key` (200: let through).
  int Call(Auth& auth, const std::string& key, net::Role role, std::string* message = nullptr) {
    net::Request request;
    request.headers.Set(role == net::Role::kMiner ? "X-Miner-Key" : "X-Api-Key", key);
    Caller caller;
    auto refused = auth.Authenticate(request, {role}, caller);
    if (!refused) {
      EXPECT_EQ(caller.role, role);
      return 200;
    }
    if (message != nullptr) *message = refused->body;
    return refused->status;
  }

  // How many calls in a row pass before the first 429 (at most `limit`).
  int PassesBeforeLimited(Auth& auth, const std::string& key, net::Role role, int limit) {
    for (int i = 0; i < limit; ++i) {
      int status = Call(auth, key, role);
      if (status == 429) return i;
      EXPECT_EQ(status, 200);
    }
    return limit;
  }

  aitbc::testing::TempDir dir_;
  core::FakeClock clock_;
  core::DeterministicRandom random_{7};
  std::unique_ptr<Store> store_;
  std::string client_, miner_, admin_;
};

TEST_F(AuthTest, EachRoleHasItsOwnRateLimit) {
  Auth auth(*store_, clock_, RateLimits{{1, 2}, {10, 5}, {0, 1}});
  ASSERT_TRUE(auth.Reload().ok());
  // The client's bucket holds 2, the miner's 5; the admin is unlimited.
  EXPECT_EQ(PassesBeforeLimited(auth, client_, net::Role::kClient, 100), 2);
  EXPECT_EQ(PassesBeforeLimited(auth, miner_, net::Role::kMiner, 100), 5);
  EXPECT_EQ(PassesBeforeLimited(auth, admin_, net::Role::kAdmin, 1'000), 1'000);

  std::string client_message, miner_message;
  EXPECT_EQ(Call(auth, client_, net::Role::kClient, &client_message), 429);
  EXPECT_NE(client_message.find("rate limit exceeded for client key"), std::string::npos)
      << client_message;
  EXPECT_EQ(Call(auth, miner_, net::Role::kMiner, &miner_message), 429);
  EXPECT_NE(miner_message.find("rate limit exceeded for miner key"), std::string::npos)
      << miner_message;

  // 200 ms refill: 0.2 of a client token, 2 miner tokens.
  clock_.Advance(200);
  EXPECT_EQ(PassesBeforeLimited(auth, client_, net::Role::kClient, 100), 0);
  EXPECT_EQ(PassesBeforeLimited(auth, miner_, net::Role::kMiner, 100), 2);
  // One more second: one client token; the miner's bucket is full again (5).
  clock_.Advance(1'000);
  EXPECT_EQ(PassesBeforeLimited(auth, client_, net::Role::kClient, 100), 1);
  EXPECT_EQ(PassesBeforeLimited(auth, miner_, net::Role::kMiner, 100), 5);
}

TEST_F(AuthTest, ARateOfZeroIsUnlimitedForThatRoleOnly) {
  Auth auth(*store_, clock_, RateLimits{{0, 1}, {1, 3}, {1, 1}});
  ASSERT_TRUE(auth.Reload().ok());
  EXPECT_EQ(PassesBeforeLimited(auth, client_, net::Role::kClient, 1'000), 1'000);
  EXPECT_EQ(PassesBeforeLimited(auth, miner_, net::Role::kMiner, 100), 3);
  EXPECT_EQ(PassesBeforeLimited(auth, admin_, net::Role::kAdmin, 100), 1);
}

TEST_F(AuthTest, KeysAreCheckedBeforeTheRateLimit) {
  Auth auth(*store_, clock_, RateLimits{{1, 1}, {1, 1}, {1, 1}});
  ASSERT_TRUE(auth.Reload().ok());
  EXPECT_EQ(Call(auth, "", net::Role::kClient), 401);
  EXPECT_EQ(Call(auth, "aitbc_client_0000_nope", net::Role::kClient), 401);
  // A miner key on a client endpoint: 403, and it takes no token from the miner's bucket.
  net::Request request;
  request.headers.Set("X-Miner-Key", miner_);
  Caller caller;
  auto refused = auth.Authenticate(request, {net::Role::kClient}, caller);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(PassesBeforeLimited(auth, miner_, net::Role::kMiner, 10), 1);
}

}  // namespace
}  // namespace aitbc::coordinator
