// The store suite, run against SQLite and PostgreSQL (AITBC_TEST_PG_URL; skipped when unset).
#include "coordinator/store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <pqxx/pqxx>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <set>
#include <thread>

#include "coordinator/custody.h"
#include "core/file_util.h"
#include "core/random.h"
#include "process.h"
#include "test_util.h"

namespace aitbc::coordinator {
namespace {

using testing::AddressOf;
using testing::KeyFromByte;
using testing::SampleJob;

class StoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgresql") {
      const char* url = std::getenv("AITBC_TEST_PG_URL");
      if (url == nullptr || *url == '\0') {
        GTEST_SKIP() << "AITBC_TEST_PG_URL is not set (scripts/test starts a PostgreSQL server)";
      }
      url_ = url;
      schema_ = "t_" + core::HexEncode(core::SystemRandom::Instance().RandomBytes(6));
    } else {
      dir_ = std::make_unique<aitbc::testing::TempDir>();
      url_ = dir_->path() + "/coordinator.db";
    }
    store_ = Open();
  }

  void TearDown() override {
    store_.reset();
    if (!schema_.empty()) {
      pqxx::connection c(url_);
      pqxx::nontransaction n(c);
      n.exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    }
  }

  std::unique_ptr<Store> Open() {
    StoreOptions options;
    options.pg_schema = schema_;
    auto store = OpenStore(url_, options);
    EXPECT_TRUE(store.ok()) << store.error().ToString();
    return std::move(store).value();
  }

  // Every byte the database holds, as text: the SQLite files, or every PostgreSQL row.
  std::string RawContents() {
    if (schema_.empty()) {
      std::string out;
      for (const char* suffix : {"", "-wal"}) {
        auto content = core::ReadFile(url_ + suffix);
        if (content.ok()) out += *content;
      }
      return out;
    }
    pqxx::connection c(url_);
    pqxx::nontransaction n(c);
    std::string out;
    for (const char* table : {"jobs", "api_keys", "accounts", "miners", "meta"}) {
      for (const auto& row : n.exec("SELECT t::text FROM " + schema_ + "." + table + " t")) {
        out += row[0].c_str();
        out += "\n";
      }
    }
    return out;
  }

  void Put(const Job& job) { ASSERT_TRUE(store_->WriteSync({PutJob{job}}).ok()); }

  std::unique_ptr<aitbc::testing::TempDir> dir_;
  std::string url_;
  std::string schema_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, JobsRoundTripEveryField) {
  EXPECT_EQ(store_->backend(), GetParam());
  Job pending = SampleJob("job_pending", 1);
  pending.idempotency_key = "idem-1";
  pending.spec.system = "be brief";
  pending.spec.options.stop = {"\n\n"};
  pending.failed_miners = {"miner_x"};
  Put(pending);
  EXPECT_EQ(store_->GetJob("job_pending").value(), pending);

  Job done = SampleJob("job_done", 2);
  testing::CompleteJob(done);
  done.metrics.gpu_utilization_bp = 8500;
  done.closing.status = TxStatus::kCommitted;
  done.closing.height = 42;
  done.closed_by = Closing::kSettle;
  Put(done);
  EXPECT_EQ(store_->GetJob("job_done").value(), done);
  EXPECT_FALSE(store_->GetJob("job_missing").value().has_value());
}

TEST_P(StoreTest, TransitionsReplaceTheRowAndSurviveReopening) {
  Job job = SampleJob("job_1", 1);
  Put(job);
  job.state = JobState::kAssigned;
  job.miner_id = "miner_a";
  job.attempts = 1;
  Put(job);
  EXPECT_EQ(store_->GetJob("job_1")->value().state, JobState::kAssigned);
  job.state = JobState::kRunning;
  Put(job);
  testing::CompleteJob(job);
  Put(job);
  store_.reset();
  store_ = Open();
  EXPECT_EQ(store_->GetJob("job_1").value(), job);
  EXPECT_EQ(store_->CountJobsByState()->at(static_cast<size_t>(JobState::kCompleted)), 1u);
}

TEST_P(StoreTest, DeleteRemovesAJob) {
  Put(SampleJob("job_1", 1));
  ASSERT_TRUE(store_->WriteSync({DeleteJob{"job_1"}}).ok());
  EXPECT_FALSE(store_->GetJob("job_1")->has_value());
}

