#include "net/event_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <set>
#include <thread>

#include "net_test_util.h"

namespace aitbc::net {
namespace {

using testing::Latch;
using testing::WaitUntil;

TEST(EventLoopTest, PostRunsOnALoopThread) {
  EventLoop loop;
  loop.RunInBackground();
  Latch done;
  bool in_loop = false;
  loop.Post([&] {
    in_loop = loop.InLoopThread();
    done.Set();
  });
  ASSERT_TRUE(done.WaitFor(3000));
  EXPECT_TRUE(in_loop);
  EXPECT_FALSE(loop.InLoopThread());
  EXPECT_TRUE(loop.running());
  loop.Stop();
  EXPECT_TRUE(loop.stopped());
  EXPECT_FALSE(loop.running());
}

TEST(EventLoopTest, RunBlocksUntilStop) {
  EventLoop loop;
  std::atomic<bool> returned{false};
  std::thread runner([&] {
    loop.Run();
    returned = true;
  });
  Latch ran;
  loop.Post([&] { ran.Set(); });
  ASSERT_TRUE(ran.WaitFor(3000));
  EXPECT_FALSE(returned.load());
  loop.Stop();
  runner.join();
  EXPECT_TRUE(returned.load());
}

TEST(EventLoopTest, StopFromALoopThread) {
  EventLoop loop;
  loop.Post([&] { loop.Stop(); });
  loop.Run();  // returns because the callback stopped it
  EXPECT_TRUE(loop.stopped());
}

TEST(EventLoopTest, TimersRunInOrderAndCancelWorks) {
  EventLoop loop;
  loop.RunInBackground();
  std::mutex mu;
  std::vector<int> order;
  Latch done;
  loop.RunAfter(40, [&] {
    std::lock_guard lock(mu);
    order.push_back(2);
    done.Set();
  });
  auto cancelled = loop.RunAfter(10, [&] {
    std::lock_guard lock(mu);
    order.push_back(99);
  });
  loop.RunAfter(0, [&] {
    std::lock_guard lock(mu);
    order.push_back(1);
  });
  loop.Cancel(cancelled);
  loop.Cancel(12345);  // unknown: nothing happens
  ASSERT_TRUE(done.WaitFor(3000));
  std::lock_guard lock(mu);
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(EventLoopTest, ThrowingCallbackDoesNotStopTheLoop) {
  EventLoop loop;
  loop.RunInBackground();
  loop.Post([] { throw std::runtime_error("boom"); });
  loop.RunAfter(0, [] { throw 42; });
  Latch after;
  loop.Post([&] { after.Set(); });
  EXPECT_TRUE(after.WaitFor(3000));
}

TEST(EventLoopTest, SeveralThreadsRunCallbacksConcurrently) {
  EventLoop loop(3);
  EXPECT_EQ(loop.threads(), 3u);
  loop.RunInBackground();
  std::mutex mu;
  std::set<std::thread::id> ids;
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::atomic<int> done{0};
  for (int i = 0; i < 3; ++i) {
    loop.Post([&] {
      int now = ++inside;
      int seen = max_inside.load();
      while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
      }
      {
        std::lock_guard lock(mu);
        ids.insert(std::this_thread::get_id());
      }
      // Hold this thread until all three run at once (or give up after a while).
      WaitUntil([&] { return max_inside.load() == 3; }, 2000);
      --inside;
      ++done;
    });
  }
  ASSERT_TRUE(WaitUntil([&] { return done.load() == 3; }));
  EXPECT_EQ(max_inside.load(), 3);
  EXPECT_EQ(ids.size(), 3u);
}

TEST(EventLoopTest, ShutdownSignalCallsTheHandlerOnce) {
  EventLoop loop;
  std::atomic<int> calls{0};
  loop.OnShutdownSignal([&] { ++calls; });
  loop.RunInBackground();
  std::raise(SIGTERM);
  EXPECT_TRUE(WaitUntil([&] { return calls.load() == 1; }));
}

}  // namespace
}  // namespace aitbc::net
