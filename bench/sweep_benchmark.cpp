// `itlfleet sweep` on every core: a 32-point sweep at 100,000 phones with one
// job and with two, measured in the same run (the speed-up is the figure
// that matters on a shared machine), the peak memory of each, and the fixed
// per-point cost of a run (cluster PKI, certificates, ITL signing) on a
// sweep of tiny fleets, with the keys shared between points and without.
//
//   itlfleet_sweep_bench --benchmark_filter=Jobs        # the speed-up (about 90 s)
//   itlfleet_sweep_bench --benchmark_filter=FixedCost   # the per-point cost

#include <benchmark/benchmark.h>

#include <fstream>
#include <string>

#include "itlfleet/host/shared_key_store.hpp"
#include "itlfleet/sim/crypto.hpp"
#include "itlfleet/sweep/sweep.hpp"

namespace itlfleet::bench {
namespace {

/// hold-timer-too-short with the TVS regeneration at 32 times, 15m to 30m30s.
sweep::sweep_setup regen_sweep(std::uint64_t phones) {
  sweep::sweep_request r;
  r.scenario = "hold-timer-too-short";
  r.vary = {"timeline[2].at=15m..30m30s/30s"};
  r.phones = phones;
  auto s = sweep::prepare(r);
  if (!s) throw std::runtime_error(s.err().message);
  return std::move(*s);
}

/// The process's peak resident set since the last reset_peak_rss(), in MB
/// (VmHWM; Linux resets it on "5" to clear_refs).
void reset_peak_rss() {
  std::ofstream("/proc/self/clear_refs") << "5";
}
double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

// Jobs 1 and 2 on the same sweep and the same warm key store: the
// difference is the parallelism alone. Both report runs/s and peak memory.
void BM_Sweep_Jobs(benchmark::State& state) {
  static const auto setup = regen_sweep(100'000);
  static const auto keys = std::make_shared<host::shared_key_store>();
  sweep::runner_options ro;
  ro.jobs = static_cast<unsigned>(state.range(0));
  ro.key_cache = keys;
  {
    sweep::runner_options warm = ro;  // generate the keys outside the timing
    sweep::sweep_setup one = regen_sweep(10);
    (void)sweep::execute(one, warm);
  }
  reset_peak_rss();
  std::size_t runs = 0;
  for (auto _ : state) {
    auto r = sweep::execute(setup, ro);
    if (!r) state.SkipWithError(r.err().message.c_str());
    runs += r ? r->runs.size() : 0;
  }
  state.counters["runs_per_s"] =
      benchmark::Counter(static_cast<double>(runs), benchmark::Counter::kIsRate);
  state.counters["peak_rss_MB"] = peak_rss_mb();
}
BENCHMARK(BM_Sweep_Jobs)
    ->ArgName("jobs")
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kSecond);

// 32 points of 10 phones, one job: what each point costs besides its phones.
// state.range(0): 0 no key store (every point generates its cluster's RSA
// keys, as separate `itlfleet run`s without a cache would), 1 one shared
// in-memory store (keys generated once for the whole sweep; what `itlfleet
// sweep` does).
void BM_Sweep_FixedCost(benchmark::State& state) {
  static const auto setup = regen_sweep(10);
  const bool shared = state.range(0) == 1;
  const auto keys = std::make_shared<host::shared_key_store>();
  if (shared) {
    sweep::runner_options warm;
    warm.key_cache = keys;
    (void)sweep::execute(setup, warm);
  }
  sweep::runner_options ro;
  ro.jobs = 1;
  ro.key_cache = shared ? keys : nullptr;
  std::size_t runs = 0;
  const std::uint64_t hits_before = keys->memory_hits();
  for (auto _ : state) {
    auto r = sweep::execute(setup, ro);
    runs += r ? r->runs.size() : 0;
  }
  // Seconds per point (an inverted rate): "1.5m" is 1.5 ms.
  state.counters["s_per_point"] = benchmark::Counter(
      static_cast<double>(runs), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  // Keys each point still decodes from the shared store's PEM.
  if (shared && runs > 0)
    state.counters["keys_per_point"] =
        static_cast<double>(keys->memory_hits() - hits_before) / static_cast<double>(runs);
}
BENCHMARK(BM_Sweep_FixedCost)
    ->ArgName("shared_keys")
    ->Arg(0)
    ->Arg(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// What a point pays per key it takes from the shared store: decoding the PEM
// (OpenSSL 3's decoder) and self-signing its certificate; and per signed
// file (an ITL): one RSA-1024 SHA-1 signature.
const std::string& key_pem() {
  static const std::string pem = [] {
    sim::deterministic_stream stream("itlfleet-bench-sweep");
    return sim::rsa_key::generate(1024, stream).private_pem();
  }();
  return pem;
}

void BM_Sweep_KeyFromPem(benchmark::State& state) {
  for (auto _ : state) {
    auto key = sim::rsa_key::from_pem(key_pem());
    benchmark::DoNotOptimize(key);
  }
}
BENCHMARK(BM_Sweep_KeyFromPem)->Unit(benchmark::kMicrosecond);

void BM_Sweep_SelfSignedCertificate(benchmark::State& state) {
  const auto key = *sim::rsa_key::from_pem(key_pem());
  const sim::distinguished_name dn{"cucm-pub.example.lab", "tac", "cisco", "rtp", "nc", "US"};
  const bytes serial(16, 0x42);
  for (auto _ : state) {
    auto cert = sim::certificate::self_signed(key, dn, serial, 1767225600, 1826,
                                              sim::cert_profile::service);
    benchmark::DoNotOptimize(cert);
  }
}
BENCHMARK(BM_Sweep_SelfSignedCertificate)->Unit(benchmark::kMicrosecond);

void BM_Sweep_SignItlSizedFile(benchmark::State& state) {
  const auto key = *sim::rsa_key::from_pem(key_pem());
  const bytes data(5000, 0x5a);
  for (auto _ : state) {
    auto sig = sim::rsa_sign(key, sim::digest_algorithm::sha1, data);
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_Sweep_SignItlSizedFile)->Unit(benchmark::kMicrosecond);

// Building one point's plan: the YAML rewrite and the loader, paid per run.
void BM_Sweep_PlanOfPoint(benchmark::State& state) {
  static const auto setup = regen_sweep(10);
  std::size_t p = 0;
  for (auto _ : state) {
    auto plan = setup.space.plan(p++ % setup.space.size());
    benchmark::DoNotOptimize(plan);
  }
}
BENCHMARK(BM_Sweep_PlanOfPoint)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace itlfleet::bench
