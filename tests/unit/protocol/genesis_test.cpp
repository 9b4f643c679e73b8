#include "protocol/genesis.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_keys.h"

namespace aitbc::protocol {
namespace {

Genesis Sample() {
  Genesis g;
  g.chain_id = "aitbc-devnet";
  g.genesis_time_ms = 1'700'000'000'000;
  g.accounts.push_back({core::Address::FromPublicKey(testing::KeyFromByte(1).public_key()),
                        core::Amount::FromMicro(5'000'000), core::Amount()});
  g.accounts.push_back({core::Address::FromPublicKey(testing::KeyFromByte(2).public_key()),
                        core::Amount::FromMicro(1), core::Amount::FromMicro(100)});
  g.validators.push_back(testing::KeyFromByte(9).public_key());
  g.params.min_fee = core::Amount::FromMicro(10);
  return g;
}

TEST(GenesisTest, JsonRoundTrip) {
  Genesis g = Sample();
  auto back = Genesis::FromJson(g.ToJson());
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(*back, g);
  EXPECT_EQ(back->Hash(), g.Hash());
  EXPECT_EQ(g.TotalSupply()->micro(), 5'000'101u);
}

TEST(GenesisTest, HashDependsOnEveryField) {
  Genesis g = Sample();
  Genesis other = g;
  other.params.unbonding_delay_blocks++;
  EXPECT_NE(g.Hash(), other.Hash());
  other = g;
  other.chain_id = "aitbc-other";
  EXPECT_NE(g.Hash(), other.Hash());
}

TEST(GenesisTest, ValidationErrors) {
  nlohmann::json base = Sample().ToJson();
  auto error_of = [](nlohmann::json j) { return Genesis::FromJson(j).error().message(); };

  nlohmann::json j = base;
  j["accounts"].push_back(j["accounts"][0]);
  EXPECT_NE(error_of(j).find("duplicate"), std::string::npos);

  j = base;
  j["validators"] = nlohmann::json::array();
  EXPECT_NE(error_of(j).find("validators"), std::string::npos);

  j = base;
  j["accounts"][0]["address"] = "aitbc1notanaddress";
  EXPECT_FALSE(Genesis::FromJson(j).ok());

  j = base;
  j["accounts"][0]["balance"] = "18446744073709.551615aitbc";
  j["accounts"][1]["balance"] = "1aitbc";
  EXPECT_NE(error_of(j).find("supply"), std::string::npos);

  j = base;
  j.erase("chain_id");
  EXPECT_NE(error_of(j).find("chain_id"), std::string::npos);

  j = base;
  j["params"]["max_block_txs"] = 0;
  EXPECT_NE(error_of(j).find("max_block_txs"), std::string::npos);

  EXPECT_FALSE(Genesis::FromJson(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace aitbc::protocol
