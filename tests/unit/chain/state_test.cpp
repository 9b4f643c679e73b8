// Encodings of the state's records, the LtHash, StateOverlay and MemoryState.
#include "chain/state.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "chain_fixture.h"
#include "core/random.h"

namespace aitbc::chain {
namespace {

using testing::AddressOf;
using testing::Coins;
using testing::KeyFromByte;
using testing::Micro;

core::Address Addr(uint8_t b) { return AddressOf(KeyFromByte(b)); }

Escrow SettledEscrow() {
  Escrow e;
  e.job_id = "job-1";
  e.client = Addr(1);
  e.coordinator = Addr(2);
  e.amount = Coins(3);
  e.fee = Micro(1'000);
  e.expiry_height = 90;
  e.status = EscrowStatus::kSettled;
  e.created_height = 7;
  e.closed_height = 9;
  e.closing_tx = core::Sha256("closing");
  e.amount_paid = Micro(250'000);
  e.miner = Addr(3);
  e.result_hash = core::Sha256("result");
  return e;
}

TEST(AccountTest, EncodingRoundTripsAndIsFixedSize) {
  Account a{Coins(5), 7, Coins(2), Micro(3)};
  core::Bytes bytes = a.Encode();
  EXPECT_EQ(bytes.size(), 32u);
  EXPECT_EQ(Account::Decode(bytes).value(), a);
}

TEST(AccountTest, DecodeRejectsTrailingAndMissingBytes) {
  core::Bytes bytes = Account{Coins(5), 7, {}, {}}.Encode();
  bytes.push_back(0);
  EXPECT_FALSE(Account::Decode(bytes).ok());
  bytes.resize(31);
  EXPECT_FALSE(Account::Decode(bytes).ok());
}

TEST(AccountTest, EmptyOnlyWhenEverythingIsZero) {
  EXPECT_TRUE(Account{}.IsEmpty());
  EXPECT_FALSE((Account{Micro(1), 0, {}, {}}.IsEmpty()));
  EXPECT_FALSE((Account{{}, 1, {}, {}}.IsEmpty()));  // keeps replay protection
  EXPECT_FALSE((Account{{}, 0, Micro(1), {}}.IsEmpty()));
  EXPECT_FALSE((Account{{}, 0, {}, Micro(1)}.IsEmpty()));
}

TEST(EscrowTest, EncodingRoundTrips) {
  Escrow e = SettledEscrow();
  EXPECT_EQ(Escrow::Decode(e.Encode()).value(), e);
  Escrow open;
  open.job_id = "j";
  EXPECT_EQ(Escrow::Decode(open.Encode()).value(), open);
}

TEST(EscrowTest, TheFeeIsEncodedAndHashed) {
  Escrow a = SettledEscrow();
  Escrow b = a;
  b.fee = Micro(1'001);
  EXPECT_NE(a.Encode(), b.Encode());
  EXPECT_NE(EscrowElement(a), EscrowElement(b));
  EXPECT_EQ(Escrow::Decode(b.Encode()).value().fee, Micro(1'001));
}

TEST(EscrowTest, DecodeRejectsTrailingBytesAndUnknownStatus) {
  core::Bytes bytes = SettledEscrow().Encode();
  bytes.push_back(1);
  EXPECT_FALSE(Escrow::Decode(bytes).ok());
  for (uint8_t status : {0, 4, 255}) {
    Escrow e = SettledEscrow();
    e.status = static_cast<EscrowStatus>(status);
    auto decoded = Escrow::Decode(e.Encode());
    ASSERT_FALSE(decoded.ok());
    EXPECT_NE(decoded.error().message().find("unknown escrow status"), std::string::npos);
  }
}

TEST(EscrowTest, StatusNames) {
  EXPECT_EQ(EscrowStatusName(EscrowStatus::kOpen), "open");
  EXPECT_EQ(EscrowStatusName(EscrowStatus::kSettled), "settled");
  EXPECT_EQ(EscrowStatusName(EscrowStatus::kRefunded), "refunded");
  EXPECT_EQ(EscrowStatusName(static_cast<EscrowStatus>(9)), "unknown");
}

TEST(SupplyTotalsTest, TotalIsTheCheckedSum) {
  SupplyTotals s{Coins(1), Coins(2), Coins(3), Coins(4)};
  EXPECT_EQ(s.Total().value(), Coins(10));
  s.escrowed = Micro(std::numeric_limits<uint64_t>::max());
  EXPECT_FALSE(s.Total().ok());
}

TEST(ChainMetaTest, EncodingRoundTrips) {
  ChainMeta m;
  m.height = 12;
  m.last_block_hash = core::Sha256("block");
  m.last_block_time_ms = 1'700'000'000'123;
  m.state_lthash.Add(core::AsBytes("x"));
  m.state_hash = m.state_lthash.Digest();
  m.supply = {Coins(1), Coins(2), Coins(3), Coins(4)};
  m.genesis_supply = Coins(10);
  core::Bytes bytes = m.Encode();
  EXPECT_EQ(ChainMeta::Decode(bytes).value(), m);
  bytes.push_back(0);
  EXPECT_FALSE(ChainMeta::Decode(bytes).ok());
  bytes.resize(bytes.size() - 2);
  EXPECT_FALSE(ChainMeta::Decode(bytes).ok());
}

TEST(ElementTest, KindsHaveDistinctPrefixes) {
  EXPECT_EQ(AccountElement(Addr(1), Account{Coins(1), 0, {}, {}})[0], 'a');
  EXPECT_EQ(EscrowElement(SettledEscrow())[0], 'e');
  EXPECT_EQ(UnbondingElement(5, {UnbondingEntry{Addr(1), Coins(1), 5}})[0], 'u');
}

TEST(ElementTest, ElementsDependOnKeyAndValue) {
  Account a{Coins(1), 0, {}, {}};
  EXPECT_NE(AccountElement(Addr(1), a), AccountElement(Addr(2), a));
  EXPECT_NE(AccountElement(Addr(1), a), AccountElement(Addr(1), Account{Coins(2), 0, {}, {}}));
  std::vector<UnbondingEntry> entries = {UnbondingEntry{Addr(1), Coins(1), 5}};
  EXPECT_NE(UnbondingElement(5, entries), UnbondingElement(6, entries));
}

core::Bytes Element(uint64_t i) {
  core::Writer w;
  w.U64(i);
  return w.Take();
}

TEST(LtHashTest, EmptyHashIsAllZeroLanes) {
  LtHash h;
  EXPECT_EQ(h.Encode(), core::Bytes(2048, 0));
  EXPECT_EQ(h.Digest(), core::Sha256(core::Bytes(2048, 0)));
}

TEST(LtHashTest, AddThenRemoveIsTheIdentity) {
  LtHash h;
  h.Add(Element(1));
  LtHash before = h;
  for (uint64_t i = 2; i < 50; ++i) h.Add(Element(i));
  for (uint64_t i = 2; i < 50; ++i) h.Remove(Element(i));
  EXPECT_EQ(h, before);
  h.Remove(Element(1));
  EXPECT_EQ(h, LtHash());
}

TEST(LtHashTest, OrderDoesNotMatter) {
  std::vector<uint64_t> order(40);
  for (uint64_t i = 0; i < order.size(); ++i) order[i] = i;
  LtHash forward;
  for (uint64_t i : order) forward.Add(Element(i));
  std::reverse(order.begin(), order.end());
  std::rotate(order.begin(), order.begin() + 13, order.end());
  LtHash shuffled;
  for (uint64_t i : order) shuffled.Add(Element(i));
  EXPECT_EQ(forward, shuffled);
  EXPECT_EQ(forward.Digest(), shuffled.Digest());
  // Removing before adding (lanes wrap) reaches the same sum too.
  LtHash wrapped;
  wrapped.Remove(Element(1000));
  for (uint64_t i : order) wrapped.Add(Element(i));
  wrapped.Add(Element(1000));
  EXPECT_EQ(wrapped, forward);
}

TEST(LtHashTest, DifferentSetsHaveDifferentDigests) {
  LtHash a;
  LtHash b;
  LtHash twice;
  a.Add(Element(1));
  b.Add(Element(2));
  twice.Add(Element(1));
  twice.Add(Element(1));
  EXPECT_NE(a.Digest(), b.Digest());
  EXPECT_NE(a.Digest(), twice.Digest());  // a multiset: counts matter
  EXPECT_NE(a.Digest(), LtHash().Digest());
}

TEST(LtHashTest, PinnedExpansion) {
  LtHash h;
  h.Add(core::AsBytes("abc"));
  // Pinned once from this implementation: any change of the expansion changes it.
  EXPECT_EQ(h.Digest().ToHex(), "2d439a620d9fec4e279f33f747ffda864574709db245b5764882220798086572");
}

TEST(LtHashTest, EncodeDecodeRoundTrip) {
  LtHash h;
  h.Add(Element(7));
  EXPECT_EQ(LtHash::Decode(h.Encode()).value(), h);
  EXPECT_FALSE(LtHash::Decode(core::Bytes(2047, 0)).ok());
  EXPECT_FALSE(LtHash::Decode(core::Bytes(2049, 0)).ok());
}

class OverlayTest : public ::testing::Test {
 protected:
  OverlayTest() {
    StateDelta delta;
    delta.accounts[Addr(1)] = Account{Coins(10), 1, {}, {}};
    delta.accounts[Addr(2)] = Account{Coins(20), 0, Coins(5), Coins(1)};
    delta.escrows["job-1"] = SettledEscrow();
    delta.unbonding_added[9] = {UnbondingEntry{Addr(2), Coins(1), 9}};
    base_.Apply(delta);
    ChainMeta meta;
    meta.state_lthash = base_.RecomputeLtHash();
    meta.state_hash = meta.state_lthash.Digest();
    meta.supply = base_.RecomputeSupply().value();
    delta = StateDelta{};
    delta.meta = meta;
    base_.Apply(delta);
  }

  // Applies the overlay's delta to the base and checks the incremental hash and totals.
  void FinishAndCheck(StateOverlay& overlay) {
    auto delta = overlay.Finish();
    ASSERT_TRUE(delta.ok()) << delta.error().ToString();
    base_.Apply(*delta);
    EXPECT_EQ(base_.RecomputeLtHash(), delta->meta.state_lthash);
    EXPECT_EQ(delta->meta.state_hash, delta->meta.state_lthash.Digest());
    EXPECT_EQ(base_.RecomputeSupply().value(), delta->meta.supply);
  }

  MemoryState base_;
};

TEST_F(OverlayTest, ReadsThroughToTheBaseAndWritesStayInTheOverlay) {
  StateOverlay overlay(base_);
  EXPECT_EQ(overlay.LoadAccount(Addr(1)).value().balance, Coins(10));
  EXPECT_EQ(overlay.LoadAccount(Addr(9)).value(), Account{});
  EXPECT_FALSE(overlay.GetAccount(Addr(9)).value().has_value());
  overlay.PutAccount(Addr(1), Account{Coins(11), 2, {}, {}});
  EXPECT_EQ(overlay.LoadAccount(Addr(1)).value().balance, Coins(11));
  EXPECT_EQ(base_.GetAccount(Addr(1)).value()->balance, Coins(10));
  Escrow e = SettledEscrow();
  e.job_id = "job-2";
  overlay.PutEscrow(e);
  EXPECT_EQ(overlay.GetEscrow("job-2").value(), e);
  EXPECT_FALSE(base_.GetEscrow("job-2").value().has_value());
  EXPECT_EQ(overlay.GetEscrow("job-1").value(), SettledEscrow());
}

TEST_F(OverlayTest, EmptiedAccountsReadAsAbsentAndAreDeleted) {
  StateOverlay overlay(base_);
  overlay.PutAccount(Addr(2), Account{});
  EXPECT_FALSE(overlay.GetAccount(Addr(2)).value().has_value());
  auto delta = overlay.Finish();
  ASSERT_TRUE(delta.ok());
  ASSERT_EQ(delta->accounts.count(Addr(2)), 1u);
  EXPECT_TRUE(delta->accounts.at(Addr(2)).IsEmpty());
  MemoryState copy = base_;
  copy.Apply(*delta);
  EXPECT_FALSE(copy.GetAccount(Addr(2)).value().has_value());
  EXPECT_EQ(copy.RecomputeLtHash(), delta->meta.state_lthash);
}

TEST_F(OverlayTest, UnchangedEntriesAreLeftOutOfTheDelta) {
  StateOverlay overlay(base_);
  overlay.PutAccount(Addr(1), base_.GetAccount(Addr(1)).value().value());
  overlay.PutAccount(Addr(9), Account{});  // absent stays absent
  overlay.PutEscrow(SettledEscrow());
  auto delta = overlay.Finish();
  ASSERT_TRUE(delta.ok());
  EXPECT_TRUE(delta->accounts.empty());
  EXPECT_TRUE(delta->escrows.empty());
  EXPECT_EQ(delta->meta, base_.GetMeta().value());
}

TEST_F(OverlayTest, UnbondingAddAndRelease) {
  StateOverlay overlay(base_);
  overlay.AddUnbonding(UnbondingEntry{Addr(1), Coins(2), 9});
  overlay.AddUnbonding(UnbondingEntry{Addr(1), Coins(3), 12});
  EXPECT_EQ(overlay.GetUnbonding(9).value().size(), 2u);  // base entry + new one
  overlay.ReleaseUnbonding(9);
  EXPECT_TRUE(overlay.GetUnbonding(9).value().empty());
  EXPECT_EQ(overlay.GetUnbonding(12).value().size(), 1u);
  EXPECT_EQ(base_.GetUnbonding(9).value().size(), 1u);
  auto delta = overlay.Finish();
  ASSERT_TRUE(delta.ok());
  EXPECT_EQ(delta->unbonding_released, std::vector<uint64_t>{9});
  EXPECT_EQ(delta->unbonding_added.size(), 1u);
  EXPECT_EQ(delta->unbonding_added.at(12).size(), 1u);
}

TEST_F(OverlayTest, FinishKeepsTheHashAndTotalsConsistent) {
  StateOverlay overlay(base_);
  overlay.PutAccount(Addr(1), Account{Coins(4), 2, Coins(6), {}});
  overlay.PutAccount(Addr(3), Account{Coins(1), 0, {}, {}});
  Escrow open;
  open.job_id = "job-open";
  open.amount = Coins(7);
  overlay.PutEscrow(open);
  overlay.AddUnbonding(UnbondingEntry{Addr(3), Coins(1), 20});
  overlay.ReleaseUnbonding(9);
  FinishAndCheck(overlay);
  EXPECT_EQ(base_.GetMeta()->supply.escrowed, Coins(7));

  StateOverlay second(base_);
  open.status = EscrowStatus::kRefunded;
  second.PutEscrow(open);
  second.PutAccount(Addr(1), Account{});
  FinishAndCheck(second);
  EXPECT_EQ(base_.GetMeta()->supply.escrowed, core::Amount());
}

TEST_F(OverlayTest, PutMetaIsReadBackAndCarriedIntoTheDelta) {
  StateOverlay overlay(base_);
  ChainMeta meta = base_.GetMeta().value();
  meta.height = 77;
  overlay.PutMeta(meta);
  EXPECT_EQ(overlay.GetMeta()->height, 77u);
  EXPECT_EQ(overlay.Finish()->meta.height, 77u);
}

TEST_F(OverlayTest, TotalsLeavingTheUint64RangeAreAnInternalError) {
  StateOverlay overlay(base_);
  overlay.PutAccount(Addr(7), Account{Micro(std::numeric_limits<uint64_t>::max()), 0, {}, {}});
  auto delta = overlay.Finish();
  ASSERT_FALSE(delta.ok());
  EXPECT_EQ(delta.error().code(), core::ErrorCode::kInternal);
}

TEST(MemoryStateTest, RecomputeSupplyCountsOnlyOpenEscrows) {
  MemoryState state;
  StateDelta delta;
  delta.accounts[Addr(1)] = Account{Coins(1), 0, Coins(2), Coins(3)};
  Escrow open;
  open.job_id = "a";
  open.amount = Coins(4);
  delta.escrows["a"] = open;
  delta.escrows["b"] = SettledEscrow();
  state.Apply(delta);
  SupplyTotals s = state.RecomputeSupply().value();
  EXPECT_EQ(s, (SupplyTotals{Coins(1), Coins(2), Coins(3), Coins(4)}));
}

}  // namespace
}  // namespace aitbc::chain