TEST_P(StoreTest, ReceiptIdsFindCompletedJobsOnly) {
  Job running = SampleJob("job_run", 1);
  running.state = JobState::kRunning;
  Put(running);
  EXPECT_FALSE(store_->GetJobByReceipt(protocol::ReceiptIdFor("job_run"))->has_value());
  Job done = SampleJob("job_done", 2);
  testing::CompleteJob(done);
  Put(done);
  auto found = store_->GetJobByReceipt(protocol::ReceiptIdFor("job_done")).value();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->job_id, "job_done");
}

TEST_P(StoreTest, ListsPagesNewestFirstPerClient) {
  core::Address alice = AddressOf(KeyFromByte(1));
  core::Address bob = AddressOf(KeyFromByte(2));
  for (uint64_t seq = 1; seq <= 7; ++seq) {
    Put(SampleJob("job_" + std::to_string(seq), seq, seq % 2 == 0 ? bob : alice));
  }
  // alice: 7, 5, 3, 1
  auto first = store_->ListJobs(alice, 0, 3).value();
  ASSERT_EQ(first.jobs.size(), 3u);
  EXPECT_EQ(first.jobs[0].job_id, "job_7");
  EXPECT_EQ(first.jobs[2].job_id, "job_3");
  EXPECT_EQ(first.next_cursor, 3u);
  auto second = store_->ListJobs(alice, first.next_cursor, 3).value();
  ASSERT_EQ(second.jobs.size(), 1u);
  EXPECT_EQ(second.jobs[0].job_id, "job_1");
  EXPECT_EQ(second.next_cursor, 0u);
  auto all = store_->ListJobs(std::nullopt, 0, 100).value();
  EXPECT_EQ(all.jobs.size(), 7u);
  EXPECT_EQ(store_->ListJobs(bob, 0, 100)->jobs.size(), 3u);
  EXPECT_EQ(store_->MaxJobSeq().value(), 7u);
}

TEST_P(StoreTest, ActiveJobsAreThoseWithWorkLeft) {
  Job pending = SampleJob("job_pending", 1);
  Job settling = SampleJob("job_settling", 2);
  testing::CompleteJob(settling);  // settle signed, not committed
  Job settled = SampleJob("job_settled", 3);
  testing::CompleteJob(settled);
  settled.closing.status = TxStatus::kCommitted;
  Job never_escrowed = SampleJob("job_rejected", 4);
  never_escrowed.state = JobState::kFailed;
  never_escrowed.escrow.status = TxStatus::kRejected;
  for (const Job& j : {pending, settling, settled, never_escrowed}) Put(j);
  std::set<std::string> active;
  std::vector<Job> loaded = store_->LoadActiveJobs().value();
  for (const Job& j : loaded) active.insert(j.job_id);
  EXPECT_EQ(active, (std::set<std::string>{"job_pending", "job_settling"}));
  auto counts = store_->CountJobsByState().value();
  EXPECT_EQ(counts[static_cast<size_t>(JobState::kPending)], 1u);
  EXPECT_EQ(counts[static_cast<size_t>(JobState::kCompleted)], 2u);
  EXPECT_EQ(counts[static_cast<size_t>(JobState::kFailed)], 1u);
}

