// Store over RocksDB: key layout, atomic block commits, the account cache and the state check.
#include "node/store.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/encoding.h"
#include "protocol/limits.h"

namespace aitbc::node {
namespace {

constexpr char kAccount = 'a';
constexpr char kEscrow = 'e';
constexpr char kUnbonding = 'u';
constexpr char kMeta = 'm';
constexpr char kGenesis = 'g';
constexpr char kBlock = 'b';
constexpr char kBlockHash = 'h';
constexpr char kTx = 't';
constexpr char kReceiptByJob = 'r';
constexpr char kJobByReceipt = 'R';
constexpr char kPending = 'p';
constexpr char kFormat = 'v';

// The layout and encodings of what this file stores. Bump it whenever a stored encoding changes
// (docs/node.md, "Storage format"): a database in another format is refused at open, never
// misread. A database without the key predates versioning (format 1: escrows without a fee).
constexpr uint32_t kStoreFormat = 2;

void AppendBe64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

uint64_t ReadBe64(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

std::string Key(char prefix, core::ByteView suffix) {
  std::string key(1, prefix);
  key.append(core::AsString(suffix));
  return key;
}

std::string Key(char prefix, std::string_view suffix) {
  std::string key(1, prefix);
  key.append(suffix);
  return key;
}

std::string HeightKey(char prefix, uint64_t height) {
  std::string key(1, prefix);
  AppendBe64(key, height);
  return key;
}

std::string PendingKey(uint64_t seq) { return HeightKey(kPending, seq); }

rocksdb::Slice ToSlice(const core::Bytes& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

core::Error FromRocks(const rocksdb::Status& status, std::string_view what) {
  std::string message = std::string(what) + ": " + status.ToString();
  if (status.IsCorruption()) return core::Error::Corruption(std::move(message));
  return core::Error::IOError(std::move(message));
}

core::Bytes EncodeUnbonding(const std::vector<chain::UnbondingEntry>& entries) {
  core::Writer w(4 + entries.size() * 36);
  w.U32(static_cast<uint32_t>(entries.size()));
  for (const auto& e : entries) {
    w.Fixed(e.address.view());
    w.U64(e.amount.micro());
    w.U64(e.release_height);
  }
  return w.Take();
}

core::Result<std::vector<chain::UnbondingEntry>> DecodeUnbonding(core::ByteView bytes) {
  core::Reader r(bytes);
  AITBC_ASSIGN_OR_RETURN(uint32_t count, r.U32());
  if (count > r.remaining() / 36) return core::Error::InvalidArgument("entry count too large");
  std::vector<chain::UnbondingEntry> entries(count);
  for (auto& e : entries) {
    std::array<uint8_t, 20> address{};
    AITBC_TRY(r.Fixed(address));
    e.address = core::Address(address);
    AITBC_ASSIGN_OR_RETURN(uint64_t amount, r.U64());
    e.amount = core::Amount::FromMicro(amount);
    AITBC_ASSIGN_OR_RETURN(e.release_height, r.U64());
  }
  AITBC_TRY(r.ExpectEnd());
  return entries;
}

std::string EncodeLocation(const TxLocation& location) {
  std::string value;
  AppendBe64(value, location.height);
  for (int shift = 24; shift >= 0; shift -= 8) {
    value.push_back(static_cast<char>(location.index >> shift));
  }
  return value;
}

}  // namespace

struct Store::Impl {
  std::unique_ptr<rocksdb::DB> db;
  StoreOptions options;
  rocksdb::ReadOptions read_options;

  mutable std::mutex meta_mu;
  chain::ChainMeta meta;

  // Account cache; `generation` changes with every commit so that a reader that raced with a
  // commit does not insert the value it read before the commit.
  mutable std::shared_mutex cache_mu;
  mutable std::unordered_map<core::Address, std::optional<chain::Account>> cache;
  uint64_t generation = 0;  // guarded by cache_mu

  // nullopt when the key is absent.
  core::Result<std::optional<std::string>> Get(const std::string& key,
                                               std::string_view what) const {
    std::string value;
    rocksdb::Status status = db->Get(read_options, key, &value);
    if (status.IsNotFound()) return std::optional<std::string>();
    if (!status.ok()) return FromRocks(status, what);
    return std::optional<std::string>(std::move(value));
  }

  core::Result<std::optional<chain::Account>> ReadAccount(const core::Address& address) const {
    AITBC_ASSIGN_OR_RETURN(auto value, Get(Key(kAccount, address.view()), "reading an account"));
    if (!value) return std::optional<chain::Account>();
    auto account = chain::Account::Decode(core::AsBytes(*value));
    if (!account.ok()) {
      return core::Error::Corruption("account " + address.ToString() +
                                     " is undecodable: " + account.error().message());
    }
    return std::optional<chain::Account>(*account);
  }

  core::Result<std::vector<chain::UnbondingEntry>> ReadUnbonding(uint64_t height) const {
    AITBC_ASSIGN_OR_RETURN(auto value,
                           Get(HeightKey(kUnbonding, height), "reading unbonding entries"));
    if (!value) return std::vector<chain::UnbondingEntry>();
    auto entries = DecodeUnbonding(core::AsBytes(*value));
    if (!entries.ok()) {
      return core::Error::Corruption("unbonding entries at height " + std::to_string(height) +
                                     " are undecodable: " + entries.error().message());
    }
    return entries;
  }

  // Adds the state changes of delta (StateDelta's contract) to batch.
  core::Status AddDelta(rocksdb::WriteBatch& batch, const chain::StateDelta& delta) const {
    for (const auto& [address, account] : delta.accounts) {
      std::string key = Key(kAccount, address.view());
      if (account.IsEmpty()) {
        batch.Delete(key);
      } else {
        batch.Put(key, ToSlice(account.Encode()));
      }
    }
    for (const auto& [job_id, escrow] : delta.escrows) {
      batch.Put(Key(kEscrow, job_id), ToSlice(escrow.Encode()));
    }
    for (uint64_t height : delta.unbonding_released) batch.Delete(HeightKey(kUnbonding, height));
    for (const auto& [height, added] : delta.unbonding_added) {
      std::vector<chain::UnbondingEntry> entries;
      bool released = std::find(delta.unbonding_released.begin(), delta.unbonding_released.end(),
                                height) != delta.unbonding_released.end();
      if (!released) {
        AITBC_ASSIGN_OR_RETURN(entries, ReadUnbonding(height));
      }
      entries.insert(entries.end(), added.begin(), added.end());
      batch.Put(HeightKey(kUnbonding, height), ToSlice(EncodeUnbonding(entries)));
    }
    batch.Put(std::string(1, kMeta), ToSlice(delta.meta.Encode()));
    return core::Ok();
  }

  core::Status WriteBatch(rocksdb::WriteBatch& batch, std::string_view what) {
    rocksdb::WriteOptions write_options;
    write_options.sync = options.sync;
    rocksdb::Status status = db->Write(write_options, &batch);
    if (!status.ok()) return FromRocks(status, what);
    return core::Ok();
  }

  core::Status Write(rocksdb::WriteBatch& batch, const chain::StateDelta& delta) {
    AITBC_TRY(WriteBatch(batch, "writing a block"));
    {
      std::lock_guard lock(meta_mu);
      meta = delta.meta;
    }
    if (options.account_cache_entries == 0) return core::Ok();
    std::unique_lock lock(cache_mu);
    ++generation;
    if (cache.size() + delta.accounts.size() > options.account_cache_entries) cache.clear();
    for (const auto& [address, account] : delta.accounts) {
      cache[address] = account.IsEmpty() ? std::nullopt : std::optional<chain::Account>(account);
    }
    return core::Ok();
  }
};

Store::Store(std::unique_ptr<Impl> impl, protocol::Genesis genesis)
    : impl_(std::move(impl)), genesis_(std::move(genesis)), genesis_hash_(genesis_.Hash()) {}

Store::~Store() = default;

core::Result<std::unique_ptr<Store>> Store::Open(const std::string& path,
                                                 const chain::StateMachine& machine,
                                                 StoreOptions options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.paranoid_checks = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 4;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // A bloom filter over the memtable too: most lookups are for absent keys (a new transaction's
  // hash in the tx index), which then cost no skip-list search.
  db_options.memtable_whole_key_filtering = true;
  db_options.memtable_prefix_bloom_size_ratio = 0.05;

  if (options.env != nullptr) db_options.env = options.env;

  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(db_options, path, &raw);
  if (!status.ok()) return FromRocks(status, "opening the chain database " + path);
  auto impl = std::make_unique<Impl>();
  impl->db.reset(raw);
  impl->options = options;

  const protocol::Genesis& genesis = machine.genesis();
  AITBC_ASSIGN_OR_RETURN(auto stored_genesis,
                         impl->Get(std::string(1, kGenesis), "reading genesis"));
  AITBC_ASSIGN_OR_RETURN(auto stored_meta, impl->Get(std::string(1, kMeta), "reading meta"));
  if (!stored_genesis || !stored_meta) {
    if (stored_genesis || stored_meta) {
      return core::Error::Corruption("chain database " + path +
                                     " holds a genesis or a meta but not both");
    }
    AITBC_ASSIGN_OR_RETURN(chain::StateDelta delta, machine.GenesisDelta());
    rocksdb::WriteBatch batch;
    batch.Put(std::string(1, kFormat), std::to_string(kStoreFormat));
    batch.Put(std::string(1, kGenesis), genesis.ToJson().dump());
    AITBC_TRY(impl->AddDelta(batch, delta));
    AITBC_TRY(impl->Write(batch, delta));
  } else {
    AITBC_ASSIGN_OR_RETURN(auto stored_format,
                           impl->Get(std::string(1, kFormat), "reading the storage format"));
    std::string format = stored_format ? *stored_format : "1";
    if (format != std::to_string(kStoreFormat)) {
      return core::Error::FailedPrecondition(
          "chain database " + path + " is in storage format " + format +
          "; this aitbc-node reads format " + std::to_string(kStoreFormat) +
          " and cannot convert it: start the node with a new data directory (a devnet: aitbc "
          "devnet down --purge, then aitbc devnet up)");
    }
    auto parsed = nlohmann::json::parse(*stored_genesis, nullptr, false);
    if (parsed.is_discarded()) return core::Error::Corruption("stored genesis is not JSON");
    auto stored = protocol::Genesis::FromJson(parsed);
    if (!stored.ok()) return stored.error().WithContext("stored genesis");
    core::Hash256 stored_hash = stored->Hash();
    if (stored_hash != genesis.Hash()) {
      return core::Error::FailedPrecondition(
          "chain database " + path + " was made for another genesis (stored genesis hash " +
          stored_hash.ToHex() + ", given " + genesis.Hash().ToHex() + ")");
    }
    auto meta = chain::ChainMeta::Decode(core::AsBytes(*stored_meta));
    if (!meta.ok()) return core::Error::Corruption("stored meta: " + meta.error().message());
    impl->meta = *meta;
  }
  return std::unique_ptr<Store>(new Store(std::move(impl), genesis));
}

core::Result<std::optional<chain::Account>> Store::GetAccount(const core::Address& address) const {
  if (impl_->options.account_cache_entries == 0) return impl_->ReadAccount(address);
  uint64_t generation = 0;
  {
    std::shared_lock lock(impl_->cache_mu);
    auto it = impl_->cache.find(address);
    if (it != impl_->cache.end()) return it->second;
    generation = impl_->generation;
  }
  AITBC_ASSIGN_OR_RETURN(auto account, impl_->ReadAccount(address));
  std::unique_lock lock(impl_->cache_mu);
  if (impl_->generation == generation) {
    if (impl_->cache.size() >= impl_->options.account_cache_entries) impl_->cache.clear();
    impl_->cache.emplace(address, account);
  }
  return account;
}

core::Result<std::optional<chain::Escrow>> Store::GetEscrow(std::string_view job_id) const {
  AITBC_ASSIGN_OR_RETURN(auto value, impl_->Get(Key(kEscrow, job_id), "reading an escrow"));
  if (!value) return std::optional<chain::Escrow>();
  auto escrow = chain::Escrow::Decode(core::AsBytes(*value));
  if (!escrow.ok()) {
    return core::Error::Corruption("escrow " + std::string(job_id) +
                                   " is undecodable: " + escrow.error().message());
  }
  return std::optional<chain::Escrow>(std::move(escrow).value());
}

core::Result<std::vector<chain::UnbondingEntry>> Store::GetUnbonding(uint64_t height) const {
  return impl_->ReadUnbonding(height);
}

core::Result<chain::ChainMeta> Store::GetMeta() const { return meta(); }

chain::ChainMeta Store::meta() const {
  std::lock_guard lock(impl_->meta_mu);
  return impl_->meta;
}

uint64_t Store::height() const {
  std::lock_guard lock(impl_->meta_mu);
  return impl_->meta.height;
}

core::Status Store::CommitBlock(const protocol::Block& block, const chain::StateDelta& delta,
                                const std::vector<uint64_t>& pending_removed) {
  uint64_t height = block.header.height;
  uint64_t expected = this->height() + 1;
  if (height != expected || delta.meta.height != height) {
    return core::Error::FailedPrecondition("cannot commit block " + std::to_string(height) +
                                           " (state " + std::to_string(delta.meta.height) +
                                           "): the next height is " + std::to_string(expected));
  }
  rocksdb::WriteBatch batch;
  AITBC_TRY(impl_->AddDelta(batch, delta));
  batch.Put(HeightKey(kBlock, height), ToSlice(block.Encode()));
  std::string height_value;
  AppendBe64(height_value, height);
  batch.Put(Key(kBlockHash, block.Hash().view()), height_value);
  for (uint32_t i = 0; i < block.txs.size(); ++i) {
    const protocol::TxEnvelope& tx = block.txs[i];
    batch.Put(Key(kTx, tx.hash.view()), EncodeLocation({height, i}));
    if (const auto* settle = std::get_if<protocol::JobSettle>(&tx.tx.payload)) {
      batch.Put(Key(kReceiptByJob, settle->receipt.job_id), core::AsString(tx.hash.view()));
      batch.Put(Key(kJobByReceipt, settle->receipt.receipt_id), settle->receipt.job_id);
    }
  }
  for (uint64_t seq : pending_removed) batch.Delete(PendingKey(seq));
  return impl_->Write(batch, delta);
}

core::Status Store::WritePending(const std::vector<PendingEntry>& put,
                                 const std::vector<uint64_t>& removed) {
  if (put.empty() && removed.empty()) return core::Ok();
  rocksdb::WriteBatch batch;
  for (const PendingEntry& entry : put) batch.Put(PendingKey(entry.seq), ToSlice(entry.tx));
  for (uint64_t seq : removed) batch.Delete(PendingKey(seq));
  return impl_->WriteBatch(batch, "writing pending transactions");
}

core::Result<std::vector<PendingEntry>> Store::LoadPending() const {
  std::vector<PendingEntry> entries;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(impl_->read_options));
  for (it->Seek(std::string(1, kPending)); it->Valid() && it->key()[0] == kPending; it->Next()) {
    if (it->key().size() != 9) {
      return core::Error::Corruption("pending transaction key of the wrong length");
    }
    PendingEntry entry;
    entry.seq = ReadBe64(std::string_view(it->key().data() + 1, 8));
    entry.tx.assign(it->value().data(), it->value().data() + it->value().size());
    entries.push_back(std::move(entry));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading pending transactions");
  return entries;
}

core::Result<std::optional<core::Bytes>> Store::GetBlockBytes(uint64_t height) const {
  AITBC_ASSIGN_OR_RETURN(auto value, impl_->Get(HeightKey(kBlock, height), "reading a block"));
  if (!value) return std::optional<core::Bytes>();
  return std::optional<core::Bytes>(core::Bytes(value->begin(), value->end()));
}

core::Result<std::optional<protocol::Block>> Store::GetBlock(uint64_t height) const {
  AITBC_ASSIGN_OR_RETURN(auto bytes, GetBlockBytes(height));
  if (!bytes) return std::optional<protocol::Block>();
  auto block = protocol::Block::Decode(*bytes);
  if (!block.ok()) {
    return core::Error::Corruption("block " + std::to_string(height) +
                                   " is undecodable: " + block.error().message());
  }
  return std::optional<protocol::Block>(std::move(block).value());
}

core::Result<std::optional<uint64_t>> Store::GetBlockHeight(const core::Hash256& block_hash) const {
  AITBC_ASSIGN_OR_RETURN(auto value,
                         impl_->Get(Key(kBlockHash, block_hash.view()), "reading a block hash"));
  if (!value) return std::optional<uint64_t>();
  if (value->size() != 8) return core::Error::Corruption("block hash index entry is malformed");
  return std::optional<uint64_t>(ReadBe64(*value));
}

core::Result<std::optional<TxLocation>> Store::GetTxLocation(const core::Hash256& tx_hash) const {
  AITBC_ASSIGN_OR_RETURN(auto value, impl_->Get(Key(kTx, tx_hash.view()), "reading the tx index"));
  if (!value) return std::optional<TxLocation>();
  if (value->size() != 12) return core::Error::Corruption("tx index entry is malformed");
  TxLocation location;
  location.height = ReadBe64(*value);
  for (size_t i = 8; i < 12; ++i) {
    location.index = (location.index << 8) | static_cast<uint8_t>((*value)[i]);
  }
  return std::optional<TxLocation>(location);
}

core::Result<std::optional<StoredTx>> Store::GetTx(const core::Hash256& tx_hash) const {
  AITBC_ASSIGN_OR_RETURN(auto location, GetTxLocation(tx_hash));
  if (!location) return std::optional<StoredTx>();
  AITBC_ASSIGN_OR_RETURN(auto block, GetBlockBytes(location->height));
  if (!block) {
    return core::Error::Corruption("tx index points at missing block " +
                                   std::to_string(location->height));
  }
  auto bytes = ExtractTxBytes(*block, location->index);
  if (!bytes.ok()) return core::Error::Corruption("indexed tx: " + bytes.error().message());
  auto tx = protocol::TxEnvelope::FromOwned(std::move(bytes).value());
  if (!tx.ok()) return core::Error::Corruption("indexed tx: " + tx.error().message());
  if (tx->hash != tx_hash) return core::Error::Corruption("tx index points at another tx");
  return std::optional<StoredTx>(StoredTx{std::move(tx).value(), *location});
}

core::Result<std::optional<core::Hash256>> Store::GetSettleTx(std::string_view job_id) const {
  AITBC_ASSIGN_OR_RETURN(auto value,
                         impl_->Get(Key(kReceiptByJob, job_id), "reading the receipt index"));
  if (!value) return std::optional<core::Hash256>();
  if (value->size() != 32) return core::Error::Corruption("receipt index entry is malformed");
  core::Hash256 hash;
  std::copy(value->begin(), value->end(), hash.bytes.begin());
  return std::optional<core::Hash256>(hash);
}

core::Result<std::optional<std::string>> Store::GetJobIdForReceipt(
    std::string_view receipt_id) const {
  return impl_->Get(Key(kJobByReceipt, receipt_id), "reading the receipt id index");
}

core::Result<StateCheck> Store::VerifyState() const {
  // Gather every state entry as one delta and let chain::MemoryState recompute the commitment
  // exactly as the state machine defines it.
  chain::StateDelta all;
  StateCheck check;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(impl_->read_options));
  for (it->Seek(std::string(1, kAccount)); it->Valid() && it->key()[0] == kAccount; it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (key.size() != 21) return core::Error::Corruption("account key of the wrong length");
    std::array<uint8_t, 20> bytes{};
    std::copy(key.begin() + 1, key.end(), bytes.begin());
    core::Address address(bytes);
    auto account = chain::Account::Decode(core::AsBytes(it->value().ToStringView()));
    if (!account.ok()) {
      return core::Error::Corruption("account " + address.ToString() +
                                     " is undecodable: " + account.error().message());
    }
    if (account->IsEmpty()) {
      return core::Error::Corruption("account " + address.ToString() + " is stored empty");
    }
    all.accounts.emplace(address, *account);
  }
  for (it->Seek(std::string(1, kEscrow)); it->Valid() && it->key()[0] == kEscrow; it->Next()) {
    std::string job_id(it->key().data() + 1, it->key().size() - 1);
    auto escrow = chain::Escrow::Decode(core::AsBytes(it->value().ToStringView()));
    if (!escrow.ok() || escrow->job_id != job_id) {
      return core::Error::Corruption("escrow " + job_id + " is undecodable or misfiled");
    }
    all.escrows.emplace(job_id, std::move(escrow).value());
  }
  for (it->Seek(std::string(1, kUnbonding)); it->Valid() && it->key()[0] == kUnbonding;
       it->Next()) {
    if (it->key().size() != 9) return core::Error::Corruption("unbonding key of the wrong length");
    uint64_t height = ReadBe64(std::string_view(it->key().data() + 1, 8));
    auto entries = DecodeUnbonding(core::AsBytes(it->value().ToStringView()));
    if (!entries.ok()) {
      return core::Error::Corruption("unbonding entries at height " + std::to_string(height) +
                                     " are undecodable: " + entries.error().message());
    }
    all.unbonding_added.emplace(height, std::move(entries).value());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning the state");

  AITBC_ASSIGN_OR_RETURN(auto stored_meta, impl_->Get(std::string(1, kMeta), "reading meta"));
  if (!stored_meta) return core::Error::Corruption("the meta entry is missing");
  auto meta = chain::ChainMeta::Decode(core::AsBytes(*stored_meta));
  if (!meta.ok()) return core::Error::Corruption("stored meta: " + meta.error().message());

  check.height = meta->height;
  check.accounts = all.accounts.size();
  check.escrows = all.escrows.size();
  check.unbonding_heights = all.unbonding_added.size();
  all.meta = *meta;
  chain::MemoryState state;
  state.Apply(all);
  chain::LtHash lthash = state.RecomputeLtHash();
  check.state_hash = lthash.Digest();
  if (!(lthash == meta->state_lthash) || check.state_hash != meta->state_hash) {
    return core::Error::Corruption(
        "state commitment mismatch at height " + std::to_string(meta->height) + ": stored " +
        meta->state_hash.ToHex() + ", recomputed from the entries " + check.state_hash.ToHex());
  }
  auto supply = state.RecomputeSupply();
  if (!supply.ok()) return core::Error::Corruption("supply: " + supply.error().message());
  check.supply = *supply;
  if (!(check.supply == meta->supply)) {
    return core::Error::Corruption("supply totals in the meta differ from the entries");
  }
  auto total = check.supply.Total();
  if (!total.ok() || *total != meta->genesis_supply) {
    return core::Error::Corruption("total supply differs from the genesis supply");
  }
  return check;
}

core::Result<core::Bytes> ExtractTxBytes(core::ByteView block_bytes, uint32_t index) {
  core::Reader r(block_bytes);
  AITBC_TRY(protocol::BlockHeader::DecodeFrom(r));
  std::array<uint8_t, 64> signature{};
  AITBC_TRY(r.Fixed(signature));
  AITBC_ASSIGN_OR_RETURN(uint32_t count, r.U32());
  if (index >= count) {
    return core::Error::NotFound("block has " + std::to_string(count) + " transactions, not " +
                                 std::to_string(index + 1));
  }
  for (uint32_t i = 0; i < index; ++i) AITBC_TRY(r.Var(protocol::kMaxTxBytes));
  return r.Var(protocol::kMaxTxBytes);
}

}  // namespace aitbc::node
