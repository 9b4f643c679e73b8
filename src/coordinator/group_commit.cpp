#include "coordinator/group_commit.h"

#include <spdlog/spdlog.h>

namespace aitbc::coordinator {

GroupCommitter::GroupCommitter(ApplyFn apply, size_t max_batch)
    : apply_(std::move(apply)), max_batch_(max_batch == 0 ? 1 : max_batch) {
  thread_ = std::thread([this] { Run(); });
}

GroupCommitter::~GroupCommitter() { Stop(); }

void GroupCommitter::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t GroupCommitter::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}

void GroupCommitter::Submit(Group mutations, WriteCallback done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(Pending{std::move(mutations), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  if (done) done(core::Error::Unavailable("store is closing"));
}

void GroupCommitter::Run() {
  for (;;) {
    std::vector<Pending> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      size_t n = std::min(queue_.size(), max_batch_);
      batch.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    std::vector<const Group*> groups;
    groups.reserve(batch.size());
    for (const Pending& p : batch) groups.push_back(&p.mutations);
    core::Status status = apply_(groups);
    std::vector<core::Status> results(batch.size(), status);
    if (!status.ok() && batch.size() > 1) {
      // Find the faulty group(s): one transaction each.
      for (size_t i = 0; i < batch.size(); ++i) results[i] = apply_({&batch[i].mutations});
    }
    if (!status.ok())
      spdlog::warn("store: batch of {} writes failed: {}", batch.size(), status.error().ToString());
    {
      std::lock_guard lock(mu_);
      ++batches_;
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].done) batch[i].done(std::move(results[i]));
    }
  }
}

core::Status Store::WriteSync(std::vector<Mutation> mutations) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  core::Status result;
  Write(std::move(mutations), [&](core::Status s) {
    std::lock_guard lock(mu);
    result = std::move(s);
    done = true;
    cv.notify_one();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  return result;
}

}  // namespace aitbc::coordinator