TEST_P(StoreTest, IdempotencyKeysAreUniquePerClient) {
  Job first = SampleJob("job_1", 1);
  first.idempotency_key = "key-1";
  Put(first);
  Job again = SampleJob("job_2", 2);
  again.idempotency_key = "key-1";
  core::Status dup = store_->WriteSync({PutJob{again}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code(), core::ErrorCode::kAlreadyExists);
  EXPECT_FALSE(store_->GetJob("job_2")->has_value());
  Job other_client = SampleJob("job_3", 3, AddressOf(KeyFromByte(2)));
  other_client.idempotency_key = "key-1";
  Put(other_client);
  EXPECT_EQ(store_->FindIdempotent(first.client, "key-1").value()->job_id, "job_1");
  EXPECT_EQ(store_->FindIdempotent(other_client.client, "key-1").value()->job_id, "job_3");
  EXPECT_FALSE(store_->FindIdempotent(first.client, "key-2")->has_value());
  // Jobs without a key never collide.
  Put(SampleJob("job_4", 4));
  Put(SampleJob("job_5", 5));
}

TEST_P(StoreTest, ApiKeysKeepOnlyHashes) {
  core::DeterministicRandom random(7);
  net::NewApiKey key = net::GenerateApiKey(net::Role::kClient, "aitbc1owner", random, 1234);
  ASSERT_TRUE(store_->WriteSync({PutApiKey{ApiKeyRow{key.record}}}).ok());
  auto loaded = store_->GetApiKey(key.record.id).value();
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->record.secret_hash, key.record.secret_hash);
  EXPECT_EQ(loaded->record.role, net::Role::kClient);
  EXPECT_EQ(loaded->record.owner, "aitbc1owner");
  EXPECT_EQ(loaded->record.created_ms, 1234);
  EXPECT_FALSE(loaded->revoked);

  std::string secret = key.plaintext.substr(key.plaintext.rfind('_') + 1);
  std::string raw = RawContents();
  EXPECT_NE(raw.find(key.record.id), std::string::npos);  // the dump does see the table
  EXPECT_EQ(raw.find(secret), std::string::npos);
  EXPECT_EQ(raw.find(key.plaintext), std::string::npos);

  core::Status dup = store_->WriteSync({PutApiKey{ApiKeyRow{key.record}}});
  EXPECT_EQ(dup.error().code(), core::ErrorCode::kAlreadyExists);
  ASSERT_TRUE(store_->WriteSync({RevokeKey{key.record.id, 999}}).ok());
  auto revoked = store_->ListApiKeys().value();
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_TRUE(revoked[0].revoked);
  EXPECT_EQ(revoked[0].revoked_ms, 999);
  EXPECT_FALSE(store_->GetApiKey("0000000000000000")->has_value());
}

TEST_P(StoreTest, CustodialKeysAreSealed) {
  core::DeterministicRandom random(3);
  core::KeyFileOptions cheap;
  cheap.opslimit = 1;
  cheap.memlimit = 8 << 10;
  core::PrivateKey key = KeyFromByte(5);
  core::Address address = AddressOf(key);
  AccountRow row{address, SealAccountKey(key, "pass phrase", random, cheap).value(), 77};
  ASSERT_TRUE(store_->WriteSync({PutAccount{row}}).ok());
  EXPECT_EQ(store_->WriteSync({PutAccount{row}}).error().code(), core::ErrorCode::kAlreadyExists);

  std::string raw = RawContents();
  EXPECT_NE(raw.find(address.ToString()), std::string::npos);
  EXPECT_EQ(raw.find(core::HexEncode(key.Seed())), std::string::npos);

  auto loaded = store_->GetAccount(address).value();
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->created_ms, 77);
  EXPECT_EQ(OpenAccountKey(*loaded, "pass phrase")->public_key(), key.public_key());
  EXPECT_EQ(OpenAccountKey(*loaded, "wrong").error().code(), core::ErrorCode::kUnauthenticated);
  EXPECT_EQ(OpenAccountKey(*loaded, "").error().code(), core::ErrorCode::kUnauthenticated);
  // A sealed key stored under another address is refused.
  AccountRow swapped = *loaded;
  swapped.address = AddressOf(KeyFromByte(6));
  EXPECT_EQ(OpenAccountKey(swapped, "pass phrase").error().code(), core::ErrorCode::kCorruption);

  Custody custody(*store_, "pass phrase");
  EXPECT_EQ(custody.Key(address)->public_key(), key.public_key());
  EXPECT_EQ(custody.Key(AddressOf(KeyFromByte(6))).error().code(), core::ErrorCode::kNotFound);
}

TEST_P(StoreTest, InsecureDevnetKeysAreMarkedUnencrypted) {
  core::DeterministicRandom random(3);
  core::PrivateKey key = KeyFromByte(5);
  AccountRow row{AddressOf(key), SealAccountKey(key, "", random).value(), 1};
  EXPECT_NE(row.sealed_key.find("\"encryption\":\"none\""), std::string::npos);
  ASSERT_TRUE(store_->WriteSync({PutAccount{row}}).ok());
  Custody custody(*store_, "");
  EXPECT_EQ(custody.Key(row.address)->public_key(), key.public_key());
}

TEST_P(StoreTest, MinersAndMetaAreUpserted) {
  ASSERT_TRUE(
      store_
          ->WriteSync({PutMiner{{"miner_b", "{\"v\":1}"}}, PutMiner{{"miner_a", "{\"v\":1}"}},
                       PutMeta{"follower_height", "10"}})
          .ok());
  ASSERT_TRUE(
      store_->WriteSync({PutMiner{{"miner_b", "{\"v\":2}"}}, PutMeta{"follower_height", "11"}})
          .ok());
  auto miners = store_->ListMiners().value();
  ASSERT_EQ(miners.size(), 2u);
  EXPECT_EQ(miners[0].miner_id, "miner_a");
  EXPECT_EQ(miners[1].data, "{\"v\":2}");
  EXPECT_EQ(store_->GetMeta("follower_height").value(), std::optional<std::string>("11"));
  EXPECT_FALSE(store_->GetMeta("other")->has_value());
}

