#include "itlfleet/net/tftp_load.hpp"

#include <algorithm>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace itlfleet::net {

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

/// Figures gathered by one thread's workers.
struct load_state {
  tftp_load_result counts;
  std::vector<std::uint32_t> latencies_us;  ///< of ok downloads
  clock_type::time_point first_start = clock_type::time_point::max();
  clock_type::time_point last_end = clock_type::time_point::min();
};

asio::awaitable<void> worker(const tftp_load_options& o, load_state& s, clock_type::time_point end,
                             std::uint32_t index_stride, std::uint32_t& remaining,
                             asio::steady_timer& all_done, std::uint64_t& next_index) {
  const std::uint32_t base = o.first_local.to_uint();
  while (s.counts.started < o.max_downloads && clock_type::now() < end) {
    const std::uint64_t i = next_index;
    next_index += index_stride;
    ++s.counts.started;
    tftp_get_options g = o.get;
    g.seed = o.get.seed ^ (i * 0x9e3779b97f4a7c15ull);
    const asio::ip::address_v4 local(
        base + static_cast<std::uint32_t>(i % std::max<std::uint32_t>(o.local_count, 1)));
    const auto t0 = clock_type::now();
    s.first_start = std::min(s.first_start, t0);
    auto r = co_await tftp_get(local, o.server, o.filename, std::move(g));
    const auto t1 = clock_type::now();
    s.last_end = std::max(s.last_end, t1);
    s.counts.retransmissions += r.retransmissions;
    switch (r.outcome) {
      case tftp_outcome::ok:
        ++s.counts.ok;
        if (o.expected_size && r.data.size() != *o.expected_size) ++s.counts.wrong_size;
        s.latencies_us.push_back(static_cast<std::uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()));
        break;
      case tftp_outcome::not_found:
        ++s.counts.not_found;
        break;
      case tftp_outcome::refused:
        ++s.counts.refused;
        break;
      case tftp_outcome::timeout:
        ++s.counts.timeout;
        break;
      case tftp_outcome::protocol_error:
        ++s.counts.protocol_error;
        break;
      case tftp_outcome::local_error:
        ++s.counts.local_error;
        break;
    }
  }
  if (--remaining == 0) all_done.cancel();
}

/// Runs `o.concurrency` workers on the current executor into `s`. Download
/// indexes are first_index, first_index + stride, ... so threads do not overlap.
asio::awaitable<void> run_into(const tftp_load_options& o, load_state& s, std::uint64_t first_index,
                               std::uint32_t stride) {
  auto ex = co_await asio::this_coro::executor;
  const auto end = clock_type::now() + o.max_duration;
  std::uint32_t remaining = std::max<std::uint32_t>(o.concurrency, 1);
  asio::steady_timer all_done(ex, clock_type::time_point::max());
  std::uint64_t next_index = first_index;
  for (std::uint32_t w = remaining; w > 0; --w)
    asio::co_spawn(ex, worker(o, s, end, stride, remaining, all_done, next_index), asio::detached);
  while (remaining > 0) co_await all_done.async_wait(asio::as_tuple(asio::use_awaitable));
}

tftp_load_result finish(std::vector<load_state>& states) {
  tftp_load_result r;
  std::vector<std::uint32_t> lat;
  auto first = clock_type::time_point::max();
  auto last = clock_type::time_point::min();
  for (auto& s : states) {
    const auto& c = s.counts;
    r.started += c.started;
    r.ok += c.ok;
    r.not_found += c.not_found;
    r.refused += c.refused;
    r.timeout += c.timeout;
    r.protocol_error += c.protocol_error;
    r.local_error += c.local_error;
    r.wrong_size += c.wrong_size;
    r.retransmissions += c.retransmissions;
    lat.insert(lat.end(), s.latencies_us.begin(), s.latencies_us.end());
    first = std::min(first, s.first_start);
    last = std::max(last, s.last_end);
  }
  if (r.started > 0 && last > first) {
    r.seconds = std::chrono::duration<double>(last - first).count();
    r.downloads_per_second = static_cast<double>(r.ok) / r.seconds;
  }
  if (!lat.empty()) {
    auto pct = [&](double p) {
      auto k = static_cast<std::size_t>(p * static_cast<double>(lat.size() - 1));
      std::nth_element(lat.begin(), lat.begin() + static_cast<std::ptrdiff_t>(k), lat.end());
      return std::chrono::microseconds(lat[k]);
    };
    r.p50 = pct(0.50);
    r.p90 = pct(0.90);
    r.p99 = pct(0.99);
    r.max = std::chrono::microseconds(*std::max_element(lat.begin(), lat.end()));
  }
  return r;
}

}  // namespace

asio::awaitable<tftp_load_result> run_tftp_load(tftp_load_options options) {
  std::vector<load_state> states(1);
  co_await run_into(options, states[0], 0, 1);
  co_return finish(states);
}

tftp_load_result run_tftp_load(const tftp_load_options& options, unsigned threads) {
  threads = std::max(threads, 1u);
  std::vector<load_state> states(threads);
  std::vector<tftp_load_options> parts(threads, options);
  for (unsigned t = 0; t < threads; ++t) {
    parts[t].concurrency = std::max<std::uint32_t>(1, options.concurrency / threads);
    parts[t].max_downloads =
        options.max_downloads / threads + (t < options.max_downloads % threads);
  }
  std::vector<std::thread> pool;
  for (unsigned t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      asio::io_context io(1);
      asio::co_spawn(io, run_into(parts[t], states[t], t, threads), asio::detached);
      io.run();
    });
  }
  for (auto& th : pool) th.join();
  return finish(states);
}

}  // namespace itlfleet::net
