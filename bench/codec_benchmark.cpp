// Parsing and writing a 5 KB ITL, next to copying the same bytes.

#include <benchmark/benchmark.h>

#include <cstring>

#include "bench_fixture.hpp"

namespace itlfleet::bench {
namespace {

void BM_Baseline_Memcpy(benchmark::State& state) {
  const bytes& raw = seed_itl().raw;
  bytes out(raw.size());
  for (auto _ : state) {
    std::memcpy(out.data(), raw.data(), raw.size());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw.size()));
}
BENCHMARK(BM_Baseline_Memcpy);

void BM_TrustFile_Parse(benchmark::State& state) {
  const bytes& raw = seed_itl().raw;
  for (auto _ : state) {
    auto f = sim::parse_trust_list(raw);
    benchmark::DoNotOptimize(f);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw.size()));
}
BENCHMARK(BM_TrustFile_Parse);

void BM_TrustFile_Serialise(benchmark::State& state) {
  const sim::trust_file& f = seed_itl().itl;
  for (auto _ : state) {
    auto raw = sim::serialise(f);
    benchmark::DoNotOptimize(raw);
  }
}
BENCHMARK(BM_TrustFile_Serialise);

}  // namespace
}  // namespace itlfleet::bench