TEST_P(StoreTest, GroupCommitCallsBackOnlyAfterDurability) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  std::atomic<int> acknowledged{0};
  std::atomic<int> missing_at_callback{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "job_" + std::to_string(t) + "_" + std::to_string(i);
        store_->Write({PutJob{SampleJob(id, static_cast<uint64_t>(t * kPerThread + i + 1))}},
                      [&, id](core::Status s) {
                        EXPECT_TRUE(s.ok());
                        // Committed: another connection sees it.
                        if (!store_->GetJob(id)->has_value()) ++missing_at_callback;
                        ++acknowledged;
                      });
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(
      aitbc::testing::WaitUntil([&] { return acknowledged == kThreads * kPerThread; }, 60'000));
  EXPECT_EQ(missing_at_callback, 0);
  EXPECT_EQ(store_->ListJobs(std::nullopt, 0, 10'000)->jobs.size(),
            static_cast<size_t>(kThreads * kPerThread));
}

TEST_P(StoreTest, AFailingWriteFailsAloneInItsBatch) {
  Job first = SampleJob("job_1", 1);
  first.idempotency_key = "k";
  Put(first);
  std::atomic<int> done{0};
  std::vector<core::Status> results(20);
  for (int i = 0; i < 20; ++i) {
    Job j = SampleJob("job_x" + std::to_string(i), static_cast<uint64_t>(10 + i));
    if (i == 7) j.idempotency_key = "k";  // collides with job_1
    store_->Write({PutJob{j}}, [&, i](core::Status s) {
      results[static_cast<size_t>(i)] = std::move(s);
      ++done;
    });
  }
  ASSERT_TRUE(aitbc::testing::WaitUntil([&] { return done == 20; }, 30'000));
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(results[static_cast<size_t>(i)].ok(), i != 7) << i;
  }
  EXPECT_FALSE(store_->GetJob("job_x7")->has_value());
  EXPECT_TRUE(store_->GetJob("job_x8")->has_value());
}

// A child process writes groups of 5 jobs as fast as it can and reports each acknowledged
// group on a pipe; it is killed with SIGKILL mid-stream. After reopening, every group is there
// whole or not at all, and every acknowledged group is there.
TEST_P(StoreTest, ACrashLeavesWholeWritesOrNothing) {
  constexpr int kGroup = 5;
  store_.reset();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    StoreOptions options;
    options.pg_schema = schema_;
    auto store = OpenStore(url_, options);
    if (!store.ok()) _exit(3);
    for (int g = 0;; ++g) {
      std::vector<Mutation> group;
      for (int k = 0; k < kGroup; ++k) {
        group.push_back(PutJob{SampleJob("g" + std::to_string(g) + "_" + std::to_string(k),
                                         static_cast<uint64_t>(g * kGroup + k + 1))});
      }
      (*store)->Write(std::move(group), [fd = fds[1], g](core::Status s) {
        if (s.ok()) (void)!write(fd, &g, sizeof g);
      });
      if (g % 64 == 63) usleep(1000);
    }
  }
  close(fds[1]);
  std::set<int> acked;
  int g;
  while (acked.size() < 100 && read(fds[0], &g, sizeof g) == sizeof g) acked.insert(g);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  while (read(fds[0], &g, sizeof g) == sizeof g) acked.insert(g);
  close(fds[0]);
  ASSERT_GE(acked.size(), 100u);

  store_ = Open();
  std::map<int, int> rows_per_group;
  JobPage page = store_->ListJobs(std::nullopt, 0, 1'000'000).value();
  for (const Job& j : page.jobs) {
    rows_per_group[std::stoi(j.job_id.substr(1, j.job_id.find('_') - 1))]++;
  }
  for (const auto& [group, rows] : rows_per_group) EXPECT_EQ(rows, kGroup) << "group " << group;
  for (int a : acked) EXPECT_EQ(rows_per_group.count(a), 1u) << "acknowledged group " << a;
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::Values("sqlite", "postgresql"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace aitbc::coordinator
