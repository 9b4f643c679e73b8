// Helpers shared by the end-to-end tests: reading the `aitbc` command's "Key: value" output and
// checking what the chain says about a job.
#pragma once

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "client/api_types.h"
#include "cluster.h"
#include "ports.h"

namespace aitbc::e2e {

// "Key: value" lines of the command's output (the first occurrence of each key).
inline std::map<std::string, std::string> Summary(const std::string& output) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    std::string line = output.substr(start, end - start);
    size_t colon = line.find(": ");
    if (colon != std::string::npos && colon > 0 && line[0] != ' ') {
      out.emplace(line.substr(0, colon), line.substr(colon + 2));
    }
    start = end + 1;
  }
  return out;
}

inline size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// The chain's escrow for a job (fails the test when there is none).
inline net::EscrowInfo ChainEscrow(Cluster& cluster, const std::string& job_id) {
  auto escrow = cluster.Node().GetEscrow(job_id);
  EXPECT_TRUE(escrow.ok()) << (escrow.ok() ? "" : escrow.error().ToString());
  if (!escrow.ok() || !escrow->has_value()) {
    ADD_FAILURE() << "no escrow on the chain for " << job_id;
    return {};
  }
  return **escrow;
}

// The chain's total supply equals the genesis supply.
inline void ExpectSupplyUnchanged(Cluster& cluster) {
  auto supply = cluster.Node().GetSupply();
  ASSERT_TRUE(supply.ok()) << supply.error().ToString();
  EXPECT_EQ(supply->total, supply->genesis);
  EXPECT_EQ(supply->total, cluster.state().genesis_supply);
}

}  // namespace aitbc::e2e
