#include "itlfleet/net/tftp_load.hpp"

#include <cstdio>

#include <gtest/gtest.h>

#include "tftp_test_support.hpp"

namespace itlfleet::net {
namespace {

using namespace testing;

TEST(TftpLoad, concurrent_downloads_all_succeed_and_are_timed) {
  tftp_server_options so;
  so.max_serving_count = 10000;
  server_harness h(so);
  h.files.put("ITLFile.tlv", pattern(5302));
  tftp_load_options o;
  o.server = h.endpoint();
  o.filename = "ITLFile.tlv";
  o.concurrency = 32;
  o.max_downloads = 3000;
  o.max_duration = std::chrono::seconds(20);
  o.local_count = 100;
  o.expected_size = 5302;
  const auto r = run_tftp_load(o, 1);
  std::printf("tftp load: %llu ok in %.3f s = %.0f downloads/s, p50 %lld us, p99 %lld us\n",
              static_cast<unsigned long long>(r.ok), r.seconds, r.downloads_per_second,
              static_cast<long long>(r.p50.count()), static_cast<long long>(r.p99.count()));
  EXPECT_EQ(r.started, 3000u);
  EXPECT_EQ(r.ok, 3000u);
  EXPECT_EQ(r.wrong_size, 0u);
  EXPECT_GT(r.downloads_per_second, 0.0);
  EXPECT_LE(r.p50, r.p99);
  EXPECT_LE(r.p99, r.max);
  ASSERT_TRUE(eventually([&] { return h.server().stats().files_served == 3000; }));
  // A client's next RRQ may be read before its previous final ACK: at most
  // one extra transfer per client is in the server's books.
  EXPECT_LE(h.server().stats().peak_active, 64u);
}

TEST(TftpLoad, missing_file_is_counted_not_found) {
  server_harness h;
  tftp_load_options o;
  o.server = h.endpoint();
  o.filename = "nope";
  o.concurrency = 4;
  o.max_downloads = 40;
  const auto r = run_tftp_load(o, 2);
  EXPECT_EQ(r.started, 40u);
  EXPECT_EQ(r.not_found, 40u);
  EXPECT_EQ(r.ok, 0u);
}

}  // namespace
}  // namespace itlfleet::net
